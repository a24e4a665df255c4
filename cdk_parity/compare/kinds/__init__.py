"""The kinds the comparison knows, each one unit holding both sides' rules.

To compare a new kind of resource, write a ``Kind`` with ``from_pulumi`` and
``from_cfn`` next to each other and add it to ``KINDS``. Order matters only where
one kind folds another's resources in: a kind takes what it folds before the
catch-all ``unmapped`` entries are made.
"""

from __future__ import annotations

from cdk_parity.compare.kinds.alarms import MetricAlarm
from cdk_parity.compare.kinds.aliases import LambdaAlias
from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.codedeploy import CodeDeployApplication, DeploymentGroup
from cdk_parity.compare.kinds.dynamodb import DynamoDbTable
from cdk_parity.compare.kinds.ecr import EcrRepository, PlaceholderImage
from cdk_parity.compare.kinds.ecs import EcsCluster, EcsService, EcsTaskDefinition
from cdk_parity.compare.kinds.flow_logs import FlowLog
from cdk_parity.compare.kinds.functions import LambdaFunction
from cdk_parity.compare.kinds.iam import IamRole, OidcProvider
from cdk_parity.compare.kinds.kms import KmsKey
from cdk_parity.compare.kinds.load_balancing import Listener, LoadBalancer, TargetGroup
from cdk_parity.compare.kinds.logs import LogGroup
from cdk_parity.compare.kinds.managed_policy import ManagedPolicy
from cdk_parity.compare.kinds.network import NetworkPlumbing, SecurityGroup, Subnet, Vpc
from cdk_parity.compare.kinds.pipelines import CodeBuildProject, CodePipeline
from cdk_parity.compare.kinds.s3 import S3Bucket
from cdk_parity.compare.kinds.ssm import SsmParameter
from cdk_parity.compare.kinds.triggers import FunctionUrl, LambdaPermission, Schedule

KINDS: tuple[Kind, ...] = (
    KmsKey(),
    EcrRepository(),
    PlaceholderImage(),
    SsmParameter(),
    DynamoDbTable(),
    LogGroup(),
    LambdaFunction(),
    LambdaAlias(),
    MetricAlarm(),
    CodeDeployApplication(),
    DeploymentGroup(),
    Schedule(),
    FunctionUrl(),
    LambdaPermission(),
    ManagedPolicy(),
    IamRole(),
    OidcProvider(),
    Vpc(),
    Subnet(),
    NetworkPlumbing(),
    SecurityGroup(),
    FlowLog(),
    LoadBalancer(),
    TargetGroup(),
    Listener(),
    EcsCluster(),
    EcsTaskDefinition(),
    EcsService(),
    S3Bucket(),
    CodeBuildProject(),
    CodePipeline(),
)

__all__ = ["KINDS", "CfnSide", "Kind", "PulumiSide"]
