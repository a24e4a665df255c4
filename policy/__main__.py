"""The guardrails policy pack: Pulumi's policy host runs this file (``pulumi.policy``)."""

from guardrails import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)
