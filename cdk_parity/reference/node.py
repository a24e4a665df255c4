"""Node.js, checked before the CDK library starts: jsii runs aws-cdk-lib on it.

Without this check a missing ``node`` surfaces as a 40-line traceback from deep in jsii
(``FileNotFoundError: ... 'node'``); with it, as one line saying what to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from cdk_parity.exceptions import NodeMissingError

#: The oldest Node.js major this reference has been seen to synthesize on. jsii's own
#: supported releases (22 and 24 at the time of writing) are what to install new.
MINIMUM_MAJOR = 18
_INSTALL = "install Node.js 22 or 24 (https://nodejs.org, or your package manager) and retry"


def require_node() -> int:
    """The Node.js major version on PATH; ``NodeMissingError`` if absent or too old."""
    node = shutil.which("node")
    if node is None:
        raise NodeMissingError(
            f"Node.js is not on PATH; the CDK reference runs on jsii, which needs it: {_INSTALL}"
        )
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise NodeMissingError(f"{node} --version failed ({exc}): {_INSTALL}") from exc
    match = re.fullmatch(r"v?(\d+)\.\d+\.\d+\S*", version)
    if match is None:
        raise NodeMissingError(f"{node} --version printed {version!r}, not a version: {_INSTALL}")
    major = int(match.group(1))
    if major < MINIMUM_MAJOR:
        raise NodeMissingError(
            f"Node.js {version} at {node} is too old for jsii (needs {MINIMUM_MAJOR} or "
            f"newer): {_INSTALL}"
        )
    return major
