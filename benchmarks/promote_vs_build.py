"""Benchmark: promoting dev's digest into prod, against prod building and pushing its own.

One moto server on 127.0.0.1, two accounts (the tests' two-stage layout,
tests/app/deploy/promotion_fakes.py): dev, the build stage, has released a tag; prod
then gets that commit one of two ways, each ending with every function's ``live``
alias on the new image (``CodeDeployDefault.LambdaAllAtOnce``, the CodeDeploy double of
the tests at a proxy that counts every request):

* **build per stage** (what app/buildspec.yml does in every stage today): ``python -m
  app.deploy exists`` (not there), then *build and push*, then ``python -m app.deploy
  release``. There is no Docker daemon here, so the build is NOT modelled at all (a
  real one takes minutes: these ratios understate what a promotion saves), and the
  push is modelled as what a push sends ECR, through its layer-upload API:
  ``BatchCheckLayerAvailability`` of every blob, then for each blob not there
  ``InitiateLayerUpload``, ``UploadLayerPart`` per part (of ECR's ``partSize``) and
  ``CompleteLayerUpload``, then ``PutImage`` of the manifest. The blobs: the app's
  layer (``COPY buildinfo.py untrusted.py jobs.py api.py``, a gzipped tar of those files
  from this repository, with the commit's tag in it as a new commit changes code), the
  image config, and the base image's layers. "Warm" (the default, every commit): the
  base layers are already in prod's repository, as after any earlier push of the
  pinned base, so only the app layer and the config are uploaded. ``--cold-base-mb``
  adds a push of base layers of those sizes (after a base image bump); they are
  random bytes of the sizes given: ASSUMED sizes, not measured ones.
* **promote**: one ``python -m app.deploy promote`` (reader role, dev's records, the
  digest, the promotion tag, then the same release, by digest).

    .venv/bin/python benchmarks/promote_vs_build.py [--sizes 1 10] [--repetitions 5]
        [--cold-base-mb 50 10 2] [--json PATH]

Each repetition runs both, back to back; the tables give medians, the ratio of
medians, and the median and range of each repetition's own ratio.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
from moto.server import ThreadedMotoServer

REPO_ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
APP_FILES = ("buildinfo.py", "untrusted.py", "jobs.py", "api.py")  # app/lambda/Dockerfile
LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def tag_for(*parts: object) -> str:
    return hashlib.sha1("-".join(map(str, parts)).encode()).hexdigest()[:7]  # noqa: S324


def app_layer(tag: str) -> bytes:
    """The gzipped tar ``COPY`` makes of the app's files, each commit's a little different."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in APP_FILES:
            data = (REPO_ROOT / "app" / "lambda" / name).read_bytes()
            if name == "buildinfo.py":
                data += f"\n# commit {tag}\n".encode()
            info = tarfile.TarInfo(f"var/task/{name}")
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def image_config(tag: str, layers: list[bytes]) -> bytes:
    """An image config as ``docker build`` writes it: environment, command, layer diff ids."""
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {
                "Env": [f"IMAGE_TAG={tag}", "LAMBDA_TASK_ROOT=/var/task"],
                "Cmd": ["jobs.handler"],
                "WorkingDir": "/var/task",
            },
            # Docker's diff ids are the uncompressed layers' digests; the model's size is
            # what matters here, so the blobs' own digests stand in for them.
            "rootfs": {"type": "layers", "diff_ids": [digest(b) for b in layers]},
            "history": [{"created_by": f"COPY {' '.join(APP_FILES)} /var/task/"}],
        }
    ).encode()


def digest(blob: bytes) -> str:
    return f"sha256:{hashlib.sha256(blob).hexdigest()}"


