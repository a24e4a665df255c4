"""Settings for the whole test run, applied before any test module is imported.

jsii starts its Node.js kernel when ``aws_cdk`` is first imported and prints Node's
deprecation and end-of-life notices to stderr then (as Python byte strings, once per
kernel). ``cdk_parity`` quiets them when it is imported, but a test module or conftest
that imports ``aws_cdk`` first would start the kernel before that, so the run sets them
here, where pytest reads them first.
"""

from __future__ import annotations

import gc
import os
import subprocess

import pytest


def _node_major() -> str:
    try:
        version = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return version.strip().lstrip("v").split(".", 1)[0]


os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", _node_major() or "20")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (the default in pyproject.toml): one worker per core, plus one.

    Many tests wait on other processes (the CLI against a moto server, jsii's Node.js, the
    policy pack), so a worker per core leaves cores idle. Measured on 2 cores, the full
    suite alternating ``-n auto`` (2 workers) with ``-n 3``: 211.9 s / 192.0 s and
    202.3 s / 186.8 s wall, for about a tenth more CPU time.
    """
    # The cores this process may use (Linux); elsewhere (macOS has no affinity) every core.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_collection_finish(session: pytest.Session) -> None:
    """Spare the cyclic garbage collector the imported world.

    After collection a worker holds pulumi, pulumi_aws's generated classes, boto3, moto and
    jsii: over half a million tracked objects (557,000 for the whole suite) that live to
    the end of the run. Each full collection walks them all, and the mock runtime's asyncio
    churn triggers collections often. Freezing what exists now moves it out of the
    collector's reach, and a larger first-generation threshold makes the remaining passes
    rarer; both leave reference counting, which frees
    almost everything, untouched. On tests/infra, tests/policy and tests/cdk_parity/compare
    (one worker) this took user CPU from 67 s to 57 s at the same peak memory.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
