"""Classify the errors the Pulumi engine returns from failed invokes.

A failed invoke surfaces in the Python SDK as a plain ``Exception`` whose text is
``invoke of <token> failed: <details>`` (``pulumi/runtime/invoke.py``); there is no
error class or code to match on, so this is the one place that matches text.
When a provider release changes its wording, the fix is one entry in
``NOT_FOUND_MARKERS`` plus a test in ``tests/infra/test_engine_errors.py``.
"""

from __future__ import annotations

import re

#: Texts that mean "the thing you asked for does not exist". Each invoke's exact text is
#: in the provider truth table (``infra_pulumi/plan/provider_facts.py``), which
#: ``tests/infra/plan/test_provider_facts.py`` checks against these.
#: - ``couldn't find resource``: terraform-provider-aws's ``retry.NotFoundError`` text
#:   (``internal/retry/error.go``), as most data sources report it, e.g.
#:   ``reading SSM Parameter (/x/y): couldn't find resource``.
#: - ``ParameterNotFound``: the SSM error code older provider versions surfaced.
#: - ``ResourceNotFoundException``: Lambda's code for a missing function; the function
#:   data source passes ListVersionsByFunction's error on unmapped, so an unqualified
#:   read of a missing function still says it today.
#: - ``ClusterNotFoundException``: the ECS error code older versions surfaced for a
#:   missing cluster.
NOT_FOUND_MARKERS: tuple[str, ...] = (
    "couldn't find resource",
    "ParameterNotFound",
    "ResourceNotFoundException",
    "ClusterNotFoundException",
)

#: Singular data sources built on ``tfresource.SingularDataSourceFindError`` report a
#: missing resource as ``no matching <Type> found`` (``internal/tfresource/errors.go``),
#: e.g. ``no matching ECS Service found`` (a missing service or cluster). Its sibling,
#: ``multiple <Type>s matched; ...``, is not "not found", and neither is anything else.
_NO_MATCHING = re.compile(r"(?:^|\* |: )no matching [A-Za-z0-9 ]+ found(?:$|\s)", re.MULTILINE)

_INVOKE_PREFIX = "invoke of "


def is_invoke_error(exc: BaseException) -> bool:
    """True if ``exc`` is the engine's report of a failed invoke."""
    return str(exc).startswith(_INVOKE_PREFIX) and " failed: " in str(exc)


def is_not_found(exc: BaseException) -> bool:
    """True only if ``exc`` is a failed invoke that says the resource does not exist.

    Anything else (access denied, throttling, a network or region error, a bug in
    the program) is not "not found" and must not be treated as such.
    """
    if not is_invoke_error(exc):
        return False
    text = str(exc)
    return any(marker in text for marker in NOT_FOUND_MARKERS) or bool(_NO_MATCHING.search(text))


#: ``aws.elb.get_service_account`` in a Region without an ELB account (those available
#: from August 2022 on): terraform-provider-aws's
#: ``internal/service/elb/service_account_data_source.go`` says so in these words.
_UNSUPPORTED_ELB_REGION = "unsupported ELB Service Account Region ("


def is_unsupported_elb_region(exc: BaseException) -> bool:
    """True only if ``exc`` is the ELB service-account lookup saying the Region has none."""
    return is_invoke_error(exc) and _UNSUPPORTED_ELB_REGION in str(exc)


def describe(exc: BaseException) -> str:
    """The useful part of an invoke error: the provider's text without the engine's prefixes."""
    text = str(exc).strip()
    if is_invoke_error(exc):
        text = text.split(" failed: ", 1)[1]
    # The bridge wraps provider diagnostics as "1 error occurred:\n\t* <text>".
    if "error occurred:" in text:
        text = text.split("error occurred:", 1)[1]
    return " ".join(line.strip(" \t*") for line in text.splitlines() if line.strip(" \t*"))
