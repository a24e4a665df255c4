"""A test double for a digest that is not readable yet where the promoted stage pulls it.

``promote`` waits until the digest it promotes is readable in the repository the
promoted stage's targets pull from (contract, step 5). Here that is the build stage's
own repository, so the digest is there at once; the wait exists for a variant that
copies images (ECR replication, which is asynchronous and which moto does not simulate).
This double stands in for such a copy: at the fault proxy, it answers ``DescribeImages``
of that one digest (by ``imageDigest``) with ECR's ``ImageNotFoundException`` until
``after`` seconds have passed since the first such request (``None``: never), and
forwards every other request to moto. The clock starts at the first ask, not when the
test starts the process, so the first answer is always "not found", however long the
process took to get there. The answer's shape is the ECR API reference's for DescribeImages
(``ImageNotFoundException``, HTTP 400, JSON protocol ``__type``); its message is moto's
(moto/ecr/exceptions.py), which follows AWS's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from .faultproxy import Answer, Intercept

_DESCRIBE_IMAGES = "AmazonEC2ContainerRegistry_V20150921.DescribeImages"


class LateDigest:
    """``DescribeImages`` of ``digest`` finds nothing until ``after`` seconds from the first."""

    def __init__(self, digest: str, *, after: float | None) -> None:
        self.digest = digest
        self.after = after
        self.refused = 0
        self.answered = 0
        self._first_asked: float | None = None
        self._lock = threading.Lock()

    def _absent(self) -> bool:
        now = time.monotonic()
        if self._first_asked is None:
            self._first_asked = now
        return self.after is None or now - self._first_asked < self.after

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Answer | None:
        if headers.get("x-amz-target") != _DESCRIBE_IMAGES:
            return None
        request = json.loads(body or b"{}")
        ids = request.get("imageIds") or []
        if not any(i.get("imageDigest") == self.digest for i in ids):
            return None
        with self._lock:
            if not self._absent():
                self.answered += 1
                return None
            self.refused += 1
        message = (
            f"The image with imageId {{'imageDigest': '{self.digest}'}} does not exist within "
            f"the repository with name '{request.get('repositoryName')}' in the registry with "
            f"id '{request.get('registryId', 'the caller')}'"
        )
        payload = json.dumps({"__type": "ImageNotFoundException", "message": message}).encode()
        return (
            400,
            [("x-amzn-ErrorType", "ImageNotFoundException"), ("Content-Type", "application/json")],
            payload,
        )


def chain(
    *intercepts: Intercept | None,
) -> Callable[[str, str, dict[str, str], bytes], Answer | None]:
    """One intercept asking each in turn; the first answer wins, None forwards to moto."""

    def intercept(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
        for each in intercepts:
            if each is not None:
                answer = each(method, path, headers, body)
                if answer is not None:
                    return answer
        return None

    return intercept
