"""AWS's documented limits on values the program derives from stack config, checked at the
boundary (``stack_config``) so a config that AWS would refuse fails before any resource."""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Most functions a stack may list. Each function adds its ARNs to the infra deploy role's
#: inline policy (release and CodeDeploy statements name every function exactly) and an
#: entry to the deploy-manifest parameter. At 10 functions with the longest names the
#: config allows and every optional feature on, a promoted stage measures (by
#: tests/infra/test_service_limits.py) 10,166 of IAM's 10,240 characters of inline policy
#: on its deploy role and 4,073 of the 4,096 an SSM Standard parameter holds; an 11th such
#: function exceeds both (10,546 and 4,299). The deploy role's grant of the release lock
#: table names no lock keys (``infra_release_statements`` says why): with them, a tenth
#: function would not fit.
#: Sources: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (role
#: policy size, whitespace not counted) and
#: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
#: (``Value``: Standard parameters have a value limit of 4 KB).
MAX_FUNCTIONS = 10

#: Most promoted stages a build stage may serve. Each adds its account and role ARN to the
#: promotion reader role's trust policy (IAM: 2,048 characters, whitespace not counted,
#: same quota page) and a statement to each repository's policy (ECR ``SetRepositoryPolicy``
#: ``policyText``: at most 10,240 characters,
#: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SetRepositoryPolicy.html).
#: At 16 stages with the longest stack names and 10 functions the trust policy measures
#: 1,917 and the Lambda repository's policy 9,744 (tests/infra/test_service_limits.py).
MAX_PROMOTED_STAGES = 16

#: Lambda's ``Environment.Variables`` key pattern
#: (https://docs.aws.amazon.com/lambda/latest/dg/API_Environment.html).
LAMBDA_ENV_KEY = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")

#: "The total size of all environment variables doesn't exceed 4 KB" (keys and values),
#: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html and the Lambda
#: quotas page, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html.
LAMBDA_ENV_MAX_BYTES = 4096

#: Keys the Lambda runtime sets and a function's configuration may not ("Defined runtime
#: environment variables", the reserved ones, in
#: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). ``_HANDLER``
#: and ``_X_AMZN_TRACE_ID`` are refused by the key pattern already. ``TZ`` is left out:
#: whether Lambda still refuses it could not be confirmed from its documentation here.
LAMBDA_RESERVED_ENV_KEYS = frozenset(
    {
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_RUNTIME_DIR",
        "LAMBDA_TASK_ROOT",
    }
)


def lambda_environment_problems(variables: Mapping[str, str]) -> list[str]:
    """Why Lambda would refuse these environment variables (empty when it accepts them)."""
    problems: list[str] = []
    bad = sorted(key for key in variables if not LAMBDA_ENV_KEY.fullmatch(key))
    if bad:
        problems.append(
            f"keys {bad} do not match Lambda's key pattern [a-zA-Z]([a-zA-Z0-9_])+ "
            "(a letter, then at least one letter, digit or underscore)"
        )
    reserved = sorted(key for key in variables if key in LAMBDA_RESERVED_ENV_KEYS)
    if reserved:
        problems.append(f"keys {reserved} are reserved: the Lambda runtime sets them")
    size = sum(len(k.encode()) + len(v.encode()) for k, v in variables.items())
    if size > LAMBDA_ENV_MAX_BYTES:
        problems.append(
            f"keys and values total {size:,} bytes; Lambda allows {LAMBDA_ENV_MAX_BYTES:,} "
            "per function (keep large settings in SSM or S3 and pass their names)"
        )
    return problems


def too_many(count: int, limit: int, why: str) -> str | None:
    """A message when a list holds more entries than the stack can carry, else None."""
    if count <= limit:
        return None
    return f"{count} entries; at most {limit} are supported: {why}"


#: Tag limits common to AWS services ("Tag naming limits and requirements", e.g.
#: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html): 50 user tags
#: per resource, keys of 1 to 128 and values of up to 256 Unicode characters, letters,
#: digits, spaces and ``+ - = . _ : / @``, and no ``aws:`` prefix (any case) on either.
MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
TAG_SYMBOLS = frozenset(" +-=._:/@")

#: Tags the program itself puts on one resource beside the provider's defaultTags (a
#: network resource's ``Name``, the boundary policy's ``purpose``).
OWN_TAGS_PER_RESOURCE = 1


def _tag_text_problem(what: str, text: str) -> str | None:
    if text.lower().startswith("aws:"):
        return f"{what} {text!r} starts with aws:, which AWS reserves for its own tags"
    odd = sorted({c for c in text if not (c.isalnum() or c in TAG_SYMBOLS)})
    if odd:
        return (
            f"{what} {text!r} has {''.join(odd)!r}; tags allow letters, digits, spaces "
            "and + - = . _ : / @"
        )
    return None


def default_tags_problems(tags: object) -> list[str]:
    """Why AWS would refuse the provider's ``aws:defaultTags`` ``tags`` on some resource."""
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        return [f"tags must map names to strings, got {tags!r}"]
    problems: list[str] = []
    most = MAX_TAGS - OWN_TAGS_PER_RESOURCE
    if len(tags) > most:
        problems.append(
            f"{len(tags)} tags; at most {most} fit beside the {OWN_TAGS_PER_RESOURCE} the "
            f"program adds to some resources (AWS: {MAX_TAGS} per resource)"
        )
    for key, value in sorted(tags.items()):
        if not 1 <= len(key) <= MAX_TAG_KEY:
            problems.append(f"key {key[:20]!r}… is {len(key)} characters; 1 to {MAX_TAG_KEY}")
        if len(value) > MAX_TAG_VALUE:
            problems.append(f"value of {key!r} is {len(value)} characters; at most {MAX_TAG_VALUE}")
        problems.extend(
            p for p in (_tag_text_problem("key", key), _tag_text_problem("value", value)) if p
        )
    return problems
