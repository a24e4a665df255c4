"""Normalise the Pulumi plan and the CloudFormation template to ``Resource`` entries.

Each native type is either mapped to a kind, folded into another entry (a Pulumi
``LifecyclePolicy`` becomes a property of its repository, as it is in CloudFormation),
or, when no rule knows it, kept as an ``unmapped`` entry, so a resource added on one
side always shows up in the comparison.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from cdk_parity.compare.intrinsics import Renderer
from cdk_parity.compare.model import Resource
from infra_pulumi.plan import Plan, PlannedResource

# --- Shared vocabulary ----------------------------------------------------------------


def _lifecycle(document: str | Mapping[str, Any] | None) -> list[str] | None:
    if document is None:
        return None
    rules = (json.loads(document) if isinstance(document, str) else document)["rules"]
    summary = []
    for rule in sorted(rules, key=lambda r: r["rulePriority"]):
        selection = rule["selection"]
        prefixes = ",".join(selection.get("tagPrefixList", []))
        summary.append(
            f"{selection['tagStatus']}{'[' + prefixes + ']' if prefixes else ''}: "
            f"{selection['countType']} {selection['countNumber']} "
            f"{selection.get('countUnit', '')}".strip()
        )
    return summary


def _statements(document: Any) -> list[dict[str, Any]]:
    if document is None:
        return []
    parsed = json.loads(document) if isinstance(document, str) else document
    found = parsed.get("Statement", [])
    return found if isinstance(found, list) else [found]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _allowed_actions(documents: Iterable[Any]) -> list[str]:
    actions: set[str] = set()
    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect") == "Allow":
                actions.update(str(a) for a in _as_list(statement.get("Action")))
    return sorted(actions)


def _principals(document: Any) -> list[str]:
    found: set[str] = set()
    for statement in _statements(document):
        principal = statement.get("Principal", {})
        if isinstance(principal, Mapping):
            for kind, value in principal.items():
                for item in _as_list(value):
                    text = str(item)
                    if kind == "Federated":
                        text = text.rsplit("/", 1)[-1]  # the provider's host
                    elif kind == "AWS":
                        text = "aws-principal"  # CDK action roles: trusted by the pipeline role
                    found.add(f"{kind}:{text}")
    return sorted(found)


_IMAGE = re.compile(r"^(?P<registry>[^/]+)/(?P<repository>[^:@]+)(?:[:@](?P<tag>.+))?$")


def _image_part(image: str | None, part: str) -> str | None:
    """``repository`` or ``tag`` of ``<registry>/<repository>:<tag>``.

    The tag may be a ``{{ssm:/path}}`` placeholder (deploy-time mode), which holds
    slashes and colons of its own; a digest reference has no tag.
    """
    if not image:
        return None
    match = _IMAGE.match(image)
    if match is None:
        return None
    if part == "tag" and "@" in image.split("/", 1)[1].split("{{", 1)[0]:
        return None
    return match.group(part)


def _tag(image: str | None) -> str | None:
    return _image_part(image, "tag")


def _repository(image: str | None) -> str | None:
    return _image_part(image, "repository")


def _pull_grants(documents: Iterable[Any]) -> list[str] | None:
    """Who may pull through a repository policy: actions, and for which functions."""
    grants = []
    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal", {})
            services = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
            condition = statement.get("Condition", {})
            arns: list[str] = []
            for operator in ("StringEquals", "ArnEquals", "StringLike", "ArnLike"):
                arns += [str(a) for a in _as_list(condition.get(operator, {}).get("aws:sourceArn"))]
            scope = ", ".join(sorted(arns)) if arns else "any function in the account"
            actions = ",".join(sorted(str(a) for a in _as_list(statement.get("Action"))))
            grants.append(f"{'/'.join(services) or 'principal'}: {actions} for {scope}")
    return sorted(grants) or None


def _rule(direction: str, protocol: str, port: Any, peer: str) -> str:
    return f"{direction} {protocol} {port} {'from' if direction == 'in' else 'to'} {peer}"


def _manifest_or_value(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


#: Network plumbing folded into one ``network`` entry per side: the two tools build the
#: same VPC from differently sized pieces (CDK: a route table per subnet).
NETWORK_PLUMBING_PULUMI = {
    "aws:ec2/routeTable:RouteTable": "routeTables",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "routeTableAssociations",
    "aws:ec2/internetGateway:InternetGateway": "internetGateways",
    "aws:ec2/natGateway:NatGateway": "natGateways",
    "aws:ec2/eip:Eip": "elasticIps",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "defaultSecurityGroupEmptied",
}
NETWORK_PLUMBING_CFN = {
    "AWS::EC2::RouteTable": "routeTables",
    "AWS::EC2::SubnetRouteTableAssociation": "routeTableAssociations",
    "AWS::EC2::InternetGateway": "internetGateways",
    "AWS::EC2::NatGateway": "natGateways",
    "AWS::EC2::EIP": "elasticIps",
    "Custom::VpcRestrictDefaultSG": "defaultSecurityGroupEmptied",
    "AWS::EC2::VPCGatewayAttachment": None,  # Pulumi's gateway takes vpc_id inline
    "AWS::EC2::Route": None,  # Pulumi's route tables carry their routes inline
}


def _network(
    counts: Mapping[str, int], sources: list[str], types: list[str], side: Any
) -> Resource:
    props = {
        key: counts.get(key, 0)
        for key in (
            "routeTables",
            "routeTableAssociations",
            "internetGateways",
            "natGateways",
            "elasticIps",
        )
    }
    props["defaultSecurityGroupEmptied"] = counts.get("defaultSecurityGroupEmptied", 0) > 0
    return Resource(
        side, "network", "vpc-plumbing", props, tuple(sources), tuple(sorted(set(types)))
    )


# --- Pulumi ---------------------------------------------------------------------------


def pulumi_resources(plan: Plan) -> list[Resource]:
    """The plan's custom resources in the common form."""
    custom = [r for r in plan.resources if r.custom]
    by_type: dict[str, list[PlannedResource]] = defaultdict(list)
    for resource in custom:
        by_type[resource.type].append(resource)
    used: set[str] = set()
    out: list[Resource] = []

    def take(*resources: PlannedResource) -> tuple[str, ...]:
        used.update(r.urn for r in resources)
        return tuple(r.urn for r in resources)

    def of(typ: str) -> list[PlannedResource]:
        return by_type.get(typ, [])

    # ECR repositories, with their lifecycle and pull policies folded in.
    for repo in of("aws:ecr/repository:Repository"):
        name = repo.inputs["name"]
        lifecycle = [
            p
            for p in of("aws:ecr/lifecyclePolicy:LifecyclePolicy")
            if p.inputs["repository"] == name
        ]
        pull = [
            p
            for p in of("aws:ecr/repositoryPolicy:RepositoryPolicy")
            if p.inputs["repository"] == name
        ]
        encryption = repo.inputs.get("encryptionConfigurations", [{}])[0]
        pull_grants = _pull_grants(p.inputs["policy"] for p in pull)
        out.append(
            Resource(
                "pulumi",
                "ecr-repository",
                name,
                {
                    "tagMutability": repo.inputs.get("imageTagMutability"),
                    "mutableTags": sorted(
                        f["filter"]
                        for f in repo.inputs.get("imageTagMutabilityExclusionFilters", [])
                    ),
                    "scanOnPush": repo.inputs.get("imageScanningConfiguration", {}).get(
                        "scanOnPush"
                    ),
                    "encryption": encryption.get("encryptionType"),
                    "kmsKey": encryption.get("kmsKey"),
                    "lifecycle": _lifecycle(lifecycle[0].inputs["policy"]) if lifecycle else None,
                    "lambdaPull": pull_grants,
                },
                take(repo, *lifecycle, *pull),
                (repo.type,),
            )
        )

    for pushed in of("docker:index/image:Image"):
        ref = pushed.inputs["imageName"]
        out.append(
            Resource(
                "pulumi",
                "placeholder-image",
                str(_repository(ref)),
                {"tag": _tag(ref)},
                take(pushed),
                (pushed.type,),
            )
        )

    for param in of("aws:ssm/parameter:Parameter"):
        out.append(
            Resource(
                "pulumi",
                "ssm-parameter",
                param.inputs["name"],
                {
                    "type": param.inputs.get("type"),
                    "tier": param.inputs.get("tier"),
                    "value": _manifest_or_value(
                        param.inputs.get("insecureValue", param.inputs.get("value"))
                    ),
                    "allowedPattern": param.inputs.get("allowedPattern"),
                },
                take(param),
                (param.type,),
            )
        )

    for group in of("aws:cloudwatch/logGroup:LogGroup"):
        out.append(
            Resource(
                "pulumi",
                "log-group",
                group.inputs["name"],
                {
                    "retentionDays": group.inputs.get("retentionInDays"),
                    "kmsKey": group.inputs.get("kmsKeyId"),
                },
                take(group),
                (group.type,),
            )
        )

    for function in of("aws:lambda/function:Function"):
        image = function.inputs.get("imageUri")
        out.append(
            Resource(
                "pulumi",
                "lambda-function",
                function.inputs["name"],
                {
                    "packageType": function.inputs.get("packageType"),
                    "repository": _repository(image),
                    "imageTag": _tag(image),
                    "command": function.inputs.get("imageConfig", {}).get("commands"),
                    "memoryMb": function.inputs.get("memorySize"),
                    "timeoutSeconds": function.inputs.get("timeout"),
                    "architectures": function.inputs.get("architectures"),
                    "logGroup": function.inputs.get("loggingConfig", {}).get("logGroup"),
                    "role": str(function.inputs.get("role", "")).rsplit("/", 1)[-1],
                },
                take(function),
                (function.type,),
            )
        )

    # Roles, with inline policies and managed attachments folded in.
    for role in of("aws:iam/role:Role"):
        name = role.inputs["name"]
        inline = [p for p in of("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == name]
        attached = [
            p
            for p in of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if p.inputs["role"] == name
        ]
        out.append(
            Resource(
                "pulumi",
                "iam-role",
                name,
                {
                    "trustedBy": _principals(role.inputs["assumeRolePolicy"]),
                    "allowedActions": _allowed_actions(p.inputs["policy"] for p in inline),
                    "managedPolicies": sorted(p.inputs["policyArn"] for p in attached),
                    "permissionsBoundary": role.inputs.get("permissionsBoundary"),
                },
                take(role, *inline, *attached),
                (role.type,),
            )
        )

    for provider in of("aws:iam/openIdConnectProvider:OpenIdConnectProvider"):
        out.append(
            Resource(
                "pulumi",
                "oidc-provider",
                provider.inputs["url"],
                {"clientIds": sorted(provider.inputs.get("clientIdLists", []))},
                take(provider),
                (provider.type,),
            )
        )

    # The network.
    for vpc in of("aws:ec2/vpc:Vpc"):
        out.append(
            Resource(
                "pulumi",
                "vpc",
                "vpc",
                {
                    "cidr": vpc.inputs["cidrBlock"],
                    "dnsHostnames": vpc.inputs.get("enableDnsHostnames"),
                },
                take(vpc),
                (vpc.type,),
            )
        )
    for subnet in of("aws:ec2/subnet:Subnet"):
        tier = "public" if "-public-" in subnet.name else "private"
        out.append(
            Resource(
                "pulumi",
                "subnet",
                f"{tier}-{subnet.inputs['availabilityZone']}",
                {
                    "cidr": subnet.inputs["cidrBlock"],
                    "mapPublicIp": bool(subnet.inputs.get("mapPublicIpOnLaunch", False)),
                },
                take(subnet),
                (subnet.type,),
            )
        )
    plumbing = [r for typ in NETWORK_PLUMBING_PULUMI for r in of(typ)]
    if plumbing:
        counts: dict[str, int] = defaultdict(int)
        for resource in plumbing:
            counts[NETWORK_PLUMBING_PULUMI[resource.type]] += 1
        take(*plumbing)
        out.append(
            _network(counts, [r.urn for r in plumbing], [r.type for r in plumbing], "pulumi")
        )

    groups = of("aws:ec2/securityGroup:SecurityGroup")
    group_names = {g.outputs.get("id"): g.inputs.get("name") for g in groups}
    for group in groups:
        rules = []
        folded = []
        for kind, direction in (("Ingress", "in"), ("Egress", "out")):
            for rule in of(f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule"):
                if rule.inputs["securityGroupId"] != group.outputs.get("id"):
                    continue
                folded.append(rule)
                peer = (
                    rule.inputs.get("cidrIpv4")
                    or rule.inputs.get("cidrIpv6")
                    or f"sg:{group_names.get(rule.inputs.get('referencedSecurityGroupId'))}"
                )
                rules.append(
                    _rule(direction, rule.inputs["ipProtocol"], rule.inputs.get("fromPort"), peer)
                )
        out.append(
            Resource(
                "pulumi",
                "security-group",
                group.inputs["name"],
                {"rules": sorted(rules)},
                take(group, *folded),
                (group.type,),
            )
        )

    # Load balancer.
    for balancer in of("aws:lb/loadBalancer:LoadBalancer"):
        out.append(
            Resource(
                "pulumi",
                "load-balancer",
                balancer.inputs["name"],
                {
                    "scheme": "internal" if balancer.inputs.get("internal") else "internet-facing",
                    "type": balancer.inputs.get("loadBalancerType"),
                    "dropInvalidHeaders": balancer.inputs.get("dropInvalidHeaderFields", False),
                },
                take(balancer),
                (balancer.type,),
            )
        )
    for group in of("aws:lb/targetGroup:TargetGroup"):
        health = group.inputs.get("healthCheck", {})
        out.append(
            Resource(
                "pulumi",
                "target-group",
                group.inputs["name"],
                {
                    "port": group.inputs.get("port"),
                    "protocol": group.inputs.get("protocol"),
                    "targetType": group.inputs.get("targetType"),
                    "healthCheckPath": health.get("path"),
                    "matcher": health.get("matcher"),
                    "deregistrationDelay": group.inputs.get("deregistrationDelay"),
                },
                take(group),
                (group.type,),
            )
        )
    for listener in of("aws:lb/listener:Listener"):
        action = listener.inputs["defaultActions"][0]
        out.append(
            Resource(
                "pulumi",
                "listener",
                str(listener.inputs["port"]),
                {
                    "protocol": listener.inputs.get("protocol"),
                    "action": action["type"],
                    "sslPolicy": listener.inputs.get("sslPolicy"),
                    "certificate": listener.inputs.get("certificateArn"),
                },
                take(listener),
                (listener.type,),
            )
        )

    # ECS.
    for cluster in of("aws:ecs/cluster:Cluster"):
        settings = {s["name"]: s["value"] for s in cluster.inputs.get("settings", [])}
        out.append(
            Resource(
                "pulumi",
                "ecs-cluster",
                cluster.inputs["name"],
                {"containerInsights": settings.get("containerInsights")},
                take(cluster),
                (cluster.type,),
            )
        )
    role_names = {r.outputs.get("arn"): r.inputs.get("name") for r in of("aws:iam/role:Role")}
    for task in of("aws:ecs/taskDefinition:TaskDefinition"):
        (container,) = json.loads(task.inputs["containerDefinitions"])
        out.append(
            Resource(
                "pulumi",
                "ecs-task-definition",
                task.inputs["family"],
                _task_props(
                    cpu=task.inputs.get("cpu"),
                    memory=task.inputs.get("memory"),
                    network_mode=task.inputs.get("networkMode"),
                    compatibilities=task.inputs.get("requiresCompatibilities"),
                    container=container,
                    execution_role=role_names.get(task.inputs.get("executionRoleArn")),
                    task_role=role_names.get(task.inputs.get("taskRoleArn")),
                ),
                take(task),
                (task.type,),
            )
        )
    for service in of("aws:ecs/service:Service"):
        breaker = service.inputs.get("deploymentCircuitBreaker", {})
        network = service.inputs.get("networkConfiguration", {})
        (binding,) = service.inputs.get("loadBalancers", [{}])
        out.append(
            Resource(
                "pulumi",
                "ecs-service",
                service.inputs["name"],
                {
                    "desiredCount": service.inputs.get("desiredCount"),
                    "launchType": service.inputs.get("launchType"),
                    "circuitBreaker": {
                        "enable": breaker.get("enable"),
                        "rollback": breaker.get("rollback"),
                    },
                    "minimumHealthyPercent": service.inputs.get("deploymentMinimumHealthyPercent"),
                    "maximumPercent": service.inputs.get("deploymentMaximumPercent"),
                    "assignPublicIp": bool(network.get("assignPublicIp", False)),
                    "healthCheckGracePeriod": service.inputs.get("healthCheckGracePeriodSeconds"),
                    "loadBalancerContainer": (
                        f"{binding.get('containerName')}:{binding.get('containerPort')}"
                    ),
                },
                take(service),
                (service.type,),
            )
        )

    # Artifact bucket, with its sub-resources folded in.
    for bucket in of("aws:s3/bucket:Bucket"):
        bucket_id = bucket.outputs.get("id")

        def mine(typ: str, bucket_id: Any = bucket_id) -> list[PlannedResource]:
            return [r for r in of(typ) if r.inputs.get("bucket") == bucket_id]

        block = mine("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
        sse = mine(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        )
        lifecycle_cfg = mine("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        ownership = mine("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
        bucket_policy = mine("aws:s3/bucketPolicy:BucketPolicy")
        default = sse[0].inputs["rules"][0] if sse else {}
        rule = lifecycle_cfg[0].inputs["rules"][0] if lifecycle_cfg else {}
        out.append(
            Resource(
                "pulumi",
                "s3-bucket",
                bucket.inputs["bucket"],
                _bucket_props(
                    sse_algorithm=default.get("applyServerSideEncryptionByDefault", {}).get(
                        "sseAlgorithm"
                    ),
                    kms_key=default.get("applyServerSideEncryptionByDefault", {}).get(
                        "kmsMasterKeyId"
                    ),
                    bucket_key=default.get("bucketKeyEnabled"),
                    public_access=[
                        block[0].inputs.get(k)
                        for k in (
                            "blockPublicAcls",
                            "blockPublicPolicy",
                            "ignorePublicAcls",
                            "restrictPublicBuckets",
                        )
                    ]
                    if block
                    else [],
                    ownership=ownership[0].inputs["rule"]["objectOwnership"] if ownership else None,
                    expiration_days=rule.get("expiration", {}).get("days"),
                    abort_days=rule.get("abortIncompleteMultipartUpload", {}).get(
                        "daysAfterInitiation"
                    ),
                    policy=bucket_policy[0].inputs["policy"] if bucket_policy else None,
                ),
                take(bucket, *block, *sse, *lifecycle_cfg, *ownership, *bucket_policy),
                (bucket.type,),
            )
        )

    for project in of("aws:codebuild/project:Project"):
        environment = project.inputs["environment"]
        out.append(
            Resource(
                "pulumi",
                "codebuild-project",
                project.inputs["name"],
                _project_props(
                    image=environment.get("image"),
                    compute=environment.get("computeType"),
                    privileged=environment.get("privilegedMode", False),
                    variables=[
                        (v["name"], v["type"], v["value"])
                        for v in environment.get("environmentVariables", [])
                    ],
                    buildspec=project.inputs["source"].get("buildspec"),
                    timeout=project.inputs.get("buildTimeout"),
                    role=str(project.inputs.get("serviceRole", "")).rsplit("/", 1)[-1],
                ),
                take(project),
                (project.type,),
            )
        )
    for pipeline in of("aws:codepipeline/pipeline:Pipeline"):
        stages = [
            f"{s['name']}: " + ", ".join(f"{a['name']}({a['provider']})" for a in s["actions"])
            for s in pipeline.inputs["stages"]
        ]
        source = pipeline.inputs["stages"][0]["actions"][0]["configuration"]
        out.append(
            Resource(
                "pulumi",
                "codepipeline",
                pipeline.inputs["name"],
                {
                    "pipelineType": pipeline.inputs.get("pipelineType"),
                    "executionMode": pipeline.inputs.get("executionMode"),
                    "stages": stages,
                    "repository": source.get("FullRepositoryId"),
                    "branch": source.get("BranchName"),
                    "connection": source.get("ConnectionArn"),
                },
                take(pipeline),
                (pipeline.type,),
            )
        )

    for resource in custom:
        if resource.urn not in used:
            out.append(
                Resource(
                    "pulumi",
                    "unmapped",
                    f"{resource.type} {resource.name}",
                    {},
                    (resource.urn,),
                    (resource.type,),
                )
            )
    return out


def _task_props(
    *,
    cpu: Any,
    memory: Any,
    network_mode: Any,
    compatibilities: Any,
    container: Mapping[str, Any],
    execution_role: Any,
    task_role: Any,
) -> dict[str, Any]:
    def get(*keys: str) -> Any:
        for key in keys:
            if key in container:
                return container[key]
        return None

    image = get("image", "Image")
    ports = get("portMappings", "PortMappings") or [{}]
    port = ports[0].get("containerPort", ports[0].get("ContainerPort"))
    health = get("healthCheck", "HealthCheck") or {}
    log = get("logConfiguration", "LogConfiguration") or {}
    options = log.get("options", log.get("Options", {}))
    return {
        "cpu": str(cpu),
        "memory": str(memory),
        "networkMode": network_mode,
        "compatibilities": compatibilities,
        "container": get("name", "Name"),
        "repository": _repository(image),
        "imageTag": _tag(image),
        "containerPort": port,
        "healthCheck": " ".join(health.get("command", health.get("Command", []))),
        "logGroup": options.get("awslogs-group"),
        "executionRole": execution_role,
        "taskRole": task_role,
    }


def _bucket_props(
    *,
    sse_algorithm: Any,
    kms_key: Any,
    bucket_key: Any,
    public_access: list[Any],
    ownership: Any,
    expiration_days: Any,
    abort_days: Any,
    policy: Any,
) -> dict[str, Any]:
    tls_only = any(
        s.get("Effect") == "Deny"
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in _statements(policy)
    )
    return {
        "encryption": sse_algorithm,
        "kmsKey": kms_key,
        "bucketKey": bool(bucket_key),
        "blocksAllPublicAccess": len(public_access) == 4 and all(public_access),
        "objectOwnership": ownership,
        "expireAfterDays": expiration_days,
        "abortMultipartAfterDays": abort_days,
        "tlsOnly": tls_only,
    }


def _project_props(
    *,
    image: Any,
    compute: Any,
    privileged: Any,
    variables: list[tuple[str, str, Any]],
    buildspec: Any,
    timeout: Any,
    role: str,
) -> dict[str, Any]:
    return {
        "image": image,
        "computeType": compute,
        "privileged": bool(privileged),
        "environment": sorted(
            f"{name}={'secret:' if kind == 'SECRETS_MANAGER' else ''}{value}"
            for name, kind, value in variables
        ),
        "buildspec": buildspec,
        "timeoutMinutes": timeout,
        "role": role,
    }


# --- CloudFormation --------------------------------------------------------------------


def cdk_resources(template: Mapping[str, Any], *, account: str, region: str) -> list[Resource]:
    """The template's resources in the common form."""
    render = Renderer(template, account, region)
    resources: Mapping[str, Any] = template.get("Resources", {})
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for logical, resource in resources.items():
        by_type[resource["Type"]].append((logical, render.render(resource.get("Properties", {}))))
    used: set[str] = set()
    out: list[Resource] = []

    def take(*logical_ids: str) -> tuple[str, ...]:
        used.update(logical_ids)
        return tuple(logical_ids)

    def of(typ: str) -> list[tuple[str, dict[str, Any]]]:
        return by_type.get(typ, [])

    for logical, props in of("AWS::ECR::Repository"):
        encryption = props.get("EncryptionConfiguration", {})
        pull_grants = _pull_grants([props.get("RepositoryPolicyText")])
        out.append(
            Resource(
                "cdk",
                "ecr-repository",
                props.get("RepositoryName", logical),
                {
                    "tagMutability": props.get("ImageTagMutability"),
                    "mutableTags": sorted(
                        f["ImageTagMutabilityExclusionFilterValue"]
                        for f in props.get("ImageTagMutabilityExclusionFilters", [])
                    ),
                    "scanOnPush": props.get("ImageScanningConfiguration", {}).get("ScanOnPush"),
                    "encryption": encryption.get("EncryptionType"),
                    "kmsKey": encryption.get("KmsKey"),
                    "lifecycle": _lifecycle(
                        props.get("LifecyclePolicy", {}).get("LifecyclePolicyText")
                    ),
                    "lambdaPull": pull_grants,
                },
                take(logical),
                ("AWS::ECR::Repository",),
            )
        )

    for logical, props in of("Custom::CDKECRDeployment"):
        destination = str(props.get("DestImage", "")).removeprefix("docker://")
        out.append(
            Resource(
                "cdk",
                "placeholder-image",
                str(_repository(destination)),
                {"tag": _tag(destination)},
                take(logical),
                ("Custom::CDKECRDeployment",),
            )
        )

    for logical, props in of("AWS::SSM::Parameter"):
        out.append(
            Resource(
                "cdk",
                "ssm-parameter",
                props.get("Name", logical),
                {
                    "type": props.get("Type"),
                    "tier": props.get("Tier"),
                    "value": _manifest_or_value(props.get("Value")),
                    "allowedPattern": props.get("AllowedPattern"),
                },
                take(logical),
                ("AWS::SSM::Parameter",),
            )
        )

    for logical, props in of("AWS::Logs::LogGroup"):
        out.append(
            Resource(
                "cdk",
                "log-group",
                props.get("LogGroupName", logical),
                {"retentionDays": props.get("RetentionInDays"), "kmsKey": props.get("KmsKeyId")},
                take(logical),
                ("AWS::Logs::LogGroup",),
            )
        )

    for logical, props in of("AWS::Lambda::Function"):
        image = props.get("Code", {}).get("ImageUri")
        out.append(
            Resource(
                "cdk",
                "lambda-function",
                props.get("FunctionName", f"logical:{logical}"),
                {
                    "packageType": props.get("PackageType", "Zip"),
                    "repository": _repository(image),
                    "imageTag": _tag(image),
                    "command": props.get("ImageConfig", {}).get("Command"),
                    "memoryMb": props.get("MemorySize"),
                    "timeoutSeconds": props.get("Timeout"),
                    "architectures": props.get("Architectures"),
                    "logGroup": props.get("LoggingConfig", {}).get("LogGroup"),
                    "role": str(props.get("Role", "")).rsplit("/", 1)[-1],
                },
                take(logical),
                ("AWS::Lambda::Function",),
            )
        )

    policies_for: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for logical, props in of("AWS::IAM::Policy"):
        for role in props.get("Roles", []):
            policies_for[str(role)].append((logical, props.get("PolicyDocument")))
    for logical, props in of("AWS::IAM::Role"):
        name = props.get("RoleName")
        key = name or f"logical:{logical}"
        attached = policies_for.get(name or f"${{{logical}}}", [])
        inline = [p.get("PolicyDocument") for p in props.get("Policies", [])]
        out.append(
            Resource(
                "cdk",
                "iam-role",
                key,
                {
                    "trustedBy": _principals(props.get("AssumeRolePolicyDocument")),
                    "allowedActions": _allowed_actions([*inline, *(doc for _, doc in attached)]),
                    "managedPolicies": sorted(str(a) for a in props.get("ManagedPolicyArns", [])),
                    "permissionsBoundary": props.get("PermissionsBoundary"),
                },
                take(logical, *(policy for policy, _ in attached)),
                ("AWS::IAM::Role",),
            )
        )

    for logical, props in of("AWS::IAM::OIDCProvider"):
        out.append(
            Resource(
                "cdk",
                "oidc-provider",
                props["Url"],
                {"clientIds": sorted(props.get("ClientIdList", []))},
                take(logical),
                ("AWS::IAM::OIDCProvider",),
            )
        )

    for logical, props in of("AWS::EC2::VPC"):
        out.append(
            Resource(
                "cdk",
                "vpc",
                "vpc",
                {"cidr": props["CidrBlock"], "dnsHostnames": props.get("EnableDnsHostnames")},
                take(logical),
                ("AWS::EC2::VPC",),
            )
        )
    for logical, props in of("AWS::EC2::Subnet"):
        tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        tier = "public" if tags.get("aws-cdk:subnet-type") == "Public" else "private"
        out.append(
            Resource(
                "cdk",
                "subnet",
                f"{tier}-{props['AvailabilityZone']}",
                {
                    "cidr": props["CidrBlock"],
                    "mapPublicIp": bool(props.get("MapPublicIpOnLaunch", False)),
                },
                take(logical),
                ("AWS::EC2::Subnet",),
            )
        )
    plumbing = [(typ, logical) for typ in NETWORK_PLUMBING_CFN for logical, _ in of(typ)]
    if plumbing:
        counts: dict[str, int] = defaultdict(int)
        for typ, _logical in plumbing:
            key = NETWORK_PLUMBING_CFN[typ]
            if key is not None:
                counts[key] += 1
        take(*(logical for _, logical in plumbing))
        out.append(
            _network(
                counts, [logical for _, logical in plumbing], [typ for typ, _ in plumbing], "cdk"
            )
        )

    group_names = {
        f"${{{logical}.GroupId}}": props.get("GroupName", logical)
        for logical, props in of("AWS::EC2::SecurityGroup")
    }
    standalone: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for typ, direction in (
        ("AWS::EC2::SecurityGroupIngress", "in"),
        ("AWS::EC2::SecurityGroupEgress", "out"),
    ):
        for logical, props in of(typ):
            standalone[str(props["GroupId"])].append((logical, direction, props))
    for logical, props in of("AWS::EC2::SecurityGroup"):
        rules = []
        for direction, key in (("in", "SecurityGroupIngress"), ("out", "SecurityGroupEgress")):
            for rule in props.get(key, []):
                if (
                    rule.get("Description") == "Disallow all traffic"
                    and rule.get("IpProtocol") == "icmp"
                ):
                    continue  # CDK's placeholder that means "no egress at all"
                peer = (
                    rule.get("CidrIp")
                    or rule.get("CidrIpv6")
                    or rule.get("SourceSecurityGroupId")
                    or rule.get("DestinationSecurityGroupId")
                )
                rules.append(_rule(direction, rule["IpProtocol"], rule.get("FromPort"), str(peer)))
        folded = []
        for rule_logical, direction, rule in standalone.get(f"${{{logical}.GroupId}}", []):
            folded.append(rule_logical)
            other = rule.get("SourceSecurityGroupId") or rule.get("DestinationSecurityGroupId")
            peer = (
                rule.get("CidrIp")
                or rule.get("CidrIpv6")
                or f"sg:{group_names.get(str(other), other)}"
            )
            rules.append(_rule(direction, rule["IpProtocol"], rule.get("FromPort"), peer))
        out.append(
            Resource(
                "cdk",
                "security-group",
                props.get("GroupName", logical),
                {"rules": sorted(rules)},
                take(logical, *folded),
                ("AWS::EC2::SecurityGroup",),
            )
        )

    for logical, props in of("AWS::ElasticLoadBalancingV2::LoadBalancer"):
        attributes = {a["Key"]: a["Value"] for a in props.get("LoadBalancerAttributes", [])}
        out.append(
            Resource(
                "cdk",
                "load-balancer",
                props.get("Name", logical),
                {
                    "scheme": props.get("Scheme"),
                    "type": props.get("Type"),
                    "dropInvalidHeaders": attributes.get(
                        "routing.http.drop_invalid_header_fields.enabled"
                    )
                    == "true",
                },
                take(logical),
                ("AWS::ElasticLoadBalancingV2::LoadBalancer",),
            )
        )
    for logical, props in of("AWS::ElasticLoadBalancingV2::TargetGroup"):
        attributes = {a["Key"]: a["Value"] for a in props.get("TargetGroupAttributes", [])}
        delay = attributes.get("deregistration_delay.timeout_seconds")
        out.append(
            Resource(
                "cdk",
                "target-group",
                props.get("Name", logical),
                {
                    "port": props.get("Port"),
                    "protocol": props.get("Protocol"),
                    "targetType": props.get("TargetType"),
                    "healthCheckPath": props.get("HealthCheckPath"),
                    "matcher": props.get("Matcher", {}).get("HttpCode"),
                    "deregistrationDelay": int(delay) if delay is not None else None,
                },
                take(logical),
                ("AWS::ElasticLoadBalancingV2::TargetGroup",),
            )
        )
    for logical, props in of("AWS::ElasticLoadBalancingV2::Listener"):
        certificates = props.get("Certificates", [])
        out.append(
            Resource(
                "cdk",
                "listener",
                str(props["Port"]),
                {
                    "protocol": props.get("Protocol"),
                    "action": props["DefaultActions"][0]["Type"],
                    "sslPolicy": props.get("SslPolicy"),
                    "certificate": certificates[0]["CertificateArn"] if certificates else None,
                },
                take(logical),
                ("AWS::ElasticLoadBalancingV2::Listener",),
            )
        )

    for logical, props in of("AWS::ECS::Cluster"):
        settings = {s["Name"]: s["Value"] for s in props.get("ClusterSettings", [])}
        out.append(
            Resource(
                "cdk",
                "ecs-cluster",
                props.get("ClusterName", logical),
                {"containerInsights": settings.get("containerInsights")},
                take(logical),
                ("AWS::ECS::Cluster",),
            )
        )
    for logical, props in of("AWS::ECS::TaskDefinition"):
        (container,) = props["ContainerDefinitions"]
        out.append(
            Resource(
                "cdk",
                "ecs-task-definition",
                props.get("Family", logical),
                _task_props(
                    cpu=props.get("Cpu"),
                    memory=props.get("Memory"),
                    network_mode=props.get("NetworkMode"),
                    compatibilities=props.get("RequiresCompatibilities"),
                    container=container,
                    execution_role=str(props.get("ExecutionRoleArn", "")).rsplit("/", 1)[-1],
                    task_role=str(props.get("TaskRoleArn", "")).rsplit("/", 1)[-1],
                ),
                take(logical),
                ("AWS::ECS::TaskDefinition",),
            )
        )
    for logical, props in of("AWS::ECS::Service"):
        deployment = props.get("DeploymentConfiguration", {})
        breaker = deployment.get("DeploymentCircuitBreaker", {})
        network = props.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
        (binding,) = props.get("LoadBalancers", [{}])
        out.append(
            Resource(
                "cdk",
                "ecs-service",
                props.get("ServiceName", logical),
                {
                    "desiredCount": props.get("DesiredCount"),
                    "launchType": props.get("LaunchType"),
                    "circuitBreaker": {
                        "enable": breaker.get("Enable"),
                        "rollback": breaker.get("Rollback"),
                    },
                    "minimumHealthyPercent": deployment.get("MinimumHealthyPercent"),
                    "maximumPercent": deployment.get("MaximumPercent"),
                    "assignPublicIp": network.get("AssignPublicIp") == "ENABLED",
                    "healthCheckGracePeriod": props.get("HealthCheckGracePeriodSeconds"),
                    "loadBalancerContainer": (
                        f"{binding.get('ContainerName')}:{binding.get('ContainerPort')}"
                    ),
                },
                take(logical),
                ("AWS::ECS::Service",),
            )
        )

    bucket_policies = {
        str(p.get("Bucket")): (logical, p) for logical, p in of("AWS::S3::BucketPolicy")
    }
    for logical, props in of("AWS::S3::Bucket"):
        name = props.get("BucketName", logical)
        policy_logical, policy = bucket_policies.get(name, (None, {}))
        sse = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [{}])[0]
        default = sse.get("ServerSideEncryptionByDefault", {})
        block = props.get("PublicAccessBlockConfiguration", {})
        rule = props.get("LifecycleConfiguration", {}).get("Rules", [{}])[0]
        ownership = props.get("OwnershipControls", {}).get("Rules", [{}])[0].get("ObjectOwnership")
        out.append(
            Resource(
                "cdk",
                "s3-bucket",
                name,
                _bucket_props(
                    sse_algorithm=default.get("SSEAlgorithm"),
                    kms_key=default.get("KMSMasterKeyID"),
                    bucket_key=sse.get("BucketKeyEnabled"),
                    public_access=[
                        block.get(k)
                        for k in (
                            "BlockPublicAcls",
                            "BlockPublicPolicy",
                            "IgnorePublicAcls",
                            "RestrictPublicBuckets",
                        )
                    ]
                    if block
                    else [],
                    ownership=ownership,
                    expiration_days=rule.get("ExpirationInDays"),
                    abort_days=rule.get("AbortIncompleteMultipartUpload", {}).get(
                        "DaysAfterInitiation"
                    ),
                    policy=policy.get("PolicyDocument"),
                ),
                take(logical, *([policy_logical] if policy_logical else [])),
                ("AWS::S3::Bucket",),
            )
        )

    for logical, props in of("AWS::CodeBuild::Project"):
        environment = props["Environment"]
        out.append(
            Resource(
                "cdk",
                "codebuild-project",
                props.get("Name", logical),
                _project_props(
                    image=environment.get("Image"),
                    compute=environment.get("ComputeType"),
                    privileged=environment.get("PrivilegedMode", False),
                    variables=[
                        (v["Name"], v.get("Type", "PLAINTEXT"), v["Value"])
                        for v in environment.get("EnvironmentVariables", [])
                    ],
                    buildspec=props.get("Source", {}).get("BuildSpec"),
                    timeout=props.get("TimeoutInMinutes"),
                    role=str(props.get("ServiceRole", "")).rsplit("/", 1)[-1],
                ),
                take(logical),
                ("AWS::CodeBuild::Project",),
            )
        )
    for logical, props in of("AWS::CodePipeline::Pipeline"):
        stages = [
            f"{s['Name']}: "
            + ", ".join(f"{a['Name']}({a['ActionTypeId']['Provider']})" for a in s["Actions"])
            for s in props["Stages"]
        ]
        source = props["Stages"][0]["Actions"][0].get("Configuration", {})
        out.append(
            Resource(
                "cdk",
                "codepipeline",
                props.get("Name", logical),
                {
                    "pipelineType": props.get("PipelineType"),
                    "executionMode": props.get("ExecutionMode"),
                    "stages": stages,
                    "repository": source.get("FullRepositoryId"),
                    "branch": source.get("BranchName"),
                    "connection": source.get("ConnectionArn"),
                },
                take(logical),
                ("AWS::CodePipeline::Pipeline",),
            )
        )

    for logical, resource in resources.items():
        if logical not in used:
            out.append(
                Resource(
                    "cdk",
                    "unmapped",
                    f"{resource['Type']} {logical}",
                    {},
                    (logical,),
                    (resource["Type"],),
                )
            )
    return out
