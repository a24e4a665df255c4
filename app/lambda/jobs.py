"""Job-style Lambda handler: work triggered from outside the website.

One entry point accepts the three ways a job arrives:

* a direct invocation, ``{"job": "wordcount", "payload": {...}}``;
* an EventBridge event, whose ``detail`` is such a request (scheduled rules included);
* an SQS batch, one request per message body, answered with ``batchItemFailures``
  so only the failed messages return to the queue (needs ``ReportBatchItemFailures``).
  A record fails on its own whatever it raises: one bad message never fails the batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import untrusted
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
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON's \ud800 escape can carry
        raise JobError("checksum needs text that UTF-8 can encode (no lone surrogates)") from None
    return {"sha256": hashlib.sha256(data).hexdigest()}


JOBS: dict[str, Callable[[Mapping[str, Any]], JobResult]] = {
    "ping": _ping,
    "wordcount": _wordcount,
    "checksum": _checksum,
}


def run_job(request: Mapping[str, Any]) -> JobResult:
    """Run one job request and return its result, tagged with the running version."""
    name = request.get("job")
    known = ", ".join(sorted(JOBS))
    if not isinstance(name, str):
        raise JobError(f"the request must name its job in 'job', one of: {known}")
    if name not in JOBS:
        raise JobError(f"unknown job {untrusted.clip(name)!r}; expected one of: {known}")
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


def _run_record(record: Mapping[str, Any]) -> None:
    body = record.get("body")
    if not isinstance(body, str):
        raise JobError("message body must be a string of JSON")
    try:
        request = untrusted.loads(body)
    except untrusted.InvalidJSONError as exc:
        raise JobError(f"message body is not a job request: {exc}") from None
    if not isinstance(request, Mapping):
        raise JobError("message body must be a JSON object")
    run_job(request)


def _run_sqs_batch(records: list[Mapping[str, Any]]) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in records:
        message_id = str(record.get("messageId", ""))
        try:
            _run_record(record)
        except Exception as exc:  # noqa: BLE001 - any failure is this record's alone
            # The message goes back to the queue (and on to its DLQ); the batch goes on.
            # json.dumps escapes what the message carries, so the log line stays one line.
            error = {"messageId": message_id, "errorType": type(exc).__name__}
            logger.warning(json.dumps(error | {"error": untrusted.clip(str(exc), 300)}))
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def handler(event: object, context: object) -> dict[str, Any]:
    """Lambda entry point (image command ``jobs.handler``)."""
    if not isinstance(event, Mapping):
        raise JobError(f"the event must be a JSON object, got {type(event).__name__}")
    if _is_sqs_batch(event):
        return _run_sqs_batch(event["Records"])
    if "detail-type" in event and "detail" in event:
        detail = event["detail"]
        if not isinstance(detail, Mapping):
            raise JobError("the event's detail must be a JSON object")
        return run_job(detail)
    return run_job(event)
