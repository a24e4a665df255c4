"""Benchmark: the offline Pulumi plan against the matching CDK synth, whole processes.

For each stack the two commands run in turn, N times, each a fresh process (import,
evaluate or synthesize, write the result), so both pay their whole start-up:

* dev:  ``python -m infra_pulumi.plan --stack dev``  against
        ``python -m cdk_parity synth --stack dev``
* prod: ``python -m infra_pulumi.plan --stack prod --released abc1234``  against
        ``python -m cdk_parity synth --stack prod --mode synth-time --offline``

It prints, per stack, the median wall time and peak memory (``ru_maxrss`` of each child)
of each side, and the median and range of the per-pair ratio CDK / plan: pairs run back
to back, so a busy machine slows both sides of a pair alike.

``--record`` writes the figures, with the machine, the date and the load average, to
``benchmarks/results/plan_vs_synth.json``; the comparison report
(``python -m cdk_parity compare``) and the README's performance section quote that file.

``--growth`` also times the program's evaluation alone, in this process and warm (the
modules already imported), for dev, prod and dev with 4x the functions, and prints the
time per resource: evaluation should grow linearly with the number of resources.

    .venv/bin/python benchmarks/plan_vs_synth.py [--repetitions 7] [--record] [--growth]
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable

from cdk_parity.compare.measure import (  # noqa: E402 (the checkout, run as a script)
    BENCHMARK_RECORD,
    RecordedBenchmark,
    StackBenchmark,
)


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float


def run(command: list[str]) -> Run:
    """One whole process; its wall time and peak resident memory."""
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    # Linux reports ru_maxrss in KiB. The CDK side's peak is its Python process's; jsii's
    # Node.js kernel is a grandchild, counted only if it is the largest.
    return Run(seconds, usage.ru_maxrss / 1024)


def pairs(stack: str, repetitions: int, out: Path) -> tuple[list[Run], list[Run]]:
    plan = [PYTHON, "-m", "infra_pulumi.plan", "--stack", stack, "--json", str(out / "p.json")]
    synth = [PYTHON, "-m", "cdk_parity", "synth", "--stack", stack, "--out", str(out / "cdk")]
    if stack == "prod":
        plan += ["--released", "abc1234"]
        synth += ["--mode", "synth-time", "--offline"]
    plans, synths = [], []
    run(plan), run(synth)  # warm the disk cache for both, untimed
    for _ in range(repetitions):
        plans.append(run(plan))
        synths.append(run(synth))
    return plans, synths


def summarise(stack: str, plans: list[Run], synths: list[Run]) -> StackBenchmark:
    return StackBenchmark.of(
        stack,
        [(r.seconds, r.peak_mib) for r in plans],
        [(r.seconds, r.peak_mib) for r in synths],
    )


def machine() -> str:
    """CPU model and count, Python and Node.js versions: what the figures depend on."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        node = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        node = "no node"
    return (
        f"{model}, {os.cpu_count()} CPUs, {platform.system()}, "
        f"Python {platform.python_version()}, Node.js {node}"
    )


def growth() -> None:
    """Warm evaluation time per resource for dev, prod and dev with 4x the functions.

    With the cyclic GC off, as ``python -m infra_pulumi.plan`` runs: with it on, each
    full collection scans every object of the process (pulumi_aws's classes included), so
    evaluation grows faster than the resources do. ``--gc`` measures that too."""
    from infra_pulumi.plan import evaluate
    from infra_pulumi.plan.mocks import released as released_answers

    # After a release of abc1234; prod, a promoted stage, also holds its digest, which
    # dev's repository holds tagged abc1234.
    released = released_answers("abc1234")
    many = [
        {"name": f"fn{i}", "command": ["api.handler"], "schedule": "rate(1 hour)"} for i in range(8)
    ]
    cases = {
        "dev": ("dev", {}),
        "prod": ("prod", {}),
        "dev, 4x functions": ("dev", {"lambdaFunctions": many}),
    }
    for label, (stack, config) in cases.items():
        evaluate(stack, config=config, invokes=released)  # imports every module it uses
        times = []
        for _ in range(5):
            start = time.process_time()
            plan = evaluate(stack, config=config, invokes=released)
            times.append(time.process_time() - start)
        seconds = statistics.median(times)
        count = len(plan.resources)
        print(
            f"evaluation {label:18} {seconds * 1000:7.0f} ms CPU  {count:4} resources  "
            f"{seconds / count * 1000:5.2f} ms per resource"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--stacks", nargs="*", default=["dev", "prod"], help="none: only --growth")
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"write the figures to {BENCHMARK_RECORD.relative_to(ROOT)}",
    )
    parser.add_argument("--growth", action="store_true", help="also time evaluation growth")
    parser.add_argument(
        "--gc", action="store_true", help="time the growth with the cyclic GC on (default off)"
    )
    args = parser.parse_args()
    if args.repetitions < 1:
        parser.error("--repetitions must be at least 1")
    if args.record and not args.stacks:
        parser.error("--record needs at least one stack")
    load = os.getloadavg()[0]
    print(f"{machine()}, load average {load:.2f}")
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for stack in args.stacks:
            print(f"{stack}: {args.repetitions} pairs of whole processes…", file=sys.stderr)
            results.append(summarise(stack, *pairs(stack, args.repetitions, Path(scratch))))
            print(results[-1].line())
    if args.record:
        record = RecordedBenchmark(
            recorded=datetime.datetime.now(datetime.UTC).date().isoformat(),
            machine=machine(),
            load_average=round(load, 2),
            stacks=tuple(results),
        )
        BENCHMARK_RECORD.parent.mkdir(parents=True, exist_ok=True)
        BENCHMARK_RECORD.write_text(json.dumps(record.to_json(), indent=2) + "\n")
        print(f"recorded in {BENCHMARK_RECORD.relative_to(ROOT)}")
    if args.growth:
        if not args.gc:
            gc.disable()
        print(f"warm evaluation, cyclic GC {'on' if args.gc else 'off'}:")
        growth()


if __name__ == "__main__":
    main()
