"""The talk's CDK stack in Python, kept as a reference to compare the Pulumi program against.

Importing the package quiets jsii's Node.js version notices (Node 20 is what these
machines have); it must happen before the first ``aws_cdk`` import starts the jsii kernel.
"""

from __future__ import annotations

import os

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
# jsii >= 1.1xx prints a separate end-of-life banner, silenced per major version.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
