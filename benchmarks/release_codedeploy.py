"""Benchmark: a schema-2 release (versions, alias, CodeDeploy) against the schema-1 release.

Both are one ``python -m app.deploy release`` subprocess against the same local moto
server (``ThreadedMotoServer`` on 127.0.0.1), in one run:

* schema 1: today's path, ``UpdateFunctionCode`` on every function's ``$LATEST``,
  waited for and verified;
* schema 2: the same update, then ``PublishVersion`` and one CodeDeploy deployment per
  function with ``CodeDeployDefault.LambdaAllAtOnce``, watched until it ends, and each
  alias verified by version number.

moto keeps a CodeDeploy deployment in ``Created`` forever, so the CodeDeploy double of
the tests (tests/app/deploy/codedeploy_double.py) answers the deployment calls at a
proxy in front of moto and moves the aliases, as in the end-to-end tests; it also
counts the tool's requests. The server gets the AWS behaviours moto lacks that the tool
relies on (tests/app/deploy/moto_aws.py).

Then, with ``CodeDeployDefault.LambdaCanary10Percent5Minutes`` and a "minute" of
``--canary-minute-seconds``, it measures the tool's own time beyond the canary's wait
(5 "minutes"): start-up, reads, update, publish, the deployment's start, and the time
between CodeDeploy finishing and the tool noticing (its poll interval).

    .venv/bin/python benchmarks/release_codedeploy.py [--sizes 1 20 50] [--repetitions 3]
        [--canary-sizes 1 20] [--canary-minute-seconds 6] [--canary-repetitions 2]
        [--baseline PATH-TO-ANOTHER-CHECKOUT]

With ``--baseline`` the release tool of another checkout releases too, right after this
one at each repetition and on the same stacks, and a table compares the two.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REPO_ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
CANARY_MINUTES = 5


def tag_for(*parts: object) -> str:
    import hashlib

    return hashlib.sha1("-".join(map(str, parts)).encode()).hexdigest()[:7]  # noqa: S324


# Lambda's REST operations the tool calls (Lambda API reference, each operation's URI).
_LAMBDA_OPERATIONS = (
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+$"), "GetFunction"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/configuration$"), "GetFunctionConfiguration"),
    ("PUT", re.compile(r"^/2015-03-31/functions/[^/]+/code$"), "UpdateFunctionCode"),
    ("POST", re.compile(r"^/2015-03-31/functions/[^/]+/versions$"), "PublishVersion"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/aliases/[^/]+$"), "GetAlias"),
)


def operation_of(method: str, path: str, headers: dict[str, str]) -> str:
    """The AWS operation of a request: ``X-Amz-Target``'s, or Lambda's from its URI."""
    target = headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    for verb, pattern, operation in _LAMBDA_OPERATIONS:
        if method == verb and pattern.match(path):
            return operation
    return f"{method} {path}"


class Counting:
    """Wraps the double as the proxy's intercept, counting every request the tool makes.

    ``operations`` counts them per AWS operation, so a test can say exactly which
    requests a release makes, apart from how often it polls (that depends on time).
    """

    def __init__(self, double: Any) -> None:
        self.double = double
        self.count = 0
        self.operations: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        with self._lock:
            self.count += 1
            self.operations[operation_of(method, path, headers)] += 1
        return self.double(method, path, headers, body)


def release(stack: Any, tag: str, env: dict[str, str], checkout: Path = REPO_ROOT) -> float:
    """One ``release`` by the tool of ``checkout`` (this repository, or ``--baseline``)."""
    if checkout != REPO_ROOT:
        env = {**env, "PYTHONPATH": str(checkout)}  # its app.deploy, not the installed one
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "app.deploy", "release", "--image", "lambda", "--tag", tag,
         "--manifest-parameter", stack.manifest_parameter, "--json"],
        env=env, cwd=checkout, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"release of {tag} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def check(stack: Any, tag: str, *, aliases: bool) -> None:
    """Fail loudly unless the parameter, every $LATEST and (schema 2) every alias are on tag."""
    wrong = [fn for fn, uri in stack.function_images("lambda").items() if not uri.endswith(tag)]
    if aliases:
        # Through version numbers: moto reports a version's image as $LATEST's.
        wrong += [fn for fn, served in stack.serving("lambda").items() if served != tag]
    if stack.recorded_tag("lambda") != tag or wrong:
        raise SystemExit(f"{stack.project}: not released to {tag}: {wrong}")


def main() -> int:
    """Set up the server, the CodeDeploy double and a stack per size, then time releases.

    Longer than the project's ~60-line guide for a function: the fixtures it builds (the
    proxy, the double, the stacks) are used by every timing loop below, and a benchmark
    reads best as one sequence from set-up to tables.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 20, 50])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--canary-sizes", type=int, nargs="*", default=[1, 20])
    parser.add_argument("--canary-minute-seconds", type=float, default=6.0)
    parser.add_argument("--canary-repetitions", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout whose release tool runs too, alternately with this one",
    )
    args = parser.parse_args()

    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION=REGION,
        MOTO_LAMBDA_STUB_ECR="false",
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sys.path.insert(0, str(REPO_ROOT))
    from tests.app.deploy.codedeploy_double import CodeDeployDouble
    from tests.app.deploy.fakes import ALL_AT_ONCE, CANARY, FakeStack
    from tests.app.deploy.faultproxy import FaultProxy
    from tests.app.deploy.moto_aws import install

    install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    double = CodeDeployDouble(endpoint, seconds_per_minute=args.canary_minute_seconds)
    counting = Counting(double)
    proxy = FaultProxy(endpoint).start()
    proxy.intercept = counting
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DEPLOY_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=proxy.url,
    )

    def stack_of(n: int, schema: int, config: str, tags: list[str]) -> Any:
        started = time.perf_counter()
        stack = FakeStack(
            boto3.Session(region_name=REGION), project=f"b{n}s{schema}", stack=config[-8:].lower()
        )
        stack.add_image("lambda", functions=n, traffic=schema == 2, deployment_config=config)
        for tag in tags:
            stack.push("lambda", tag)
        print(f"setup N={n} schema {schema}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
        return stack

    timings: dict[int, dict[str, list[float]]] = {}
    requests: dict[int, dict[str, int]] = {}
    operations: dict[int, dict[str, dict[str, int]]] = {}
    baseline: dict[int, dict[str, list[float]]] = {}
    for n in args.sizes:
        tags = {s: [tag_for(n, s, r) for r in range(args.repetitions)] for s in (1, 2)}
        base_tags = {s: [tag_for(n, s, "base", r) for r in range(args.repetitions)] for s in (1, 2)}
        pushed = {s: tags[s] + (base_tags[s] if args.baseline else []) for s in (1, 2)}
        stacks = {s: stack_of(n, s, ALL_AT_ONCE, pushed[s]) for s in (1, 2)}
        timings[n] = {"schema1": [], "schema2": []}
        baseline[n] = {"schema1": [], "schema2": []}
        requests[n] = {}
        operations[n] = {}
        for r in range(args.repetitions):
            for schema in (1, 2):  # back to back, so both share the machine's load
                before, by_operation = counting.count, Counter(counting.operations)
                timings[n][f"schema{schema}"].append(release(stacks[schema], tags[schema][r], env))
                requests[n][f"schema{schema}"] = counting.count - before
                operations[n][f"schema{schema}"] = dict(counting.operations - by_operation)
                check(stacks[schema], tags[schema][r], aliases=schema == 2)
                if args.baseline:  # right after, so both tools share the machine's load
                    tag = base_tags[schema][r]
                    seconds = release(stacks[schema], tag, env, args.baseline)
                    baseline[n][f"schema{schema}"].append(seconds)
                    check(stacks[schema], tag, aliases=schema == 2)

    canary: dict[int, list[float]] = {}
    for n in args.canary_sizes:
        canary_tags = [tag_for(n, "canary", r) for r in range(args.canary_repetitions)]
        stack = stack_of(n, 2, CANARY, canary_tags)
        canary[n] = []
        for tag in canary_tags:
            canary[n].append(release(stack, tag, env))
            check(stack, tag, aliases=True)
    proxy.stop()
    double.close()
    server.stop()

    print_tables(args, timings, requests, baseline, canary)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "timings": timings,
                    "baseline": baseline,
                    "requests": requests,
                    "operations": operations,
                    "canary": canary,
                },
                indent=2,
            )
        )
    return 0


