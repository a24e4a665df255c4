"""Two AWS behaviours moto 5 leaves out, added so tests meet AWS's rules, not moto's.

* **Lambda ``RevisionId``.** AWS returns a ``RevisionId`` with every function
  configuration; it changes whenever the code or configuration changes, and
  ``UpdateFunctionCode`` / ``UpdateFunctionConfiguration`` with a ``RevisionId`` that is
  no longer current fail with ``PreconditionFailedException`` ("The RevisionId provided
  does not match the latest RevisionId for the Lambda function or alias", HTTP 412;
  Lambda API reference). moto 5.2 returns none for functions and ignores the
  parameter ("The RevisionId parameter is not yet implemented").
* **Guarded ``PublishVersion``.** With ``RevisionId`` or ``CodeSha256``, AWS publishes
  only if ``$LATEST`` still has them (``PreconditionFailedException`` for a revision,
  ``InvalidParameterValueException`` for the code; Lambda API reference,
  PublishVersion); moto 5.2 ignores both.
* **Atomic SSM writes.** ``PutParameter`` with ``Overwrite=False`` is an atomic create
  in SSM. moto checks for an existing parameter and appends the new one in separate
  Python steps, so two server threads can both "create" it; the lock tests need the
  real guarantee, so writes to one backend are serialised.

``install`` patches moto's classes (for ``mock_aws`` and ``ThreadedMotoServer`` alike,
in this process). The benchmark uses it too, so it measures the guarded requests.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from moto.awslambda.exceptions import InvalidParameterValueException, PreconditionFailedException
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.responses import LambdaResponse
from moto.ssm.models import SimpleSystemManagerBackend

_lock = threading.RLock()


def _revision(fn: Any) -> str:
    revision = fn.__dict__.get("_emulated_revision_id")
    if revision is None:
        revision = fn.__dict__["_emulated_revision_id"] = str(uuid.uuid4())
    return str(revision)


def _guarded(original: Callable[..., Any]) -> Callable[..., Any]:
    """An update that checks ``RevisionId`` first and moves it on afterwards, atomically."""

    def update(
        self: LambdaBackend, function_name: str, qualifier: str, body: dict[str, Any]
    ) -> Any:
        with _lock:
            fn = self.get_function(function_name, qualifier)
            expected = body.get("RevisionId")
            if expected and expected != _revision(fn):
                raise PreconditionFailedException(
                    "The Revision Id provided does not match the latest Revision Id. "
                    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
                )
            response = original(self, function_name, qualifier, body)
            revision = fn.__dict__["_emulated_revision_id"] = str(uuid.uuid4())
            if isinstance(response, dict):
                response["RevisionId"] = revision
            return response

    return update


def _with_revision(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> Any:
        config = original(self, *args, **kwargs)
        config["RevisionId"] = _revision(self)
        return config

    return get_configuration


def _guarded_publish(original: Callable[..., Any]) -> Callable[..., Any]:
    """PublishVersion that honours ``RevisionId`` and ``CodeSha256``, atomically."""

    def publish(self: LambdaResponse) -> Any:
        body = json.loads(self.body or "{}")
        name = unquote(self.path.split("/")[-2])
        with _lock:
            fn = self.backend.get_function(name)
            if body.get("RevisionId") and body["RevisionId"] != _revision(fn):
                raise PreconditionFailedException(
                    "The Revision Id provided does not match the latest Revision Id. "
                    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
                )
            if body.get("CodeSha256") and body["CodeSha256"] != fn.code_sha_256:
                raise InvalidParameterValueException(
                    f"CodeSHA256 ({body['CodeSha256']}) is different from current CodeSHA256 "
                    f"in $LATEST ({fn.code_sha_256}). Please try again with the CodeSHA256 "
                    "in $LATEST."
                )
            return original(self)

    return publish


def _serialised(original: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return original(*args, **kwargs)

    return call


def patches() -> list[tuple[type, str, Callable[..., Any]]]:
    """(class, attribute, replacement) for each patched method."""
    result: list[tuple[type, str, Callable[..., Any]]] = [
        (LambdaFunction, "get_configuration", _with_revision(LambdaFunction.get_configuration)),
        (LambdaBackend, "update_function_code", _guarded(LambdaBackend.update_function_code)),
        (
            LambdaBackend,
            "update_function_configuration",
            _guarded(LambdaBackend.update_function_configuration),
        ),
        (LambdaResponse, "publish_version", _guarded_publish(LambdaResponse.publish_version)),
    ]
    for name in (
        "put_parameter",
        "delete_parameter",
        "label_parameter_version",
        "unlabel_parameter_version",
    ):
        result.append(
            (
                SimpleSystemManagerBackend,
                name,
                _serialised(getattr(SimpleSystemManagerBackend, name)),
            )
        )
    return result


def install() -> Callable[[], None]:
    """Apply the patches; returns a function that removes them."""
    chosen = patches()
    saved = [(cls, name, cls.__dict__[name]) for cls, name, _ in chosen]
    for cls, name, replacement in chosen:
        setattr(cls, name, replacement)

    def uninstall() -> None:
        for cls, name, original in saved:
            setattr(cls, name, original)

    return uninstall
