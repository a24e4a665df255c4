"""Evaluate identity policies as IAM does, for the tests that ask "may this role make this call?".

The rules are those of AWS's "Policy evaluation logic" (IAM User Guide) for one account:
an explicit ``Deny`` in any policy wins; otherwise the request needs an ``Allow`` in an
identity policy and, when the role has a permissions boundary, an ``Allow`` in the
boundary too. Within a statement: ``Action``/``NotAction`` (case-insensitive, ``*`` and
``?`` wildcards), ``Resource``/``NotResource`` (case-sensitive, same wildcards), and the
condition operators this project's policies use, read as "IAM JSON policy elements:
Condition operators" defines them (a key missing from the request fails a positive
operator and satisfies a negated one; ``...IfExists`` is satisfied by a missing key).

No maintained library does this on Python 3.11: moto's ``access_control`` treats an
``Allow`` whose condition fails as a ``Deny`` and knows no ``NotResource``, and
principalmapper (and its fork) import ``collections.Mapping``, removed in Python 3.10.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Document = Mapping[str, Any]
Context = Mapping[str, str | Sequence[str]]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _glob(pattern: str, value: str, *, case: bool) -> bool:
    # fnmatch's '[' is a character class; IAM has none, so escape it.
    regex = fnmatch.translate(pattern.replace("[", "[[]"))
    return re.match(regex, value, 0 if case else re.IGNORECASE) is not None


def _matches(statement: Mapping[str, Any], key: str, value: str, *, case: bool) -> bool:
    """Whether the statement's ``key`` (or its ``Not`` form) covers ``value``."""
    if key in statement:
        return any(_glob(str(p), value, case=case) for p in _as_list(statement[key]))
    negated = f"Not{key}"
    if negated in statement:
        return not any(_glob(str(p), value, case=case) for p in _as_list(statement[negated]))
    return False


def _operator_holds(operator: str, wanted: list[str], actual: list[str] | None) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    for_any = base.startswith("ForAnyValue:")
    for_all = base.startswith("ForAllValues:")
    base = base.split(":", 1)[-1]
    if actual is None:
        if if_exists or for_all:
            return True
        return base.startswith(("StringNot", "ArnNot")) or (base == "Null" and wanted == ["true"])
    if base == "Null":
        return wanted == ["false"]
    negated = base.startswith(("StringNot", "ArnNot"))
    like = base.endswith("Like")
    case = not base.startswith("StringEqualsIgnoreCase")

    def one(value: str) -> bool:
        if like:
            return any(_glob(w, value, case=True) for w in wanted)
        if case:
            return value in wanted
        return value.lower() in {w.lower() for w in wanted}

    hits = [one(v) for v in actual]
    if for_all:
        result = all(hits)
    elif for_any:
        result = any(hits)
    else:
        result = any(hits)
    return not result if negated else result


def _conditions_hold(statement: Mapping[str, Any], context: Context) -> bool:
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, wanted in keys.items():
            raw = _context_value(context, key)
            actual = None if raw is None else [str(v) for v in _as_list(raw)]
            if not _operator_holds(operator, [str(w) for w in _as_list(wanted)], actual):
                return False
    return True


def _context_value(context: Context, key: str) -> Any:
    # Condition keys are case-insensitive.
    for name, value in context.items():
        if name.lower() == key.lower():
            return value
    return None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


@dataclass
class Principal:
    """A role's identity policies and its permissions boundary, as IAM sees them."""

    name: str
    policies: list[Document] = field(default_factory=list)
    boundary: Document | None = None

    def decide(self, action: str, resource: str, context: Context | None = None) -> Decision:
        request = dict(context or {})
        denied = _first(self.policies, "Deny", action, resource, request)
        if denied is None and self.boundary is not None:
            denied = _first([self.boundary], "Deny", action, resource, request)
        if denied is not None:
            return Decision(False, f"explicitly denied by {denied}")
        allowed = _first(self.policies, "Allow", action, resource, request)
        if allowed is None:
            return Decision(False, "no identity policy allows it")
        if (
            self.boundary is not None
            and _first([self.boundary], "Allow", action, resource, request) is None
        ):
            return Decision(False, "the permissions boundary does not allow it")
        return Decision(True, f"allowed by {allowed}")

    def allows(self, action: str, resource: str, context: Context | None = None) -> bool:
        return self.decide(action, resource, context).allowed


def _first(
    documents: Iterable[Document], effect: str, action: str, resource: str, context: Context
) -> str | None:
    """The Sid (or index) of the first statement with ``effect`` that applies, if any."""
    for document in documents:
        for index, statement in enumerate(_as_list(document.get("Statement", []))):
            if statement.get("Effect") != effect:
                continue
            if not _matches(statement, "Action", action, case=False):
                continue
            if not _matches(statement, "Resource", resource, case=True):
                continue
            if _conditions_hold(statement, context):
                return str(statement.get("Sid") or f"statement {index}")
    return None


def load(document: str | Document) -> Document:
    return json.loads(document) if isinstance(document, str) else document


def resource_policy_allows(
    document: Document,
    action: str,
    *,
    principal: str,
    service: bool = False,
    context: Context | None = None,
) -> bool:
    """Whether a resource-based policy (a repository policy, a role's trust) lets
    ``principal`` make ``action`` on its resource.

    ``principal`` is a role ARN (an ``AWS`` principal: the statement names it, or its
    account as ``arn:<partition>:iam::<account>:root``, which IAM reads as any principal of
    that account), or with ``service`` a service principal such as
    ``lambda.amazonaws.com``. The request carries ``aws:PrincipalArn`` and
    ``aws:PrincipalAccount`` for a role, plus ``context``. Cross-account, the caller's own
    policies must allow the call too (``Principal.decide``); this checks the resource side.
    """
    request: dict[str, str | Sequence[str]] = dict(context or {})
    if not service:
        partition, account = principal.split(":")[1], principal.split(":")[4]
        request.setdefault("aws:PrincipalArn", principal)
        request.setdefault("aws:PrincipalAccount", account)
        names = {principal, f"arn:{partition}:iam::{account}:root", account}
    decisions = []
    for statement in _as_list(document.get("Statement", [])):
        named = statement.get("Principal", {})
        if service:
            listed = {str(p) for p in _as_list(named.get("Service", []))} if named != "*" else set()
            applies = principal in listed
        else:
            listed = {str(p) for p in _as_list(named.get("AWS", []))} if named != "*" else {"*"}
            applies = bool(listed & names) or "*" in listed
        if not applies or not _matches(statement, "Action", action, case=False):
            continue
        if _conditions_hold(statement, request):
            decisions.append(statement.get("Effect"))
    return "Allow" in decisions and "Deny" not in decisions