def print_tables(
    args: argparse.Namespace,
    timings: dict[int, dict[str, list[float]]],
    requests: dict[int, dict[str, int]],
    baseline: dict[int, dict[str, list[float]]],
    canary: dict[int, list[float]],
) -> None:
    """Schema 2 against schema 1, the baseline if given, and the canary's overhead."""
    from tests.app.deploy.fakes import CANARY  # on sys.path once main() has run

    median = statistics.median
    print("\n## schema 2 (publish + CodeDeploy AllAtOnce) against schema 1 ($LATEST only)\n")
    print(
        f"medians of {args.repetitions} repetitions, seconds; requests: one release, "
        "counted at the proxy\n"
    )
    print(
        "| N | schema 1 | schema 2 | schema 2 / schema 1 | schema 2 (N) / schema 2 (1) "
        "| requests: schema 1 | requests: schema 2 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    base = median(timings[args.sizes[0]]["schema2"])
    for n in args.sizes:
        one, two = median(timings[n]["schema1"]), median(timings[n]["schema2"])
        print(
            f"| {n} | {one:.2f} | {two:.2f} | {two / one:.2f}x | {two / base:.2f} "
            f"| {requests[n]['schema1']} | {requests[n]['schema2']} |"
        )
    if args.baseline:
        print_baseline(args.baseline, args.sizes, timings, baseline)
    if canary:
        wait = CANARY_MINUTES * args.canary_minute_seconds
        print(f"\n## canary ({CANARY}, a minute of {args.canary_minute_seconds:g} s: "
              f"the canary waits {wait:g} s)\n")  # fmt: skip
        print("| N | release | beyond the canary's wait | overhead |")
        print("|---:|---:|---:|---:|")
        for n, values in canary.items():
            total = median(values)
            print(f"| {n} | {total:.2f} | {total - wait:.2f} | {(total - wait) / wait:.1%} |")


def print_baseline(
    checkout: Path,
    sizes: list[int],
    timings: dict[int, dict[str, list[float]]],
    baseline: dict[int, dict[str, list[float]]],
) -> None:
    """This tool against the baseline's, run alternately: medians and paired ratios."""
    median = statistics.median
    print(f"\n## this tool against the baseline's ({checkout}), run alternately\n")
    print(
        "| N | schema | baseline | tool | tool / baseline | paired, median (min to max) "
        "| schema 2 / schema 1: baseline | tool |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        for schema in ("schema1", "schema2"):
            base, tool = baseline[n][schema], timings[n][schema]
            paired = [t / b for t, b in zip(tool, base, strict=True)]
            ratios = ""
            if schema == "schema2":
                ratios = (
                    f"{median(base) / median(baseline[n]['schema1']):.2f}x "
                    f"| {median(tool) / median(timings[n]['schema1']):.2f}x"
                )
            else:
                ratios = "| "
            print(
                f"| {n} | {schema[-1]} | {median(base):.2f} | {median(tool):.2f} "
                f"| {median(tool) / median(base):.2f}x | {median(paired):.2f}x "
                f"({min(paired):.2f} to {max(paired):.2f}) | {ratios} |"
            )


if __name__ == "__main__":
    raise SystemExit(main())
