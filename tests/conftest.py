"""Settings for the whole test run, applied before any test module is imported.

jsii starts its Node.js kernel when ``aws_cdk`` is first imported and prints Node's
deprecation and end-of-life notices to stderr then (as Python byte strings, once per
kernel). ``cdk_parity`` quiets them when it is imported, but a test module or conftest
that imports ``aws_cdk`` first would start the kernel before that, so the run sets them
here, where pytest reads them first.
"""

from __future__ import annotations

import os
import subprocess


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
