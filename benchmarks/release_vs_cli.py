"""Benchmark: the talk's per-function AWS CLI loop against ``python -m app.deploy release``.

Both run as subprocesses against the same local moto server (``ThreadedMotoServer`` on
127.0.0.1, with ``MOTO_LAMBDA_STUB_ECR=false`` so Lambda checks images exist in ECR):

* talk: ``aws lambda update-function-code --function-name F --image-uri U`` for each
  function in turn, then ``aws ssm put-parameter --overwrite`` (AWS CLI v1 from PyPI).
  It neither waits for the updates nor verifies them.
* tool: one ``python -m app.deploy release``, which also reads the manifest, checks
  ECR, records the previous state, waits for every update and verifies every image.

Functions are created before timing. Each repetition releases a fresh tag, so the
tool never takes its no-op path. Prints medians over the repetitions, and the median
and range of each repetition's own talk / tool ratio (the two run back to back).

The server gets the two AWS behaviours moto 5 lacks and the tool relies on (Lambda
``RevisionId`` guards, atomic SSM creates: tests/app/deploy/moto_aws.py), so the
tool's requests are the ones it makes against AWS. The script also prints one round
trip's time (a ``GetParameter``, median of 50) and how many requests each tool release
made, counted at the server: the lock and the revision guards are judged by those.

    .venv/bin/python benchmarks/release_vs_cli.py [--sizes 1 5 20 50] [--repetitions 5]
        [--baseline PATH-TO-ANOTHER-CHECKOUT] [--latency-ms 100]

With ``--baseline`` the release tool of another checkout runs too, alternately with
this one against the same server, and a second table gives the difference in
milliseconds, in round trips and in requests: that is how a change's cost is measured.

With ``--latency-ms D`` each tool release runs twice more with D ms added at the server
to every request, as a network would: once as it is, once with the requests on its
release lock (create, read, delete, and on the SSM lock the manifest's re-read after the
create: app/deploy/recheck.py) answered at once. The difference divided by D counts
the lock's round trips on the release's critical path, the ones nothing else overlaps.
Local round trips are too short for a difference of one to show in wall time; the
latency makes each one visible.

With ``--latency-ms`` it also compares the two lock stores side by side, the same way:
the SSM parameter of manifest schema 2 against the DynamoDB item of schema 4 (issue 24;
its table created in moto as the infra stack creates it). Schema 2 and 4 need CodeDeploy
for a Lambda function, which moto does not run, so that image is run by one ECS service:
the lock's requests are the same whatever the image runs, and the release still reads,
writes and verifies the tag parameter and writes ``imagedefinitions.json``. Their
requests are counted per operation, so the stores' difference is seen exactly too.

The script is one file over the project's ~400-line guide so that it runs as it is,
with its fixtures, its request counter and its tables beside each other.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REPO_ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
#: How the lock parameter's name ends (app/deploy/manifest.py, LOCK_PARAMETER_LEAF). In
#: schema 4 it is also the lock item's key, so the table's requests carry it too.
LOCK_SUFFIX = b"/release-lock"
#: How the manifest parameter's name ends: the SSM lock reads it again after its create.
MANIFEST_SUFFIX = b"/deploy-manifest"
#: The lock stores compared with ``--latency-ms``: the manifest schema that uses each.
STORES = {"ssm": 2, "table": 4}


def manifest_json(tag: str) -> str:
    digest = hashlib.sha256(tag.encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1024,
                "digest": f"sha256:{digest}",
            },
            "layers": [],
        }
    )


def tag_for(n: int, approach: str, repetition: int) -> str:
    """A distinct 7-hex tag per size, approach and repetition."""
    return hashlib.sha1(f"{n}-{approach}-{repetition}".encode()).hexdigest()[:7]  # noqa: S324


class Fixture:
    """One image with ``n`` image functions, as the infra stack would leave it."""

    def __init__(self, session: boto3.Session, role_arn: str, n: int, tags: list[str]) -> None:
        self.n = n
        self.name = f"bench{n}"
        ssm, ecr, lambda_ = session.client("ssm"), session.client("ecr"), session.client("lambda")
        repository = ecr.create_repository(
            repositoryName=self.name, imageTagMutability="IMMUTABLE"
        )["repository"]
        self.repository_url = repository["repositoryUri"]
        for tag in ["initial", *tags]:
            ecr.put_image(repositoryName=self.name, imageManifest=manifest_json(tag), imageTag=tag)
        self.tag_parameter = f"/bench/n{n}/images/{self.name}/tag"
        ssm.put_parameter(Name=self.tag_parameter, Value="initial", Type="String")
        self.functions = [f"{self.name}-fn-{i:02d}" for i in range(n)]
        for function_name in self.functions:
            lambda_.create_function(
                FunctionName=function_name,
                Role=role_arn,
                PackageType="Image",
                Code={"ImageUri": f"{self.repository_url}:initial"},
            )
        self.manifest_parameter = f"/bench/n{n}/deploy-manifest"
        manifest = {
            "schema": 1,
            "project": "bench",
            "stack": f"n{n}",
            "images": {
                self.name: {
                    "repositoryName": self.name,
                    "repositoryUrl": self.repository_url,
                    "tagParameter": self.tag_parameter,
                    "placeholderTag": "initial",
                    "lambdaFunctions": self.functions,
                    "ecsServices": [],
                }
            },
        }
        ssm.put_parameter(Name=self.manifest_parameter, Value=json.dumps(manifest), Type="String")
        self._ssm, self._lambda = ssm, lambda_

    def check(self, tag: str) -> None:
        """Fail loudly unless the parameter and every function are on ``tag``."""
        uri = f"{self.repository_url}:{tag}"
        value = self._ssm.get_parameter(Name=self.tag_parameter)["Parameter"]["Value"]
        wrong = [
            fn
            for fn in self.functions
            if self._lambda.get_function(FunctionName=fn)["Code"]["ImageUri"] != uri
        ]
        if value != tag or wrong:
            raise SystemExit(f"{self.name}: not released to {tag}: parameter {value}, {wrong}")


class StoreFixture:
    """One image run by one ECS service, with a schema-2 (SSM lock) or schema-4 manifest.

    Schema 4 gets the release locks' table as LOCK-SPEC has the infra stack create it:
    partition key ``lockKey`` (S), on demand, encrypted with the AWS managed key.
    """

    def __init__(self, session: boto3.Session, store: str, tags: list[str]) -> None:
        self.store = store
        self.name = f"lock-{store}"
        stack, folder = f"{store}-store", f"/bench/{store}-store/images/{self.name}"
        ssm, ecr, ecs = session.client("ssm"), session.client("ecr"), session.client("ecs")
        repository = ecr.create_repository(
            repositoryName=self.name, imageTagMutability="IMMUTABLE"
        )["repository"]
        self.repository_url = repository["repositoryUri"]
        for tag in ["initial", *tags]:
            ecr.put_image(repositoryName=self.name, imageManifest=manifest_json(tag), imageTag=tag)
        self.tag_parameter = f"{folder}/tag"
        ssm.put_parameter(Name=self.tag_parameter, Value="initial", Type="String")
        cluster = ecs.create_cluster(clusterName=f"bench-{stack}")["cluster"]["clusterName"]
        definition = ecs.register_task_definition(
            family=self.name,
            containerDefinitions=[
                {"name": "web", "image": f"{self.repository_url}:initial", "memory": 128}
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster=cluster, serviceName=self.name, taskDefinition=definition, desiredCount=0
        )
        manifest: dict[str, Any] = {
            "schema": STORES[store],
            "project": "bench",
            "stack": stack,
            "images": {
                self.name: {
                    "repositoryName": self.name,
                    "repositoryUrl": self.repository_url,
                    "tagParameter": self.tag_parameter,
                    "placeholderTag": "initial",
                    "lockParameter": f"{folder}/release-lock",
                    "failedReleasesParameter": f"{folder}/failed-releases",
                    "lambdaFunctions": [],
                    "ecsServices": [{"cluster": cluster, "service": self.name, "container": "web"}],
                }
            },
        }
        if store == "table":
            manifest["lockTable"] = table = f"bench-{stack}-release-locks"
            session.client("dynamodb").create_table(
                TableName=table,
                AttributeDefinitions=[{"AttributeName": "lockKey", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "lockKey", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
                SSESpecification={"Enabled": True, "SSEType": "KMS"},
            )
        self.manifest_parameter = f"/bench/{stack}/deploy-manifest"
        ssm.put_parameter(Name=self.manifest_parameter, Value=json.dumps(manifest), Type="String")
        self._ssm = ssm

    def check(self, tag: str, definitions: Path) -> None:
        """Fail loudly unless the parameter and imagedefinitions.json name ``tag``."""
        value = self._ssm.get_parameter(Name=self.tag_parameter)["Parameter"]["Value"]
        written = json.loads(definitions.read_text())
        if value != tag or written != [{"name": "web", "imageUri": f"{self.repository_url}:{tag}"}]:
            raise SystemExit(f"{self.name}: not released to {tag}: parameter {value}, {written}")


class RequestCounter:
    """Counts every request the moto server answers (wraps its WSGI application).

    ``latency`` seconds are added to each request, as a network between the tool and
    AWS would; with ``lock_free`` the requests on a release lock parameter, and the
    manifest's read that follows an SSM lock's create, are answered without it
    (``--latency-ms``)."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        self.count = 0
        self.operations: Counter[str] = Counter()
        self.latency = 0.0
        self.lock_free = False
        self.created = False
        """An SSM lock's create was seen, and the manifest's re-read not yet."""
        original = DomainDispatcherApplication.__call__
        counter = self

        def counted(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
            counter.count += 1
            # JSON protocols (SSM, ECR, DynamoDB) name the operation in X-Amz-Target.
            target = environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1]
            counter.operations[target or f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"] += 1
            if counter.latency:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length) if length else b""
                environ["wsgi.input"] = io.BytesIO(body)
                if not (counter.lock_free and counter.of_lock(target, body)):
                    time.sleep(counter.latency)
            return original(app, environ, start_response)

        DomainDispatcherApplication.__call__ = counted  # type: ignore[method-assign,assignment]

    def of_lock(self, target: str, body: bytes) -> bool:
        """A request of the lock's: on its parameter or item, or the manifest's re-read."""
        if LOCK_SUFFIX in body:
            self.created = self.created or target == "PutParameter"
            return True
        if self.created and target == "GetParameter" and MANIFEST_SUFFIX in body:
            self.created = False
            return True
        return False


