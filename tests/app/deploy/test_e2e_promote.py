"""``promote`` end to end (issue 22): real CLI processes, two stages on one moto server.

dev, the build stage, lives in another account (or in prod's, ``same-account``) and is
read only through its promotion reader role; prod, the promoted stage, runs what
promote gives it, by digest. The CodeDeploy double at the proxy drives prod's
deployments (codedeploy_double.py). What moto does not check (IAM, repository
policies) is listed in promotion_fakes.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .fakes import NEW, NEWER, OLD
from .promotion_fakes import BUILD_ACCOUNT, PROMOTED_ACCOUNT, Stages, release_in_dev

pytestmark = pytest.mark.e2e


def assert_promoted(stages: Stages, tag: str, digest: str) -> None:
    """prod's records, every $LATEST and every alias on dev's ``digest``; dev tagged it."""
    prod = stages.prod
    assert stages.recorded("lambda") == (tag, digest)
    uri = stages.dev_uri("lambda", digest)
    assert set(prod.function_images("lambda").values()) == {uri}
    assert prod.serving("lambda") == {fn: tag for fn in prod.functions("lambda")}
    assert f"promoted-prod-{tag}" in stages.dev_tags("lambda", digest)
    assert prod.lock_value("lambda") is None


@pytest.mark.parametrize("stages", ["cross-account", "same-account"], indirect=True)
def test_promote_releases_devs_digest_in_prod_and_tags_it_in_dev(stages, deploy, tmp_path):
    digest = stages.digest("lambda", NEW)
    expected = BUILD_ACCOUNT if "111122223333" in stages.reader_role_arn else PROMOTED_ACCOUNT
    assert stages.reader_role_arn.split(":")[4] == expected

    run = deploy("promote", "--image", "lambda", "--from", "dev", "--json")

    assert run.returncode == 0, run.stderr
    assert_promoted(stages, NEW, digest)
    result = json.loads(run.stdout)
    assert (result["tag"], result["digest"], result["promotionTag"]) == (
        NEW,
        digest,
        f"promoted-prod-{NEW}",
    )
    assert result["imageUri"] == stages.dev_uri("lambda", digest)
    assert result["source"] == {"stack": "dev", "account": expected, "region": "us-east-1"}
    assert result["sourceTagged"] is True
    assert f"[dev] assumed {stages.reader_role_arn}" in run.stderr
    # dev is unchanged but for the tag: its records and its functions are its own.
    assert stages.dev.recorded_tag("lambda") == NEW

    web = deploy("promote", "--image", "web", "--from", "dev", "--json")
    assert web.returncode == 0, web.stderr
    web_digest = stages.digest("web", NEW)
    definitions = json.loads((Path(tmp_path) / "imagedefinitions.json").read_text())
    assert definitions == [{"name": "web", "imageUri": stages.dev_uri("web", web_digest)}]
    assert stages.recorded("web") == (NEW, web_digest)

    again = deploy("promote", "--image", "lambda", "--from", "dev", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["noop"] is True
    assert stages.dev_tags("lambda", digest) == sorted([NEW, f"promoted-prod-{NEW}"])


def test_an_older_tag_of_devs_history_is_promoted_and_dry_run_exports_tag_and_digest(
    stages, deploy
):
    digest = stages.digest("lambda", OLD)

    plan = deploy("promote", "--image", "lambda", "--from", "dev", "--tag", OLD, "--dry-run",
                  "--json")  # fmt: skip

    assert plan.returncode == 0, plan.stderr
    document = json.loads(plan.stdout)
    assert (document["tag"], document["digest"]) == (OLD, digest)
    assert [step["action"] for step in document["steps"]] == [
        "tag-source", "put-parameter", "put-digest", "update-code", "update-code",
        "publish-version", "publish-version", "shift-alias", "shift-alias",
    ]  # fmt: skip
    assert any("not what it runs now" in note for note in document["notes"])
    assert stages.recorded("lambda") == ("initial", "initial")  # a dry run writes nothing

    run = deploy("promote", "--image", "lambda", "--from", "dev", "--tag", OLD,
                 "--digest", digest)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert_promoted(stages, OLD, digest)


def test_a_tag_dev_never_released_is_refused_and_nothing_changes(stages, deploy):
    stages.dev.push("lambda", NEWER)  # pushed, but never released in dev
    before = stages.snapshot("lambda")

    run = deploy("promote", "--image", "lambda", "--from", "dev", "--tag", NEWER)

    assert run.returncode == 2, run.stderr
    assert f"tag {NEWER} was never released in dev" in run.stderr
    assert stages.snapshot("lambda") == before


def test_a_tag_whose_last_release_in_dev_failed_is_refused(stages, deploy):
    release_in_dev(stages, "lambda", NEWER)
    dev = stages.dev
    versions = [int(v["Version"]) for v in dev.history("lambda") if v["Value"] == NEWER]
    # What a failed release leaves: its versions in the record, the previous tag back.
    dev.ssm.put_parameter(
        Name="/demo/dev/images/lambda/failed-releases",
        Value=json.dumps({"schema": 1, "failed": [[v, NEWER] for v in versions]}),
        Type="String",
    )
    dev.release_directly("lambda", NEW)
    before = stages.snapshot("lambda")

    run = deploy("promote", "--image", "lambda", "--from", "dev", "--tag", NEWER)

    assert run.returncode == 2, run.stderr
    assert f"tag {NEWER}'s last release in dev failed" in run.stderr
    assert stages.snapshot("lambda") == before


def test_a_digest_other_than_the_approved_one_is_refused(stages, deploy):
    before = stages.snapshot("lambda")
    other = stages.digest("lambda", OLD)

    run = deploy("promote", "--image", "lambda", "--from", "dev", "--digest", other)

    assert run.returncode == 2, run.stderr
    assert f"is {stages.digest('lambda', NEW)}, not --digest {other}" in run.stderr
    assert stages.snapshot("lambda") == before


def test_dev_targets_running_another_digest_than_the_tags_are_refused(stages, deploy):
    dev = stages.dev
    drifted = dev.functions("lambda")[0]
    # dev records NEW, but its alias serves OLD's version again (someone moved it).
    old_version = next(
        v["Version"]
        for v in dev.lambda_.list_versions_by_function(FunctionName=drifted)["Versions"]
        if v.get("Description") == f"tag={OLD}"
    )
    dev.lambda_.update_alias(FunctionName=drifted, Name="live", FunctionVersion=old_version)
    before = stages.snapshot("lambda")

    run = deploy("promote", "--image", "lambda", "--from", "dev")

    assert run.returncode == 2, run.stderr
    assert "the digest behind the tag differs from what dev released" in run.stderr
    assert f"Lambda function {drifted} (alias live) runs {stages.digest('lambda', OLD)}" in (
        run.stderr
    )
    assert stages.snapshot("lambda") == before

    (service,) = dev.images["web"]["ecsServices"]
    dev.set_service_image(service["cluster"], service["service"], "web", dev.uri("web", OLD))
    web = deploy("promote", "--image", "web", "--from", "dev")
    assert web.returncode == 2, web.stderr
    assert (
        f"ECS service {service['cluster']}/{service['service']} (container web) runs "
        f"{stages.digest('web', OLD)}"
    ) in web.stderr
    assert stages.recorded("web") == ("initial", "initial")


def test_a_promoted_stage_releases_nothing_itself_but_its_recorded_digest_again(stages, deploy):
    prod = stages.prod
    for refused in (
        ("release", "--image", "lambda", "--tag", NEW),
        ("rollback", "--image", "lambda"),
        ("exists", "--image", "lambda", "--tag", NEW),
    ):
        run = deploy(*refused)
        assert run.returncode == 2, run.stderr
        assert "is promoted from dev and builds nothing" in run.stderr
        assert "python -m app.deploy promote --image lambda --from dev" in run.stderr
    before = deploy("release", "--image", "lambda", "--recorded", "--json")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout) == {"ok": True, "noop": True, "image": "lambda", "tag": None}

    assert deploy("promote", "--image", "lambda", "--from", "dev").returncode == 0
    digest = stages.digest("lambda", NEW)
    assert lambda_status(deploy) == {"drift": False, "unreadable": False, "running": {NEW}}
    # An infra change (pulumi up) reaches $LATEST only; --recorded publishes and shifts it.
    changed = prod.functions("lambda")[0]
    prod.lambda_.update_function_configuration(FunctionName=changed, MemorySize=1024)
    assert lambda_status(deploy)["drift"] is True

    run = deploy("release", "--image", "lambda", "--recorded", "--json")

    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert (result["tag"], result["digest"], result["sourceTagged"]) == (NEW, digest, False)
    targets = {t["name"]: t for t in result["targets"]}
    assert targets[changed]["action"] == "shifted"
    assert stages.recorded("lambda") == (NEW, digest)
    assert lambda_status(deploy) == {"drift": False, "unreadable": False, "running": {NEW}}
    assert "[dev] assumed" not in run.stderr  # the build stage is not read


def lambda_status(deploy) -> dict[str, object]:
    """``status``'s view of image lambda: drift, unreadable, and the tags its targets run."""
    document = json.loads(deploy("status", "--json").stdout)
    (image,) = [i for i in document["images"] if i["image"] == "lambda"]
    return {
        "drift": image["drift"],
        "unreadable": image["unreadable"],
        "running": {t["runningTag"] for t in image["targets"]},
    }
