"""Job-style Lambda handler: work triggered from outside the website.

One entry point accepts the three ways a job arrives:

* a direct invocation, ``{"job": "wordcount", "payload": {...}}``;
* an EventBridge event, whose ``detail`` is such a request (scheduled rules included);
* an SQS batch, one request per message body, answered with ``batchItemFailures``
  so only the failed messages return to the queue (needs ``ReportBatchItemFailures``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from buildinfo import image_tag

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

JobResult = dict[str, Any]


class JobError(Exception):
    """A job request that cannot be run: unknown job name or invalid payload."""


def _ping(payload: Mapping[str, Any]) -> JobResult:
    return {"pong": True}


def _wordcount(payload: Mapping[str, Any]) -> JobResult:
    text = payload.get("text")
    if not isinstance(text, str):
        raise JobError("wordcount needs a string payload.text")
    words = text.split()
    return {"words": len(words), "characters": len(text), "lines": len(text.splitlines())}


def _checksum(payload: Mapping[str, Any]) -> JobResult:
    text = payload.get("text")
    if not isinstance(text, str):
        raise JobError("checksum needs a string payload.text")
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


JOBS: dict[str, Callable[[Mapping[str, Any]], JobResult]] = {
    "ping": _ping,
    "wordcount": _wordcount,
    "checksum": _checksum,
}


def run_job(request: Mapping[str, Any]) -> JobResult:
    """Run one job request and return its result, tagged with the running version."""
    name = request.get("job")
    if not isinstance(name, str) or name not in JOBS:
        known = ", ".join(sorted(JOBS))
        raise JobError(f"unknown job {name!r}; expected one of: {known}")
    payload = request.get("payload") or {}
    if not isinstance(payload, Mapping):
        raise JobError(f"job {name}: payload must be an object, got {type(payload).__name__}")
    result = JOBS[name](payload)
    logger.info(json.dumps({"job": name, "version": image_tag(), "status": "done"}))
    return {"job": name, "version": image_tag(), "result": result}


def _is_sqs_batch(event: Mapping[str, Any]) -> bool:
    records = event.get("Records")
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records)
    )


def _run_sqs_batch(records: list[Mapping[str, Any]]) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in records:
        message_id = str(record.get("messageId", ""))
        try:
            request = json.loads(record.get("body") or "")
            if not isinstance(request, Mapping):
                raise JobError("message body must be a JSON object")
            run_job(request)
        except (JobError, json.JSONDecodeError) as exc:
            # The message goes back to the queue (and on to its DLQ); the batch goes on.
            logger.warning(json.dumps({"messageId": message_id, "error": str(exc)}))
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """Lambda entry point (image command ``jobs.handler``)."""
    if _is_sqs_batch(event):
        return _run_sqs_batch(event["Records"])
    if "detail-type" in event and isinstance(event.get("detail"), Mapping):
        return run_job(event["detail"])
    return run_job(event)
