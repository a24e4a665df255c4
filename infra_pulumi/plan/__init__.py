"""The offline plan: evaluate the program under Pulumi's mocks, with no AWS and no CLI.

``evaluate(stack)`` returns a ``Plan``; ``python -m infra_pulumi.plan`` prints it.
"""

from infra_pulumi.plan.runner import Plan, PlannedResource, evaluate

__all__ = ["Plan", "PlannedResource", "evaluate"]
