"""CDK CLI entry point: ``cdk synth -c stack=dev -c tagLookup=synth-time`` in this folder.

The CLI performs ``lookup`` mode's SSM lookups itself and caches them in
``cdk.context.json``. Without the CLI, use ``python -m cdk_parity synth``.
"""

from __future__ import annotations

from cdk_parity.reference.config import EXAMPLE_ACCOUNT, load_stack_config
from cdk_parity.reference.synth import build_stack
from cdk_parity.reference.tag_lookup import CONTEXT_KEY, DEFAULT_MODE, TagLookupOptions, TagMode


def main() -> None:
    # Imported here, after the cdk_parity package has quieted jsii's Node.js notices.
    from aws_cdk import App

    app = App()
    stack = str(app.node.try_get_context("stack") or "dev")
    mode = TagMode.parse(str(app.node.try_get_context(CONTEXT_KEY) or DEFAULT_MODE))
    offline = str(app.node.try_get_context("offline") or "false").lower() == "true"
    account = str(app.node.try_get_context("account") or EXAMPLE_ACCOUNT)
    settings = load_stack_config(stack, account=account)
    build_stack(app, settings, TagLookupOptions(mode=mode, offline=offline))
    app.synth()


if __name__ == "__main__":
    main()
