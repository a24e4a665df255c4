"""Names the manifest carries, checked by AWS's own rules: SSM parameters, Lambda functions,
DynamoDB tables."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(pattern=r"^\S+$")]
"""A non-empty name without whitespace: AWS names, tags and URLs have none."""

ParameterName = Annotated[str, msgspec.Meta(pattern=r"^/\S+$")]
"""An SSM parameter name in a hierarchy; ``ssm_name_problem`` checks the rest."""

_SSM_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9_.\-/]+")
_SSM_NAME_MAX_LENGTH = 1011
_SSM_MAX_DEPTH = 15


def ssm_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid SSM parameter name, or None if it is.

    The rules of PutParameter's ``Name`` (AWS API reference): only ``a-zA-Z0-9_.-``
    and ``/``, a leading ``/`` in a hierarchy, at most 15 levels, not prefixed with
    ``aws`` or ``ssm`` (any case), and at most 1011 characters.
    """
    if not name or len(name) > _SSM_NAME_MAX_LENGTH:
        return f"must be 1 to {_SSM_NAME_MAX_LENGTH} characters"
    if not _SSM_NAME_CHARACTERS.fullmatch(name):
        return "may only contain a-z, A-Z, 0-9, _ . - and /"
    if "/" in name and (not name.startswith("/") or "//" in name or name.endswith("/")):
        return "must be a path like /a/b: a leading /, no empty or trailing level"
    if name.count("/") > _SSM_MAX_DEPTH:
        return f"is deeper than {_SSM_MAX_DEPTH} levels"
    if name.lstrip("/").lower().startswith(("aws", "ssm")):
        return 'must not start with "aws" or "ssm"'
    return None


_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")


def table_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid DynamoDB table name, or None if it is.

    DynamoDB Developer Guide, "Supported data types and naming rules in Amazon
    DynamoDB" (Naming rules): 3 to 255 characters of ``a-z``, ``A-Z``, ``0-9``, ``_``,
    ``-`` and ``.``, case-sensitive.
    """
    if _TABLE_NAME.fullmatch(name):
        return None
    if not 3 <= len(name) <= 255:
        return f"must be 3 to 255 characters (it has {len(name)})"
    return "may only contain a-z, A-Z, 0-9, _ - and . (DynamoDB's table name rules)"


_FUNCTION_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?(?:-iso[a-z]?)?-[a-z]+-\d):(\d{12}):function:"
    r"([A-Za-z0-9_-]{1,64})$"
)


def function_arn_parts(entry: str) -> tuple[str, str] | None:
    """``(region, account)`` of a function given by ARN; None for a plain name."""
    found = _FUNCTION_ARN.match(entry)
    return (found[1], found[2]) if found else None


def bare_function_name(entry: str) -> str:
    """The function's name, whether ``entry`` is a name or an ARN."""
    found = _FUNCTION_ARN.match(entry)
    return found[3] if found else entry


# <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<name>: ECR's registry host (ECR User
# Guide, "Private registry concepts"); a repository name may contain slashes.
_REPOSITORY_URL = re.compile(
    r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9][a-z0-9._/-]*)$"
)


def repository_url_parts(url: str) -> tuple[str, str, str] | None:
    """``(account, region, repository name)`` of an ECR repository URL, else None."""
    found = _REPOSITORY_URL.match(url)
    return (found[1], found[2], found[3]) if found else None
