"""The container-delivery guardrails: one rule per module, registered here in one table."""

from __future__ import annotations

from pulumi_policy import Policy

from guardrails import (
    codedeploy_rollback,
    dynamodb_encryption,
    ecr_tag_immutability,
    function_url_auth,
    https_listeners,
    iam_boundary_only,
    iam_no_action_star,
    iam_no_write_on_any_resource,
    iam_permissions_boundary,
    image_pinned,
    image_registries,
    lambda_release_alias,
    log_group_kms,
    log_group_retention,
    project_tags,
    s3_public_access,
    s3_tls_only,
)

PACK_NAME = "container-delivery-guardrails"

POLICIES: list[Policy] = [
    ecr_tag_immutability.POLICY,
    image_pinned.POLICY,
    image_registries.POLICY,
    lambda_release_alias.POLICY,
    codedeploy_rollback.POLICY,
    log_group_retention.POLICY,
    log_group_kms.POLICY,
    dynamodb_encryption.POLICY,
    s3_public_access.POLICY,
    s3_tls_only.POLICY,
    https_listeners.POLICY,
    function_url_auth.POLICY,
    iam_no_action_star.POLICY,
    iam_no_write_on_any_resource.POLICY,
    iam_permissions_boundary.POLICY,
    iam_boundary_only.POLICY,
    project_tags.POLICY,
]
