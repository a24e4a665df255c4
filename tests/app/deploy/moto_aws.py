"""AWS behaviours moto 5 leaves out, added so tests meet AWS's rules, not moto's.

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
* **Atomic DynamoDB conditional writes** (issue 24's release lock). DynamoDB evaluates a
  write's ``ConditionExpression`` and applies the write as one atomic step (DynamoDB
  Developer Guide, "Condition expressions"; "conditional writes"). moto 5.2 reads the
  item, evaluates the condition and writes in separate Python steps
  (``Table.put_item`` in moto/dynamodb/models/table.py, ``DynamoDBBackend.delete_item``
  and ``update_item`` in moto/dynamodb/models/__init__.py), and nothing serialises
  ``ThreadedMotoServer``'s threads: with a short thread switch interval two threads'
  ``attribute_not_exists`` puts of one key both succeeded in 180 of 300 tries
  (``test_moto_aws.py`` checks the patch). Those writes are serialised too.
* **Images in another account's registry** (issue 22). A Lambda function may run an
  image of another account's repository in its Region, when that repository's policy
  allows it (Lambda Developer Guide, "Amazon ECR permissions"); moto 5.2 looks for the
  image only in the function's own account (``MOTO_LAMBDA_STUB_ECR=false``) and refuses
  it. And ``DescribeImages``/``DescribeRepositories`` with another account's
  ``registryId`` answer from that registry in ECR (ECR API reference, registryId), where
  moto answers ``RepositoryNotFoundException``. Both now look in the account the URI or
  ``registryId`` names. Neither AWS's check of the repository policy nor IAM is
  emulated: in these tests any account may read any other's repository.

``install`` patches moto's classes (for ``mock_aws`` and ``ThreadedMotoServer`` alike,
in this process). The benchmark uses it too, so it measures the guarded requests.
"""

from __future__ import annotations

import inspect
import json
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from moto import settings
from moto.awslambda.exceptions import (
    InvalidParameterValueException,
    LambdaClientError,
    PreconditionFailedException,
)
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.responses import LambdaResponse
from moto.dynamodb.models import DynamoDBBackend
from moto.ecr.models import ECRBackend, ecr_backends
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


_IMAGE_URI = re.compile(
    r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)(?::([^@]+)|@(sha256:[0-9a-f]{64}))$"
)


def _cross_account_image(original: Callable[..., Any]) -> Callable[..., Any]:
    """Resolve an image of another account's repository there, as Lambda does."""

    def set_code(self: LambdaFunction, updated_spec: dict[str, Any]) -> None:
        found = _IMAGE_URI.match(str(updated_spec.get("ImageUri", "")))
        if found is None or found[1] == self.account_id or settings.lambda_stub_ecr():
            return original(self, updated_spec)
        from_update = updated_spec is not self.code
        account, region, repository, tag, digest = found.groups()
        image_id = {"imageDigest": digest} if digest else {"imageTag": tag}
        images = ecr_backends[account][region].batch_get_image(
            repository_name=repository, image_ids=[image_id]
        )["images"]
        if not images:
            # moto's own text for an image it cannot find (moto/ecr/exceptions.py)
            raise LambdaClientError(
                "ImageNotFoundException",
                f"The image with imageId {image_id} does not exist within the repository "
                f"with name '{repository}' in the registry with id '{account}'",
            )
        self.code_sha_256 = images[0].image_id["imageDigest"].replace("sha256:", "")
        self.code_size = json.loads(images[0].image_manifest)["config"]["size"]
        if from_update:
            self.code["ImageUri"] = updated_spec["ImageUri"]
        return None

    return set_code


def _in_registry(method: str) -> Callable[..., Any]:
    """An ECR read with another account's ``registryId``, answered from that registry."""
    original = getattr(ECRBackend, method)
    signature = inspect.signature(original)

    def read(self: ECRBackend, *args: Any, **kwargs: Any) -> Any:
        registry = signature.bind(self, *args, **kwargs).arguments.get("registry_id")
        if registry and registry != self.account_id:
            other = ecr_backends[registry][self.region_name]
            return original(other, *args, **kwargs)
        return original(self, *args, **kwargs)

    return read


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
        (
            LambdaFunction,
            "_set_function_code",
            _cross_account_image(LambdaFunction._set_function_code),
        ),
        (ECRBackend, "describe_images", _in_registry("describe_images")),
        (ECRBackend, "describe_repositories", _in_registry("describe_repositories")),
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
    for name in ("put_item", "delete_item", "update_item"):
        result.append((DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name))))
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
