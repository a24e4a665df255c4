"""IAM policy documents in resource props, and AWS's Service Authorization Reference.

The reference comes from parliament's copy (``iam_definition``): each action's access
level and the condition keys it supports, so "write" and "supports iam:PermissionsBoundary"
mean what AWS's documentation says, not a guess from the action's name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from parliament import expand_action, iam_definition

from guardrails._common import as_json, as_list

#: Access levels that change something (the Service Authorization Reference's wording).
WRITE_LEVELS = frozenset({"Write", "Permissions management", "Tagging"})

#: Resource types whose `policy` is an identity policy (the principal is who holds it).
IDENTITY_POLICY_TYPES = (
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)
ROLE = "aws:iam/role:Role"
#: The tag that marks a managed policy as a permissions boundary: a ceiling of the roles
#: that carry it, which grants nothing itself. The grant rules skip it;
#: ``iam-boundary-only`` checks that it is only ever used as a boundary.
BOUNDARY_TAG = ("purpose", "permissions-boundary")
POLICY = "aws:iam/policy:Policy"
#: Resource types whose `policy` is not an IAM document at all.
NOT_IAM = ("aws:ecr/lifecyclePolicy:LifecyclePolicy",)


@dataclass(frozen=True)
class Document:
    """One policy document of a resource: where it is, whether it is an identity policy."""

    where: str
    identity: bool
    body: Any
    boundary: bool = False
    """A permissions boundary's document: it caps, it does not grant."""


def is_boundary(resource_type: str, props: Mapping[str, Any]) -> bool:
    """A managed policy tagged as a permissions boundary (``BOUNDARY_TAG``)."""
    tags = props.get("tags") or {}
    key, value = BOUNDARY_TAG
    return resource_type == POLICY and isinstance(tags, Mapping) and tags.get(key) == value


def documents(resource_type: str, props: Mapping[str, Any]) -> Iterator[Document]:
    """Identity policies (a role's inline policies too), resource policies (bucket, key,
    repository, ...) and trust policies; a resource policy's Resource is implied."""
    if resource_type in NOT_IAM:
        return
    if "policy" in props:
        body = as_json(props.get("policy"))
        if isinstance(body, Mapping) and "Statement" in body:
            yield Document(
                "policy",
                resource_type in IDENTITY_POLICY_TYPES,
                body,
                boundary=is_boundary(resource_type, props),
            )
    if resource_type == ROLE:
        for index, inline in enumerate(as_list(props.get("inlinePolicies"))):
            if inline.get("policy"):
                yield Document(f"inlinePolicies[{index}]", True, as_json(inline.get("policy")))
        if "assumeRolePolicy" in props:
            yield Document("assumeRolePolicy", False, as_json(props.get("assumeRolePolicy")))


def statements(document: Any) -> list[Mapping[str, Any]]:
    """A document's statements (``Statement`` may be one object or a list)."""
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def label(statement: Mapping[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return f"statement {sid!r}" if sid else f"statement #{index + 1}"


@functools.cache
def _levels() -> dict[str, tuple[str, str]]:
    """``service:action`` in lower case -> (AWS's spelling, access level), for every action."""
    return {
        f"{service['prefix']}:{privilege['privilege']}".lower(): (
            f"{service['prefix']}:{privilege['privilege']}",
            privilege["access_level"],
        )
        for service in iam_definition
        for privilege in service["privileges"]
    }


@functools.cache
def expand(action: str) -> tuple[str, ...]:
    """The actions a pattern (``s3:Put*``, ``iam:*``) stands for, spelt as AWS does; ``*``
    stands for all; an action AWS does not list stands for itself."""
    if action == "*":
        return tuple(name for name, _ in _levels().values())
    if action.count(":") != 1:
        return (action,)  # not an action at all; IAM would refuse the document
    found = expand_action(action, raise_exceptions=False)
    names = tuple(f"{a['service']}:{a['action']}" for a in found)
    return names or (action,)


def access_level(action: str) -> str | None:
    """AWS's access level of one action; None for an action AWS does not list."""
    entry = _levels().get(action.lower())
    return entry[1] if entry else None


@functools.cache
def supporting_condition_key(key: str) -> frozenset[str]:
    """The actions (lower case) for which AWS documents the condition key ``key``."""
    found = set()
    for service in iam_definition:
        for privilege in service["privileges"]:
            for resource_type in privilege["resource_types"]:
                if key in resource_type.get("condition_keys", []):
                    found.add(f"{service['prefix']}:{privilege['privilege']}".lower())
    return frozenset(found)


def allowed_actions(statement: Mapping[str, Any]) -> set[str]:
    """What an Allow statement grants; NotAction grants all but those."""
    if statement.get("Effect") != "Allow":
        return set()
    if "NotAction" in statement:
        excluded = {
            a.lower()
            for pattern in as_list(statement.get("NotAction"))
            for a in expand(str(pattern))
        }
        return {a for a in expand("*") if a.lower() not in excluded}
    return {a for pattern in as_list(statement.get("Action")) for a in expand(str(pattern))}