def round_trip_seconds(ssm: Any, name: str, samples: int = 50) -> float:
    """The median time of one small request to the server, from this process."""
    timings = []
    for _ in range(samples):
        start = time.perf_counter()
        ssm.get_parameter(Name=name)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def run(argv: list[str], env: dict[str, str], cwd: Path = REPO_ROOT) -> None:
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr}")


def talk_release(fixture: Fixture, tag: str, env: dict[str, str]) -> float:
    aws = [sys.executable, "-m", "awscli"]
    uri = f"{fixture.repository_url}:{tag}"
    start = time.perf_counter()
    for function_name in fixture.functions:
        run(
            [*aws, "lambda", "update-function-code", "--function-name", function_name,
             "--image-uri", uri],
            env,
        )  # fmt: skip
    run(
        [*aws, "ssm", "put-parameter", "--name", fixture.tag_parameter, "--value", tag,
         "--type", "String", "--overwrite"],
        env,
    )  # fmt: skip
    return time.perf_counter() - start


def tool_release(
    fixture: Fixture | StoreFixture,
    tag: str,
    env: dict[str, str],
    checkout: Path = REPO_ROOT,
    *extra: str,
) -> float:
    """One ``release`` by the tool of ``checkout`` (this repository, or ``--baseline``)."""
    if checkout != REPO_ROOT:
        env = {**env, "PYTHONPATH": str(checkout)}  # its app.deploy, not the installed one
    start = time.perf_counter()
    run(
        [sys.executable, "-m", "app.deploy", "release", "--image", fixture.name, "--tag", tag,
         "--manifest-parameter", fixture.manifest_parameter, "--json", *extra],
        env,
        cwd=checkout,
    )  # fmt: skip
    return time.perf_counter() - start


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 20, 50])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of this repository (e.g. a git worktree of an older commit) "
        "whose release tool is timed alternately with this one, to measure a change",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="also time each tool release with this latency added at the server to every "
        "request, once as is and once with the lock's requests answered at once: the "
        "difference over the latency is the lock's round trips on the critical path",
    )
    return parser.parse_args()


