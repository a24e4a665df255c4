"""ECR repositories (with lifecycle and repository policies folded in) and the placeholder push."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cdk_parity.compare import ecr_lifecycle
from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import (
    RETAINING,
    as_list,
    condition_values,
    image_repository,
    image_tag,
    on_delete,
    statements,
)
from cdk_parity.compare.model import Resource


def pull_grants(documents: Iterable[Any]) -> list[str] | None:
    """Who may do what through a repository policy.

    A service principal's grant reads ``<service>: <actions> for <source ARNs>`` (or "any
    function in the account" without an ``aws:sourceArn`` condition), with ``in account
    <ids>`` for an ``aws:sourceAccount`` condition. An account principal's reads
    ``<account root ARNs>: <actions>``, with ``as <role ARNs>`` for an
    ``aws:PrincipalArn`` condition: the exact roles another account's IAM may use it for.
    """
    grants = []
    for document in documents:
        for statement in statements(document):
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal", {})
            principal = principal if isinstance(principal, Mapping) else {}
            services = [str(s) for s in as_list(principal.get("Service"))]
            accounts = sorted(str(a) for a in as_list(principal.get("AWS")))
            condition = statement.get("Condition", {})
            actions = ",".join(sorted(str(a) for a in as_list(statement.get("Action"))))
            if accounts and not services:
                roles = condition_values(condition, "aws:PrincipalArn")
                line = f"{', '.join(accounts)}: {actions}"
                grants.append(f"{line} as {', '.join(roles)}" if roles else line)
                continue
            arns = condition_values(condition, "aws:sourceArn")
            scope = ", ".join(arns) if arns else "any function in the account"
            line = f"{'/'.join(services) or 'principal'}: {actions} for {scope}"
            owners = condition_values(condition, "aws:sourceAccount")
            grants.append(f"{line} in account {', '.join(owners)}" if owners else line)
    return sorted(grants) or None


def _lifecycle(document: Any) -> dict[str, Any]:
    return {
        "lifecycleRules": ecr_lifecycle.rules(document),
        "lifecycleEffect": ecr_lifecycle.effect(document),
    }


class EcrRepository(Kind):
    """Tag mutability and its exclusions, scanning, encryption, lifecycle, who may pull,
    and what deleting the stack does to it (and its images).

    The lifecycle policy is compared by meaning: its rules without priority numbers and
    descriptions, and what it does to a sample repository (``ecr_lifecycle``).
    """

    name = "ecr-repository"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for repo in plan.of("aws:ecr/repository:Repository"):
            name = repo.inputs["name"]
            policies = [
                p
                for p in plan.of("aws:ecr/lifecyclePolicy:LifecyclePolicy")
                if p.inputs["repository"] == name
            ]
            pull = [
                p
                for p in plan.of("aws:ecr/repositoryPolicy:RepositoryPolicy")
                if p.inputs["repository"] == name
            ]
            encryption = repo.inputs.get("encryptionConfigurations", [{}])[0]
            props = {
                "tagMutability": repo.inputs.get("imageTagMutability"),
                "mutableTags": sorted(
                    f["filter"] for f in repo.inputs.get("imageTagMutabilityExclusionFilters", [])
                ),
                "scanOnPush": repo.inputs.get("imageScanningConfiguration", {}).get("scanOnPush"),
                "encryption": encryption.get("encryptionType"),
                "kmsKey": encryption.get("kmsKey"),
                **_lifecycle(policies[0].inputs["policy"] if policies else None),
                "lambdaPull": pull_grants(p.inputs["policy"] for p in pull),
                "onDelete": on_delete(
                    protected=repo.protect,
                    retained=repo.retain_on_delete,
                    emptied=bool(repo.inputs.get("forceDelete")),
                    holds_data=True,
                ),
            }
            entry = plan.resource(self.name, name, props, repo, *policies, *pull)
            yield entry.noted(lifecyclePolicy=policies[0].inputs["policy"] if policies else None)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::ECR::Repository"):
            encryption = props.get("EncryptionConfiguration", {})
            policy = props.get("LifecyclePolicy", {}).get("LifecyclePolicyText")
            normalised = {
                "tagMutability": props.get("ImageTagMutability"),
                "mutableTags": sorted(
                    f["ImageTagMutabilityExclusionFilterValue"]
                    for f in props.get("ImageTagMutabilityExclusionFilters", [])
                ),
                "scanOnPush": props.get("ImageScanningConfiguration", {}).get("ScanOnPush"),
                "encryption": encryption.get("EncryptionType"),
                "kmsKey": encryption.get("KmsKey"),
                **_lifecycle(policy),
                "lambdaPull": pull_grants([props.get("RepositoryPolicyText")]),
                "onDelete": on_delete(
                    protected=False,
                    retained=template.resources[logical].get("DeletionPolicy") in RETAINING,
                    emptied=bool(props.get("EmptyOnDelete")),
                    holds_data=True,
                ),
            }
            key = props.get("RepositoryName", logical)
            yield template.resource(self.name, key, normalised, logical).noted(
                lifecyclePolicy=policy
            )


class PlaceholderImage(Kind):
    """The ``initial`` image pushed once for the first deploy (talk, point 4)."""

    name = "placeholder-image"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for pushed in plan.of("docker:index/image:Image"):
            ref = pushed.inputs["imageName"]
            yield plan.resource(
                self.name, str(image_repository(ref)), {"tag": image_tag(ref)}, pushed
            )

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("Custom::CDKECRDeployment"):
            destination = str(props.get("DestImage", "")).removeprefix("docker://")
            yield template.resource(
                self.name,
                str(image_repository(destination)),
                {"tag": image_tag(destination)},
                logical,
            )
