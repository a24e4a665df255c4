"""Vocabulary several kinds share: policy statements, image references, JSON values."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def statements(document: Any) -> list[dict[str, Any]]:
    """The statements of a policy document (JSON text or a dict); none for None."""
    if document is None:
        return []
    parsed = json.loads(document) if isinstance(document, str) else document
    found = parsed.get("Statement", [])
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _condition(condition: Any, name: Callable[[str], str]) -> str:
    """``StringEquals iam:PassedToService=a|b; ...``, keys and values sorted."""
    if not isinstance(condition, Mapping):
        return ""
    parts = []
    for operator, tests in sorted(condition.items()):
        for key, values in sorted(tests.items()):
            shown = "|".join(sorted(name(str(v)) for v in as_list(values)))
            parts.append(f"{operator} {key}={shown}")
    return "; ".join(parts)


def grants(documents: Iterable[Any], name: Callable[[str], str] = str) -> list[str]:
    """Every (action, resource) pair the documents allow or deny, one line each.

    ``ssm:GetParameter on [ssm-parameter /p/s/images/web/tag]``, with `` if <condition>``
    when the statement has one and a ``deny`` prefix for a Deny. ``name`` turns a
    resource ARN into the name of the entry it belongs to, so both sides read alike.
    Statements are flattened: how the actions were grouped into statements does not
    matter, only what is granted.
    """
    found: set[str] = set()
    for document in documents:
        for statement in statements(document):
            effect = "deny " if statement.get("Effect") == "Deny" else ""
            negate_action = "NotAction" in statement
            negate_resource = "NotResource" in statement
            actions = as_list(statement.get("NotAction" if negate_action else "Action"))
            resources = as_list(statement.get("NotResource" if negate_resource else "Resource"))
            condition = _condition(statement.get("Condition"), name)
            for action in actions:
                for resource in resources or ["*"]:
                    line = (
                        f"{effect}{'not ' if negate_action else ''}{action} on "
                        f"{'not ' if negate_resource else ''}{name(str(resource))}"
                    )
                    found.add(f"{line} if {condition}" if condition else line)
    return sorted(found)


#: The condition operators that require a key to match the values given; a negated one
#: (``StringNotEquals``, ``ArnNotLike``...) names who is excluded, not who is meant.
_MATCHING = ("StringEquals", "ArnEquals", "StringLike", "ArnLike")


def condition_values(condition: Any, key: str) -> list[str]:
    """The values a statement's matching operators require of one condition key, sorted
    (IAM compares condition keys without regard to case)."""
    if not isinstance(condition, Mapping):
        return []
    return sorted(
        str(value)
        for operator in _MATCHING
        for name, values in condition.get(operator, {}).items()
        if name.lower() == key.lower()
        for value in as_list(values)
    )


def principals(document: Any) -> list[str]:
    """Who a trust policy lets assume the role. An ``AWS`` principal reads
    ``aws-principal`` (CDK's action roles are trusted by the pipeline's), and, when the
    statement names exact roles in an ``aws:PrincipalArn`` condition (a role another
    stack's promote build assumes), ``aws-principal as <role ARNs>``."""
    found: set[str] = set()
    for statement in statements(document):
        principal = statement.get("Principal", {})
        roles = condition_values(statement.get("Condition"), "aws:PrincipalArn")
        if isinstance(principal, Mapping):
            for kind, value in principal.items():
                for item in as_list(value):
                    text = str(item)
                    if kind == "Federated":
                        text = text.rsplit("/", 1)[-1]  # the provider's host
                    elif kind == "AWS":
                        text = "aws-principal"  # CDK action roles: trusted by the pipeline role
                        if roles:
                            text += f" as {', '.join(roles)}"
                    found.add(f"{kind}:{text}")
    return sorted(found)


_IMAGE = re.compile(r"^(?P<registry>[^/]+)/(?P<repository>[^:@]+)(?:[:@](?P<tag>.+))?$")


def _image_part(image: str | None, part: str) -> str | None:
    """``repository`` or ``tag`` of ``<registry>/<repository>:<tag>``.

    The tag may be a ``{{ssm:/path}}`` placeholder (deploy-time mode), which holds
    slashes and colons of its own. A digest reference (``<repository>@sha256:<hex>``)
    has no tag: its ``tag`` is the pin, as ``digest_pin`` writes it.
    """
    if not image:
        return None
    match = _IMAGE.match(image)
    if match is None:
        return None
    if part == "tag" and "@" in image.split("/", 1)[1].split("{{", 1)[0]:
        return digest_pin(image.rsplit("@", 1)[1])
    return match.group(part)


def digest_pin(digest: str) -> str:
    """``@sha256:… (digest pin)``: an image pinned by digest, in place of its tag.

    The digest's value is left out: it is the image's build (the offline plan's is made
    up from the build context's path), while the comparison is about how each side names
    the image: by a tag, or by the digest of what was pushed.
    """
    algorithm = digest.split(":", 1)[0]
    return f"@{algorithm}:… (digest pin)"


def image_tag(image: str | None) -> str | None:
    """The tag of an image reference, or its digest pin (``digest_pin``)."""
    return _image_part(image, "tag")


def image_repository(image: str | None) -> str | None:
    return _image_part(image, "repository")


def json_or_value(value: Any) -> Any:
    """A JSON object given as text (the manifest) parsed; anything else as it is."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def function_and_qualifier(reference: str) -> tuple[str, str | None]:
    """``(name, alias or version)`` of a function named by name, partial or full ARN.

    ``arn:aws:lambda:r:a:function:f:live`` -> ``("f", "live")``; ``f`` -> ``("f", None)``.
    Text that names no function comes back whole, so a wrong reference stays visible.
    """
    _, found, rest = reference.partition(":function:")
    if not found:
        if reference.startswith("arn:"):
            return reference, None
        rest = reference
    name, _, qualifier = rest.partition(":")
    return name, qualifier or None


#: CloudFormation deletion policies that leave the resource when the stack deletes it.
RETAINING = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})


def on_delete(*, protected: bool, retained: bool, emptied: bool, holds_data: bool) -> str:
    """What deleting the stack does to a resource, in words both tools share.

    ``protected``: Pulumi's ``protect`` (destroy and replacement refuse); ``retained``:
    Pulumi's ``retain_on_delete`` or a CloudFormation ``DeletionPolicy`` that keeps it;
    ``emptied``: its contents are deleted first (ECR force delete / EmptyOnDelete, S3
    force destroy / CDK's auto-delete objects); ``holds_data``: a repository or bucket,
    whose deletion otherwise fails while it holds anything.
    """
    if protected:
        return "protected"
    if retained:
        return "retained"
    if emptied:
        return "emptied and deleted"
    return "deleted only when empty" if holds_data else "deleted"
