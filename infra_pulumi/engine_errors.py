"""Classify the errors the Pulumi engine returns from failed invokes.

A failed invoke surfaces in the Python SDK as a plain ``Exception`` whose text is
``invoke of <token> failed: <details>`` (``pulumi/runtime/invoke.py``); there is no
error class or code to match on, so this is the one place that matches text.
When a provider release changes its wording, the fix is one entry in
``NOT_FOUND_MARKERS`` plus a test in ``tests/infra/test_engine_errors.py``.
"""

from __future__ import annotations

#: Texts that mean "the thing you asked for does not exist".
#: - ``couldn't find resource``: current terraform-provider-aws (its
#:   ``retry.NotFoundError`` text), as bridged by pulumi-aws, e.g.
#:   ``reading SSM Parameter (/x/y): couldn't find resource``.
#: - ``ParameterNotFound``: the SSM error code older provider versions surfaced.
#: - ``ResourceNotFoundException``: the Lambda error code older versions surfaced
#:   for a missing function.
#: - ``ClusterNotFoundException``: the ECS error code for a missing cluster, which is
#:   what a service lookup meets on the first deploy.
NOT_FOUND_MARKERS: tuple[str, ...] = (
    "couldn't find resource",
    "ParameterNotFound",
    "ResourceNotFoundException",
    "ClusterNotFoundException",
)

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
    return any(marker in text for marker in NOT_FOUND_MARKERS)


def describe(exc: BaseException) -> str:
    """The useful part of an invoke error: the provider's text without the engine's prefixes."""
    text = str(exc).strip()
    if is_invoke_error(exc):
        text = text.split(" failed: ", 1)[1]
    # The bridge wraps provider diagnostics as "1 error occurred:\n\t* <text>".
    if "error occurred:" in text:
        text = text.split("error occurred:", 1)[1]
    return " ".join(line.strip(" \t*") for line in text.splitlines() if line.strip(" \t*"))
