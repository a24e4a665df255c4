"""Adapter: the physical-name convention the CDK reference shares with the Pulumi program.

Names are an input both sides must agree on (the comparison pairs resources by them),
so they come from one place: ``infra_pulumi.naming.Naming``, and the one alias name
every invoker calls (``LIVE_ALIAS``). Everything else the reference builds, it derives
itself from the talk and from AWS's and CDK's documentation.
"""

from __future__ import annotations

from infra_pulumi.naming import LIVE_ALIAS, Naming

__all__ = ["LIVE_ALIAS", "Naming"]
