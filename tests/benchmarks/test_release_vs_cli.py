"""The benchmark script runs end to end: both approaches really release, and it reports.

No timing is asserted (the machines are shared and noisy); the script itself checks,
after every timed run, that the parameter and every function are on the new tag.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "release_vs_cli.py"


def test_benchmark_releases_with_both_approaches_and_prints_the_table(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    raw = tmp_path / "timings.json"

    result = subprocess.run(
        [
            *(sys.executable, str(SCRIPT), "--sizes", "1", "2", "--repetitions", "1"),
            *("--json", raw, "--latency-ms", "20"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    rows = re.findall(r"^\| (\d+) \| [\d.]+ \| [\d.]+ \| [\d.]+x \| [\d.]+x \(.*\) \| ([\d.]+) \|$",
                      result.stdout, flags=re.MULTILINE)  # fmt: skip
    assert [n for n, _ in rows] == ["1", "2"]
    assert rows[0][1] == "1.00"
    timings = json.loads(raw.read_text())
    both = ["talk", "tool", "tool-latency", "tool-lock-free"]
    stores = timings.pop("lockStores")
    assert {n: sorted(t) for n, t in timings.items()} == {"1": both, "2": both}
    kinds = ["ssm-latency", "ssm-lock-free", "table-latency", "table-lock-free"]
    assert {kind: len(seconds) for kind, seconds in sorted(stores.items())} == dict.fromkeys(
        kinds, 1
    )
    # The lock's round trips on the critical path: one row per size (the figure itself
    # is a measurement, not asserted).
    lock_rows = re.findall(r"^\| (\d) \| -?[\d.]+ \(-?[\d.]+ to -?[\d.]+\) \|$", result.stdout,
                           flags=re.MULTILINE)  # fmt: skip
    assert lock_rows == ["1", "2"]
    # Requests per release, counted at the server. One function: the manifest, the lock
    # (create, then the manifest again to see it is the one planned with; at the end, read
    # the lock and delete it if it still holds this release's token),
    # ECR's repository URI and the tag, the tag parameter, the function's read, the
    # parameter write, the update and its verification. Each further function adds its
    # read, update and verification.
    counted = json.loads(raw.with_suffix(".requests.json").read_text())
    assert counted["requestsPerRelease"] == {"1": 12, "2": 15}
    # The two lock stores (issue 24), one row each, and one release's requests per
    # operation: both read the manifest and the tag parameter, ask ECR for the repository
    # and the tag, and write the tag. The SSM lock adds its create, the manifest's re-read
    # after it (app.deploy.recheck), and at the end the read that compares the token and
    # the delete; the table's adds its conditional put,
    # the upgrade guard's read of the SSM lock beside it, and one conditional delete.
    store_rows = re.findall(r"^\| (SSM parameter|DynamoDB item) \| schema (\d) \| -?[\d.]+ "
                            r"\(-?[\d.]+ to -?[\d.]+\) \| (\d+) \|$", result.stdout,
                            flags=re.MULTILINE)  # fmt: skip
    assert store_rows == [("SSM parameter", "2", "9"), ("DynamoDB item", "4", "8")]
    common = {"GetParameter": 3, "DescribeRepositories": 1, "DescribeImages": 1}
    assert counted["lockStoreOperations"] == {
        "ssm": common | {"GetParameter": 4, "PutParameter": 2, "DeleteParameter": 1},
        "table": common | {"PutParameter": 1, "PutItem": 1, "DeleteItem": 1},
    }
    assert counted["roundTripSeconds"] > 0
    assert re.search(r"^one round trip \(GetParameter, median of 50\): [\d.]+ ms$", result.stdout,
                     flags=re.MULTILINE)  # fmt: skip
