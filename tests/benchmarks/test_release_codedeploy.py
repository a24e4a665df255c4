"""The schema-2 benchmark runs end to end, small: both paths really release, and it reports.

No timing is asserted; the script checks after every timed run that the parameter,
every ``$LATEST`` and (schema 2) every alias are on the new tag.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "release_codedeploy.py"


def test_benchmark_releases_both_schemas_and_a_canary_and_prints_the_tables(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    raw = tmp_path / "timings.json"

    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--sizes", "1", "2", "--repetitions", "1",
         "--canary-sizes", "1", "--canary-minute-seconds", "0.1", "--canary-repetitions", "1",
         "--json", str(raw)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    rows = re.findall(
        r"^\| (\d+) \| [\d.]+ \| [\d.]+ \| [\d.]+x \| ([\d.]+) \| (\d+) \| (\d+) \|$",
        result.stdout,
        flags=re.MULTILINE,
    )
    assert [n for n, *_ in rows] == ["1", "2"]
    assert rows[0][1] == "1.00"
    assert re.search(r"^\| 1 \| [\d.]+ \| -?[\d.]+ \| -?[\d.]+% \|$", result.stdout, re.MULTILINE)
    document = json.loads(raw.read_text())
    # Schema 1 makes the requests test_release_vs_cli.py counts (12, and 3 per function
    # more), operation by operation.
    assert {n: r["schema1"] for n, r in document["requests"].items()} == {"1": 12, "2": 15}
    for n, counted in document["operations"].items():
        functions = int(n)
        assert counted["schema1"] == {
            # The manifest, again once the lock is taken (app/deploy/recheck.py), the tag
            # parameter, the lock before its delete.
            "GetParameter": 4,
            "PutParameter": 2,  # the lock's create, the tag
            "DeleteParameter": 1,
            "DescribeRepositories": 1,
            "DescribeImages": 1,
            "GetFunction": 2 * functions,  # the read, and the verification once settled
            "UpdateFunctionCode": functions,
        }
        # Schema 2 adds, per function: the group's active deployments, the alias and the
        # configuration it serves, the publish, the deployment, and the alias's
        # verification. Polling is one BatchGetDeployments per 25 deployments a round;
        # how many rounds depends on time, so only that there is one is asserted.
        polls = counted["schema2"].pop("BatchGetDeployments")
        assert polls >= 1
        assert counted["schema2"] == counted["schema1"] | {
            "ListDeployments": functions,
            "GetAlias": 2 * functions,
            "GetFunctionConfiguration": functions,
            "PublishVersion": functions,
            "CreateDeployment": functions,
        }
        assert document["requests"][n]["schema2"] == sum(counted["schema2"].values()) + polls
    assert len(document["canary"]["1"]) == 1