def push(ecr: Any, repository: str, tag: str, base: list[bytes]) -> int:
    """Push an image through ECR's layer-upload API; returns the bytes uploaded."""
    layers = [*base, app_layer(tag)]
    config = image_config(tag, layers)
    blobs = {digest(b): b for b in (*layers, config)}
    found = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=list(blobs))
    there = {layer["layerDigest"] for layer in found["layers"]}
    uploaded = 0
    for name, blob in blobs.items():
        if name in there:
            continue
        upload = ecr.initiate_layer_upload(repositoryName=repository)
        size = int(upload["partSize"])
        for first in range(0, len(blob), size):
            part = blob[first : first + size]
            ecr.upload_layer_part(
                repositoryName=repository,
                uploadId=upload["uploadId"],
                partFirstByte=first,
                partLastByte=first + len(part) - 1,
                layerPartBlob=part,
            )
        ecr.complete_layer_upload(
            repositoryName=repository, uploadId=upload["uploadId"], layerDigests=[name]
        )
        uploaded += len(blob)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(config),
            "digest": digest(config),
        },
        "layers": [{"mediaType": LAYER, "size": len(b), "digest": digest(b)} for b in layers],
    }
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)
    return uploaded


def tool(env: dict[str, str], *args: str, expect: int = 0) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "app.deploy", *args], env=env, cwd=REPO_ROOT,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != expect:
        raise SystemExit(f"{args} exited {result.returncode}:\n{result.stderr}")
    return time.perf_counter() - start


class Bench:
    """The moto server, the counting proxy and the CLI's environment, shared by every run."""

    def __init__(self, endpoint: str, proxy_url: str, counting: Any) -> None:
        self.counting = counting
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DEPLOY_"))}
        self.env.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fake credentials
            AWS_REGION=REGION,
            AWS_ENDPOINT_URL=proxy_url,
        )
        self.ecr = boto3.Session(region_name=REGION).client("ecr", endpoint_url=proxy_url)
        self.rng = random.Random(22)  # noqa: S311 - layer contents, not secrets

    def counted(self, work: Any) -> tuple[float, dict[str, int]]:
        """Seconds ``work`` took (it returns them) and the requests it made, per operation."""
        before = Counter(self.counting.operations)
        seconds = work()
        return seconds, dict(self.counting.operations - before)

    def build_per_stage(
        self, manifest: str, repository: str, tag: str, base: list[bytes]
    ) -> tuple[float, dict[str, dict[str, int]], int]:
        """exists (not there), the modelled push, release: seconds, requests, bytes pushed."""
        uploaded = [0]

        def pushed() -> float:
            start = time.perf_counter()
            uploaded[0] = push(self.ecr, repository, tag, base)
            return time.perf_counter() - start

        common = ("--image", "lambda", "--tag", tag, "--manifest-parameter", manifest)
        steps = {
            "exists": lambda: tool(self.env, "exists", *common, expect=1),
            "push": pushed,
            "release": lambda: tool(self.env, "release", *common),
        }
        total, counts = 0.0, {}
        for step, work in steps.items():
            seconds, counts[step] = self.counted(work)
            total += seconds
        return total, counts, uploaded[0]

    def promote(self, manifest: str) -> tuple[float, dict[str, int]]:
        return self.counted(
            lambda: tool(self.env, "promote", "--image", "lambda", "--from", "dev",
                         "--manifest-parameter", manifest)
        )  # fmt: skip

    def size(self, n: int, args: argparse.Namespace) -> dict[str, Any]:
        """Both ways, ``args.repetitions`` times, for N functions."""
        from tests.app.deploy.fakes import ALL_AT_ONCE, FakeStack
        from tests.app.deploy.promotion_fakes import make_stages, release_in_dev

        session = boto3.Session(region_name=REGION)
        options = {"functions": n, "traffic": True, "deployment_config": ALL_AT_ONCE}
        stages = make_stages(
            session, cross_account=True, images={"lambda": options}, project=f"p{n}"
        )
        built = FakeStack(session, project=f"b{n}", stack="prod")  # prod as it is today
        built.add_image("lambda", **options)
        repository = built.images["lambda"]["repositoryName"]
        # The pinned base, pushed once before (warm): only its presence matters.
        base = [self.rng.randbytes(4096) for _ in range(3)]
        push(self.ecr, repository, tag_for(n, "base"), base)
        row: dict[str, Any] = {"build": [], "promote": [], "requests": {}, "uploaded": 0}
        for r in range(args.repetitions):
            tag = tag_for(n, r)
            release_in_dev(stages, "lambda", tag)  # dev released it: not timed
            cold = [self.rng.randbytes(int(mb * 1_000_000)) for mb in args.cold_base_mb]
            seconds, counts, row["uploaded"] = self.build_per_stage(
                built.manifest_parameter, repository, tag, base + cold
            )
            row["build"].append(seconds)
            seconds, counts["promote"] = self.promote(stages.prod.manifest_parameter)
            row["promote"].append(seconds)
            row["requests"] = counts
            check(built, stages, tag)
        return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10], help="functions")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument(
        "--cold-base-mb",
        type=float,
        nargs="*",
        default=[],
        help="also push base layers of these sizes (MB, assumed) each time: a base bump",
    )
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    args = parser.parse_args()

    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION=REGION,
        MOTO_LAMBDA_STUB_ECR="false",
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]
    from release_codedeploy import Counting

    class QueryCounting(Counting):  # type: ignore[misc]
        """Also names query-protocol requests (STS: ``Action=AssumeRole`` in the body)."""

        def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
            if method == "POST" and "x-amz-target" not in headers and b"Action=" in body:
                action = parse_qs(body.decode()).get("Action", ["?"])[0]
                headers = {**headers, "x-amz-target": f"query.{action}"}
            return super().__call__(method, path, headers, body)

    from tests.app.deploy.codedeploy_double import CodeDeployDouble
    from tests.app.deploy.faultproxy import FaultProxy
    from tests.app.deploy.moto_aws import install

    install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = endpoint = f"http://{host}:{port}"
    double = CodeDeployDouble(endpoint)
    counting = QueryCounting(double)
    proxy = FaultProxy(endpoint).start()
    proxy.intercept = counting
    bench = Bench(endpoint, proxy.url, counting)
    results = {n: bench.size(n, args) for n in args.sizes}
    proxy.stop()
    double.close()
    server.stop()
    report(results, args)
    return 0


