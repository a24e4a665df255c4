"""Adapter: the physical-name convention the CDK reference shares with the Pulumi program.

Names are an input both sides must agree on (the comparison pairs resources by them),
so they come from one place: ``infra_pulumi.naming.Naming``. Everything else the
reference builds, it derives itself from the talk and from AWS's and CDK's documentation.
"""

from __future__ import annotations

from infra_pulumi.naming import Naming

__all__ = ["Naming"]