@dataclass
class Measured:
    """What one run measured: per N, each approach's seconds per repetition, and counts."""

    endpoint: str
    round_trip: float
    tools: tuple[str, ...]
    timings: dict[int, dict[str, list[float]]] = field(default_factory=dict)
    requests_per_release: dict[int, int] = field(default_factory=dict)
    baseline_requests: dict[int, int] = field(default_factory=dict)
    stores: dict[str, list[float]] = field(default_factory=dict)
    """Per lock store and latency kind (``ssm-latency``, ``table-lock-free``...): seconds."""
    store_operations: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per lock store: the requests of one release, per operation."""


def client_env(endpoint: str) -> dict[str, str]:
    """The CLIs' environment: this one's without AWS or pipeline settings, plus moto's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "DEPLOY_", "CODEBUILD_"))
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint,
    )
    return env


def measure(args: argparse.Namespace, requests: RequestCounter, endpoint: str) -> Measured:
    """Set up a fixture per N, then time every approach in turn, repetition by repetition."""
    env = client_env(endpoint)
    session = boto3.Session(region_name=REGION)
    iam = session.client("iam", endpoint_url=endpoint)
    role_arn = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    os.environ["AWS_ENDPOINT_URL"] = endpoint

    reps = range(args.repetitions)
    fixtures = {}
    tools = ("tool", "baseline") if args.baseline else ("tool",)
    delayed = (
        tuple(f"{t}-{kind}" for t in tools for kind in ("latency", "lock-free"))
        if args.latency_ms
        else ()
    )
    approaches = ("talk", *tools, *delayed)
    for n in sorted({1, *args.sizes}):
        tags = [tag_for(n, a, r) for a in approaches for r in [-1, *reps]]
        started = time.perf_counter()
        fixtures[n] = Fixture(session, role_arn, n, tags)
        print(f"setup N={n}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
        # Warm-up (untimed): first requests per service initialise moto's backends.
        talk_release(fixtures[n], tag_for(n, "talk", -1), env)
        tool_release(fixtures[n], tag_for(n, "tool", -1), env)
        if args.baseline:
            tool_release(fixtures[n], tag_for(n, "baseline", -1), env, args.baseline)

    measured = Measured(
        endpoint,
        round_trip_seconds(
            session.client("ssm", endpoint_url=endpoint), fixtures[min(fixtures)].tag_parameter
        ),
        tools,
    )
    for n in args.sizes:
        timings = measured.timings[n] = {approach: [] for approach in approaches}
        for r in reps:
            # Alternate the two, so drift in the machine's load hits both alike.
            talk_tag, tool_tag = tag_for(n, "talk", r), tag_for(n, "tool", r)
            timings["talk"].append(talk_release(fixtures[n], talk_tag, env))
            fixtures[n].check(talk_tag)
            before = requests.count
            timings["tool"].append(tool_release(fixtures[n], tool_tag, env))
            measured.requests_per_release[n] = requests.count - before
            fixtures[n].check(tool_tag)
            if args.baseline:
                baseline_tag = tag_for(n, "baseline", r)
                before = requests.count
                timings["baseline"].append(
                    tool_release(fixtures[n], baseline_tag, env, args.baseline)
                )
                measured.baseline_requests[n] = requests.count - before
                fixtures[n].check(baseline_tag)
            for who in delayed:
                delayed_tag = tag_for(n, who, r)
                requests.latency = args.latency_ms / 1000
                requests.lock_free = who.endswith("lock-free")
                try:
                    checkout = args.baseline if who.startswith("baseline") else REPO_ROOT
                    timings[who].append(tool_release(fixtures[n], delayed_tag, env, checkout))
                finally:
                    requests.latency, requests.lock_free = 0.0, False
                fixtures[n].check(delayed_tag)
        print(f"N={n}: talk {timings['talk']}, tool {timings['tool']}", file=sys.stderr)
    if args.latency_ms:
        measure_stores(args, requests, session, env, measured)
    return measured


def measure_stores(
    args: argparse.Namespace,
    requests: RequestCounter,
    session: boto3.Session,
    env: dict[str, str],
    measured: Measured,
) -> None:
    """The two lock stores side by side: each repetition releases with each store twice,
    with the latency and with the lock's requests answered at once, in turn."""
    kinds = [f"{store}-{kind}" for store in STORES for kind in ("latency", "lock-free")]
    reps = [-1, *range(args.repetitions)]
    fixtures = {
        store: StoreFixture(
            session, store, [tag_for(0, k, r) for k in kinds if k.startswith(store) for r in reps]
        )
        for store in STORES
    }
    measured.stores = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as scratch:
        definitions = Path(scratch) / "imagedefinitions.json"
        extra = ("--imagedefinitions", str(definitions))
        for r in reps:  # -1: a warm-up, untimed
            for kind in kinds:
                store, tag = kind.split("-", 1)[0], tag_for(0, kind, r)
                before = Counter(requests.operations)
                requests.latency = args.latency_ms / 1000
                requests.lock_free = kind.endswith("lock-free")
                try:
                    seconds = tool_release(fixtures[store], tag, env, REPO_ROOT, *extra)
                finally:
                    requests.latency, requests.lock_free = 0.0, False
                measured.store_operations[store] = dict(requests.operations - before)
                fixtures[store].check(tag, definitions)
                if r >= 0:
                    measured.stores[kind].append(seconds)


def report(args: argparse.Namespace, m: Measured) -> None:
    """The tables: talk against tool, the baseline if given, the lock's round trips."""
    timings = m.timings
    tool_at_1 = statistics.median(timings[1]["tool"]) if 1 in timings else None
    print(f"\nmedians of {args.repetitions} repetitions, seconds (moto server at {m.endpoint})")
    print(f"one round trip (GetParameter, median of 50): {m.round_trip * 1000:.1f} ms")
    print(
        "requests per tool release: "
        + ", ".join(f"N={n}: {count}" for n, count in m.requests_per_release.items())
        + "\n"
    )
    print(
        "| N | talk (aws cli loop) | tool (app.deploy release) | talk / tool "
        "| paired talk / tool, median (min to max) | tool(N) / tool(1) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        talk = statistics.median(timings[n]["talk"])
        tool = statistics.median(timings[n]["tool"])
        # Each repetition runs the two back to back, so its own ratio shares the
        # machine's load of that moment; the spread shows how noisy the machine was.
        paired = [a / b for a, b in zip(timings[n]["talk"], timings[n]["tool"], strict=True)]
        spread = f"{statistics.median(paired):.1f}x ({min(paired):.1f} to {max(paired):.1f})"
        growth = f"{tool / tool_at_1:.2f}" if tool_at_1 else "n/a"
        print(f"| {n} | {talk:.2f} | {tool:.2f} | {talk / tool:.1f}x | {spread} | {growth} |")
    if args.baseline:
        report_baseline(args, m)
    if args.latency_ms:
        report_lock(args, m)
        report_stores(args, m)


def report_baseline(args: argparse.Namespace, m: Measured) -> None:
    print(f"\nthis tool against the baseline's ({args.baseline}), run alternately:\n")
    print(
        "| N | baseline tool | tool | tool - baseline | in round trips "
        "| requests: baseline | requests: tool |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        base = statistics.median(m.timings[n]["baseline"])
        tool = statistics.median(m.timings[n]["tool"])
        print(
            f"| {n} | {base:.3f} | {tool:.3f} | {(tool - base) * 1000:+.0f} ms "
            f"| {(tool - base) / m.round_trip:+.1f} | {m.baseline_requests[n]} "
            f"| {m.requests_per_release[n]} |"
        )


def report_lock(args: argparse.Namespace, m: Measured) -> None:
    print(
        f"\nthe lock's round trips on the critical path, with {args.latency_ms:g} ms "
        "added at the server to every request: (release - the same release with the "
        "lock's requests answered at once) / latency, per pair, median (min to max):\n"
    )
    print("| N | " + " | ".join(m.tools) + " |")
    print("|---:|" + "---:|" * len(m.tools))
    for n in args.sizes:
        cells = []
        for who in m.tools:
            lock_free, latency = m.timings[n][f"{who}-lock-free"], m.timings[n][f"{who}-latency"]
            pairs = zip(lock_free, latency, strict=True)
            steps = [(slow - fast) * 1000 / args.latency_ms for fast, slow in pairs]
            cells.append(f"{statistics.median(steps):.2f} ({min(steps):.2f} to {max(steps):.2f})")
        print(f"| {n} | " + " | ".join(cells) + " |")


def report_stores(args: argparse.Namespace, m: Measured) -> None:
    print(
        f"\nthe lock stores side by side, {args.latency_ms:g} ms added to every request (an "
        "image run by one ECS service): the lock's round trips on the critical path, per "
        "pair, median (min to max), and one release's requests:\n"
    )
    print("| lock | manifest | lock round trips on the critical path | requests per release |")
    print("|---|---:|---:|---:|")
    for store, schema in STORES.items():
        pairs = zip(m.stores[f"{store}-lock-free"], m.stores[f"{store}-latency"], strict=True)
        steps = [(slow - fast) * 1000 / args.latency_ms for fast, slow in pairs]
        label = "SSM parameter" if store == "ssm" else "DynamoDB item"
        print(
            f"| {label} | schema {schema} | {statistics.median(steps):.2f} "
            f"({min(steps):.2f} to {max(steps):.2f}) | {sum(m.store_operations[store].values())} |"
        )
    for store, operations in m.store_operations.items():
        listed = ", ".join(f"{name} {count}" for name, count in sorted(operations.items()))
        print(f"\n{store}: {listed}")


def main() -> int:
    args = parse_args()
    # Both the moto server (this process) and the clients read these.
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION=REGION,
        MOTO_LAMBDA_STUB_ECR="false",
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    sys.path.insert(0, str(REPO_ROOT))
    from tests.app.deploy.moto_aws import install

    install()
    requests = RequestCounter()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        measured = measure(args, requests, f"http://{host}:{port}")
    finally:
        server.stop()
    report(args, measured)
    if args.json:
        timings: dict[str, Any] = {str(n): t for n, t in measured.timings.items()}
        if measured.stores:
            timings["lockStores"] = measured.stores
        args.json.write_text(json.dumps(timings, indent=2))
        args.json.with_suffix(".requests.json").write_text(
            json.dumps(
                {
                    "roundTripSeconds": measured.round_trip,
                    "requestsPerRelease": measured.requests_per_release,
                    "baselineRequestsPerRelease": measured.baseline_requests,
                    "lockStoreOperations": measured.store_operations,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
