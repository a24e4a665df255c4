"""The report as a reviewer reads it: a picture first, what differs and why, nothing borrowed."""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cdk_parity.compare.engine import compare
from cdk_parity.compare.run import Run
from cdk_parity.report import render
from cdk_parity.report.view import breakable, inline_code


class Page(HTMLParser):
    """Text, tags and classes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)

    def count(self, tag: str, cls: str | None = None) -> int:
        return sum(
            1
            for t, attrs in self.tags
            if t == tag and (cls is None or cls in (attrs.get("class") or "").split())
        )


def _page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def written(parity_run: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("report")
    render.write(parity_run, directory)
    return directory


def test_the_page_opens_with_a_picture_per_stack_drawn_inline(
    written: Path, parity_run: Run
) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    page = _page(written / "report.html")
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "nothing loaded from elsewhere"
    assert page.count("svg", "chart") == len(parity_run.runs)
    for stack_run in parity_run.runs:
        kinds = {p.kind for p in stack_run.comparison.pairs}
        # One label per kind in that stack's chart, each with a bar per verdict it has.
        chart = html.split(f'<title id="chart-{stack_run.stack}">')[1].split("</svg>")[0]
        assert sorted(re.findall(r'class="kind">([^<]+)<', chart)) == sorted(kinds)


def test_legend_and_no_literal_backticks(written: Path) -> None:
    page = _page(written / "report.html")
    text = "".join(page.text)
    assert "How to read the rows" in text
    for verdict in ("same", "intentional", "unexpected", "missing"):
        assert verdict in text
    assert "`" not in text, "Markdown code spans must become <code> in the HTML"
    assert "PASS: every difference is reviewed" in text


def test_same_rows_collapse_into_a_count_per_kind(written: Path, parity_run: Run) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    for stack_run in parity_run.runs:
        same = [p for p in stack_run.comparison.pairs if p.verdict == "same"]
        kinds = {p.kind for p in same}
        section = html.split(f'id="stack-{stack_run.stack}"')[1].split('<h2 id="stack-')[0]
        groups = re.findall(r"<summary><strong>([^<]+)</strong>: (\d+) the same</summary>", section)
        assert {kind for kind, _ in groups} == kinds
        assert sum(int(n) for _, n in groups) == len(same)
        assert section.count('class="rows diffs"') <= 1


def test_names_break_between_words_not_inside_them() -> None:
    assert str(breakable("container-delivery-dev/deploy-time")) == (
        "container-<wbr>delivery-<wbr>dev/<wbr>deploy-<wbr>time"
    )
    assert (
        str(breakable("CustomVpcRestrictDefaultSG"))
        == "Custom<wbr>Vpc<wbr>Restrict<wbr>Default<wbr>SG"
    )
    assert str(breakable("<b>")) == "&lt;b&gt;"
    assert str(inline_code("tagged `initial` <x>")) == "tagged <code>initial</code> &lt;x&gt;"


def test_a_failing_report_names_its_rows_and_what_only_one_side_has(
    parity_run: Run, tmp_path: Path
) -> None:
    """Drop one reviewed IAM entry: the banner names the row, the row lists those grants."""
    trimmed = [e for e in parity_run.expected if e.id != "cdk-app-build-ssm-reads"]
    dev, prod = parity_run.runs
    failed = dataclasses.replace(
        dev, comparison=compare(dev.pulumi, dev.cdk, trimmed, mode="synth-time", stack="dev")
    )
    # prod's promote build is reviewed by the same entry: kept, so one row fails.
    run = dataclasses.replace(parity_run, runs=[failed, prod], expected=parity_run.expected)
    render.write(run, tmp_path)
    page = _page(tmp_path / "report.html")
    text = " ".join("".join(page.text).split())
    assert "FAIL: 1 row differs without a reviewed reason" in text
    assert "dev · iam-role · codebuild-project:container-delivery-dev-app-build" in text
    assert "grants: 7 not reviewed, only in CDK" in text
    # The row shows the unreviewed grants, outlined, apart from the reviewed ones.
    assert page.count("li", "unreviewed") == 7
    assert "ssm:GetParameters on [ssm-parameter /container-delivery/dev/deploy-manifest]" in text
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "**FAIL: 1 row without a reviewed reason**" in markdown
    assert "(not reviewed)" in markdown
    document = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert document["failing"] is True
    (row,) = [p for p in document["stacks"][0]["pairs"] if p["verdict"] == "unexpected"]
    (grants,) = [d for d in row["differences"] if d["property"] == "grants"]
    assert len(grants["unreviewed"]) == 7
    assert all(side == "cdk" for side, _ in grants["unreviewed"])


def test_markdown_has_the_ten_points_and_the_first_deploy_story(written: Path) -> None:
    text = (written / "report.md").read_text(encoding="utf-8")
    for number in range(1, 12):  # the talk's ten, and the release point (issue 14)
        assert f"\n| {number} | " in text, number
    assert "**PASS: every difference is reviewed**" in text
    assert "AWS::SSM::Parameter::Value<String>" in text
    assert json.loads((written / "report.json").read_text())["failing"] is False


def test_a_talk_point_whose_sides_disagree_fails_the_run(
    parity_run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not render.summary(parity_run).failing
    assert render.unexpected_points(parity_run) == []
    off = dataclasses.replace(
        render.points(parity_run)[0],
        pulumi="pipelines: only-one",
        verdict="unexpected",
    )
    monkeypatch.setattr(render, "points", lambda run: [off])
    summary = render.summary(parity_run)
    assert summary.failing
    assert f"UNEXPECTED talk point {off.number}: {off.title}" in "\n".join(summary.lines)
    assert render.as_json(parity_run)["failing"] is True


#: A 390 px wide phone: the page's narrow layout pads the body .6rem (9.6 px) a side.
PHONE_CONTENT_PX = 390 - 2 * 9.6
#: Below this, chart text is hard to read on a phone (WCAG sets no floor; 11 px is the
#: smallest size Apple's and Google's design guides use for text).
LEGIBLE_PX = 11
#: A generous average advance of Helvetica and Arial, in ems.
CHAR_EM = 0.6


def _px(rule: str, name: str) -> float:
    found = re.search(rf"{name}: ([\d.]+)px", rule)
    assert found is not None, f"{name} in {rule}"
    return float(found.group(1))


def test_chart_text_is_legible_on_a_phone_and_stays_inside_the_chart(written: Path) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    style = html.split("<style>")[1].split("</style>")[0]
    assert re.search(r"@media \(max-width: 700px\) \{\s*body \{ padding: 0 \.6rem;", style)
    chart_rule = re.search(r"\.chart \{([^}]*)\}", style)
    assert chart_rule is not None
    font = _px(chart_rule.group(1), "font")
    max_width = _px(chart_rule.group(1), "max-width")
    charts = re.findall(r'<svg class="chart"[^>]*viewBox="0 0 ([\d.]+) [\d.]+"(.*?)</svg>', html)
    assert charts
    for width_text, body in charts:
        width = float(width_text)
        on_phone = font * min(PHONE_CONTENT_PX, max_width) / width
        on_desktop = font * max_width / width
        assert on_phone >= LEGIBLE_PX, f"chart text shows at {on_phone:.1f} px on a phone"
        assert on_desktop <= 18, f"chart text shows at {on_desktop:.1f} px on a wide screen"
        # Right-aligned kind labels start inside the chart; legend words end inside it.
        for x, label in re.findall(r'<text x="([\d.]+)"[^>]*class="kind">([^<]+)<', body):
            assert float(x) >= len(label) * CHAR_EM * font, label
        for x, word in re.findall(r'<text x="([\d.]+)"[^>]*class="legend">([^<]+)<', body):
            assert float(x) + len(word) * CHAR_EM * font <= width, word


def test_each_stack_shows_the_guardrails_packs_result(written: Path, parity_run: Run) -> None:
    """The pack ran over both plans (the fixture passes policy/): a verdict line per stack."""
    lines = render.summary(parity_run).lines
    for stack in ("dev", "prod"):
        (line,) = [x for x in lines if x.startswith(f"{stack}: guardrails ")]
        assert line == (
            f"{stack}: guardrails PASS, policy pack container-delivery-guardrails 0.1.0: "
            "17 rules, 0 mandatory and 0 advisory violations"
        )
    markdown = (written / "report.md").read_text(encoding="utf-8")
    assert markdown.count("### Guardrails: PASS, policy pack container-delivery-guardrails") == 2
    document = json.loads((written / "report.json").read_text(encoding="utf-8"))
    assert document["guardrailsNotRun"] is None
    for stack in document["stacks"]:
        assert len(stack["guardrails"]["policies"]) == 17
        assert stack["guardrails"]["violations"] == []


def test_a_guardrails_violation_is_shown_by_rule_and_resource_without_failing_parity(
    parity_run: Run, tmp_path: Path
) -> None:
    from infra_pulumi.plan.policy_run import Violation

    dev, prod = parity_run.runs
    assert dev.guardrails is not None
    urn = next(r.urn for r in dev.plan.resources if r.type == "aws:cloudwatch/logGroup:LogGroup")
    violation = Violation(
        policy="log-group-retention",
        enforcement="mandatory",
        urn=urn,
        message="Log groups keep their logs long enough.\nretentionInDays is 1; at least 14",
    )
    flagged = dataclasses.replace(
        dev, guardrails=dataclasses.replace(dev.guardrails, violations=[violation])
    )
    run = dataclasses.replace(parity_run, runs=[flagged, prod])
    render.write(run, tmp_path)

    summary = render.summary(run)
    assert "dev: guardrails FAIL, policy pack container-delivery-guardrails 0.1.0: 17 rules, " \
        "1 mandatory and 0 advisory violations" in summary.lines  # fmt: skip
    assert summary.failing is False  # parity is judged apart; the plan command is the gate
    resource = urn.rsplit("::", 1)[-1]
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert (
        f"| `log-group-retention` | mandatory | `{resource}` | retentionInDays is 1; at least 14 |"
        in markdown
    )
    text = " ".join("".join(_page(tmp_path / "report.html").text).split())
    assert "Guardrails: FAIL policy pack container-delivery-guardrails" in text
    assert "retentionInDays is 1; at least 14" in text
    document = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert document["stacks"][0]["guardrails"]["violations"][0]["policy"] == "log-group-retention"


def test_a_run_without_the_pack_says_so_and_why(parity_run: Run, tmp_path: Path) -> None:
    runs = [dataclasses.replace(r, guardrails=None) for r in parity_run.runs]
    run = dataclasses.replace(parity_run, runs=runs, guardrails_not_run="--no-policy-pack")
    render.write(run, tmp_path)
    assert "guardrails policy pack: not run (--no-policy-pack)" in render.summary(run).lines
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert markdown.count("### Guardrails: not run (--no-policy-pack)") == 2
