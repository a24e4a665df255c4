import json

import jobs
import pytest


def test_direct_invocation_runs_the_job_and_reports_the_version(image_tag):
    result = jobs.handler({"job": "wordcount", "payload": {"text": "one two\nthree"}}, None)

    assert result == {
        "job": "wordcount",
        "version": image_tag,
        "result": {"words": 3, "characters": 13, "lines": 2},
    }


def test_checksum_job():
    result = jobs.handler({"job": "checksum", "payload": {"text": "abc"}}, None)

    assert result["result"]["sha256"] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_eventbridge_event_runs_its_detail(image_tag):
    event = {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "detail": {"job": "ping"},
    }

    assert jobs.handler(event, None) == {
        "job": "ping",
        "version": image_tag,
        "result": {"pong": True},
    }


def test_unknown_job_fails_the_invocation_naming_the_known_ones():
    with pytest.raises(jobs.JobError, match=r"unknown job 'nope'.*checksum, ping, wordcount"):
        jobs.handler({"job": "nope"}, None)


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        ({"job": "wordcount", "payload": {"text": 3}}, "wordcount needs a string"),
        ({"job": "ping", "payload": [1]}, "payload must be an object"),
    ],
)
def test_invalid_payload_is_rejected(request_, match):
    with pytest.raises(jobs.JobError, match=match):
        jobs.handler(request_, None)


def _sqs_record(message_id: str, body: str) -> dict:
    return {"messageId": message_id, "eventSource": "aws:sqs", "body": body}


def test_sqs_batch_reports_only_the_failed_messages():
    event = {
        "Records": [
            _sqs_record("m1", json.dumps({"job": "ping"})),
            _sqs_record("m2", json.dumps({"job": "nope"})),
            _sqs_record("m3", "not json"),
            _sqs_record("m4", json.dumps(["not", "an", "object"])),
            _sqs_record("m5", json.dumps({"job": "wordcount", "payload": {"text": "a b"}})),
        ]
    }

    assert jobs.handler(event, None) == {
        "batchItemFailures": [
            {"itemIdentifier": "m2"},
            {"itemIdentifier": "m3"},
            {"itemIdentifier": "m4"},
        ]
    }


def test_sqs_batch_with_no_failures():
    event = {"Records": [_sqs_record("m1", json.dumps({"job": "ping"}))]}

    assert jobs.handler(event, None) == {"batchItemFailures": []}