def check(built: Any, stages: Any, tag: str) -> None:
    """Fail loudly unless both prods run the commit: by tag (built), by dev's digest (promoted)."""
    wrong = [fn for fn, served in built.serving("lambda").items() if served != tag]
    digest_of = stages.digest("lambda", tag)
    if built.recorded_tag("lambda") != tag or wrong:
        raise SystemExit(f"build per stage did not release {tag}: {wrong}")
    if stages.recorded("lambda") != (tag, digest_of) or any(
        served != tag for served in stages.prod.serving("lambda").values()
    ):
        raise SystemExit(f"promote did not release {tag} ({digest_of})")


def report(results: dict[int, dict[str, Any]], args: argparse.Namespace) -> None:
    median = statistics.median
    kind = f"cold, base layers {args.cold_base_mb} MB (assumed)" if args.cold_base_mb else "warm"
    print(f"\n## build per stage (exists + modelled push, {kind} + release) against promote\n")
    print(f"medians of {args.repetitions} repetitions, seconds; requests counted at the proxy\n")
    print(
        "| N | build per stage | promote | build / promote | paired, median (min to max) "
        "| requests: build | requests: promote | push: requests | push: bytes |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, row in results.items():
        build, promote = median(row["build"]), median(row["promote"])
        paired = [b / p for b, p in zip(row["build"], row["promote"], strict=True)]
        counts = row["requests"]
        build_requests = sum(sum(counts[s].values()) for s in ("exists", "push", "release"))
        print(
            f"| {n} | {build:.2f} | {promote:.2f} | {build / promote:.2f}x "
            f"| {median(paired):.2f}x ({min(paired):.2f} to {max(paired):.2f}) "
            f"| {build_requests} | {sum(counts['promote'].values())} "
            f"| {sum(counts['push'].values())} | {row['uploaded']} |"
        )
    n, row = next(iter(results.items()))
    counts = row["requests"]
    build = Counter[str]()
    for step in ("exists", "push", "release"):
        build.update(counts[step])
    promote = Counter(counts["promote"])
    print(f"\n## requests per operation, N = {n} (one repetition; polls vary with time)\n")
    print("| operation | build per stage | promote | difference |")
    print("|---|---:|---:|---:|")
    for operation in sorted(set(build) | set(promote)):
        b, p = build[operation], promote[operation]
        print(f"| {operation} | {b} | {p} | {p - b:+d} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
