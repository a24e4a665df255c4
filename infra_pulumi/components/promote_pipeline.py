"""A promoted stage's promote pipeline (V2): it builds nothing, it promotes a digest.

Source (the app repository, for its release tool) -> Plan (``app.deploy promote
--dry-run`` of each image: the tag and digests it would promote, as CodeBuild exported
variables) -> Approve (a manual approval whose text shows them, through CodePipeline
variables) -> Promote (``app.deploy promote`` with exactly that tag and those digests) ->
Deploy (the ECS deploy action rolls the web service out from ``imagedefinitions.json``).
A person starts each run: promoting is a decision, not a reaction to a push.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.ecs_deploy import (
    EcsDeployTarget,
    deploy_stage,
    ecs_deploy_statements,
)
from infra_pulumi.components.pipelines import (
    PipelineBase,
    approval_stage,
    build_action,
    pipeline_with_role,
    source_stage,
)

#: The Plan action's variable namespace: the approval and the Promote action read it.
PLAN_NAMESPACE = "Plan"
PROMOTE_ARTIFACT = "promoted"


def plan_variable(name: str) -> str:
    """``#{Plan.<name>}``: CodePipeline resolves it in a later action's configuration."""
    return f"#{{{PLAN_NAMESPACE}.{name}}}"


def approval_text() -> str:
    """What the approver reads: the source stage, the tag and each image's digest.

    CodePipeline resolves variables in a manual approval's ``CustomData`` (CodePipeline
    User Guide, "Variables reference", example: use variables in manual approvals).
    """
    return (
        f"Promote {plan_variable('PROMOTE_TAG')} from stack {plan_variable('PROMOTE_FROM')}: "
        f"lambda {plan_variable('PROMOTE_LAMBDA_DIGEST')}, "
        f"web {plan_variable('PROMOTE_WEB_DIGEST')}. Approve to release exactly these "
        "digests here; the build logs of the Plan stage show the full plans."
    )


@dataclass
class PromotePipelineArgs:
    """Inputs of a ``PromotePipeline``."""

    base: PipelineBase
    """Name, the app repository source, the artifact store, the boundary."""
    project_name: pulumi.Input[str]
    project_arn: pulumi.Input[str]
    web: EcsDeployTarget


class PromotePipeline(pulumi.ComponentResource):
    """Source -> Plan -> Approve -> Promote -> Deploy (ECS), started by a person."""

    pipeline_name: pulumi.Output[str]
    pipeline_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: PromotePipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:pipeline:PromotePipeline", name, None, opts)
        approved = {
            variable: plan_variable(variable)
            for variable in ("PROMOTE_TAG", "PROMOTE_LAMBDA_DIGEST", "PROMOTE_WEB_DIGEST")
        }
        stages = [
            source_stage(args.base.source),
            aws.codepipeline.PipelineStageArgs(
                name="PlanPromotion",
                actions=[
                    build_action(
                        "Plan",
                        args.project_name,
                        namespace=PLAN_NAMESPACE,
                        variables={"PROMOTE_STEP": "plan"},
                    )
                ],
            ),
            approval_stage(approval_text()),
            aws.codepipeline.PipelineStageArgs(
                name="Promote",
                actions=[
                    build_action(
                        "Promote",
                        args.project_name,
                        output=PROMOTE_ARTIFACT,
                        variables={"PROMOTE_STEP": "promote", **approved},
                    )
                ],
            ),
            deploy_stage(PROMOTE_ARTIFACT, args.web),
        ]
        pipeline = pipeline_with_role(
            self,
            name,
            args.base,
            project_arns=[args.project_arn],
            stages=stages,
            extra_statements=ecs_deploy_statements(args.web),
            on_push=False,
        )
        self.pipeline_name = pipeline.name
        self.pipeline_arn = pipeline.arn
        self.register_outputs({"pipeline_name": self.pipeline_name})
