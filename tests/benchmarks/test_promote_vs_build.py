"""The promotion benchmark runs end to end, small: both ways really release, and it reports.

No timing is asserted. The script fails unless, after every repetition, the stage that
builds runs the commit's tag and the promoted stage runs dev's digest; here the
requests each way makes are checked operation by operation.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "promote_vs_build.py"


def test_benchmark_builds_and_promotes_and_counts_each_ways_requests(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    raw = tmp_path / "numbers.json"

    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--sizes", "1", "2", "--repetitions", "1",
         "--json", str(raw)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    rows = re.findall(
        r"^\| (\d+) \| [\d.]+ \| [\d.]+ \| [\d.]+x \| [\d.]+x \([\d.]+ to [\d.]+\) "
        r"\| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$",
        result.stdout,
        flags=re.MULTILINE,
    )
    assert [n for n, *_ in rows] == ["1", "2"]
    assert "| AssumeRole | 0 | 1 | +1 |" in result.stdout
    document = json.loads(raw.read_text())
    for n, row in document.items():
        functions = int(n)
        counts = row["requests"]
        assert counts["exists"] == {
            "GetParameter": 1,
            "DescribeRepositories": 1,
            "DescribeImages": 1,
        }
        # Warm: the base layers are there; the app layer and the config are uploaded, one
        # part each, then the manifest.
        assert counts["push"] == {
            "BatchCheckLayerAvailability": 1,
            "InitiateLayerUpload": 2,
            "UploadLayerPart": 2,
            "CompleteLayerUpload": 2,
            "PutImage": 1,
        }
        assert 0 < row["uploaded"] < 64_000  # the app's four files and a config, gzipped
        release, promote = dict(counts["release"]), dict(counts["promote"])
        assert release.pop("BatchGetDeployments") >= 1  # polls: how many depends on time
        assert promote.pop("BatchGetDeployments") >= 1
        # A promotion is the same release, plus: the reader role; dev's manifest, tag
        # history and failed record; the tag's digest, its presence and the promotion tag
        # (read, then put); dev's repository's own URI; what dev's aliases serve; the
        # digest parameter. It does not ask whether the tag is in prod's repository.
        extra = {
            "AssumeRole": 1,
            "GetParameter": 3,
            "GetParameterHistory": 1,
            "DescribeImages": 2,
            "DescribeRepositories": 1,
            "GetFunction": functions,
            "BatchGetImage": 1,
            "PutImage": 1,
            "PutParameter": 1,
        }
        expected = {op: release.get(op, 0) + extra.get(op, 0) for op in release.keys() | extra}
        assert promote == expected
        assert rows[0][0] == "1"
        build_total = sum(sum(counts[s].values()) for s in ("exists", "push", "release"))
        (row_line,) = [r for r in rows if r[0] == n]
        assert int(row_line[1]) == build_total
        assert int(row_line[2]) == sum(counts["promote"].values())
