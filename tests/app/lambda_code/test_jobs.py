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


def _sqs_record(message_id: str, body: object) -> dict:
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


# Issue 15, finding 2: one bad record must not fail the whole batch, whatever it raises.
HOSTILE_BODIES = {
    "lone-surrogate": json.dumps({"job": "checksum", "payload": {"text": "\ud800"}}),
    "deeply-nested": "[" * 5000 + "]" * 5000,
    "huge-integer": "1" * 5000,
    "not-a-string": 12345,
    "missing": None,
    "nan-payload": '{"job": "wordcount", "payload": {"text": NaN}}',
    "event-like-list": "[]",
}


def test_sqs_batch_reports_each_failing_record_on_its_own_whatever_it_raises(caplog):
    last = {"job": "checksum", "payload": {"text": "a"}}
    records = [_sqs_record("ok-first", json.dumps({"job": "ping"}))]
    records += [_sqs_record(name, body) for name, body in HOSTILE_BODIES.items()]
    records.append(_sqs_record("ok-last", json.dumps(last)))

    with caplog.at_level("WARNING", logger="jobs"):
        result = jobs.handler({"Records": records}, None)

    assert result == {"batchItemFailures": [{"itemIdentifier": n} for n in HOSTILE_BODIES]}
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.levelname == "WARNING"]
    assert [entry["messageId"] for entry in logged] == list(HOSTILE_BODIES)
    assert all(entry["error"] and entry["errorType"] for entry in logged)


def test_a_failed_record_logs_a_bounded_message():
    name = "x" * 100_000
    with pytest.raises(jobs.JobError) as raised:
        jobs.handler({"job": name}, None)

    message = str(raised.value)
    assert len(message) < 300
    assert "x" * 40 in message
    assert "100000 characters" in message


@pytest.mark.parametrize("event", [[], None, "ping", 7])
def test_an_event_that_is_not_an_object_is_a_clear_job_error(event):
    with pytest.raises(jobs.JobError, match="the event must be a JSON object"):
        jobs.handler(event, None)


def test_checksum_of_text_utf8_cannot_encode_is_a_job_error():
    with pytest.raises(jobs.JobError, match="checksum needs text that UTF-8 can encode"):
        jobs.handler({"job": "checksum", "payload": {"text": "ok\ud800"}}, None)


def test_eventbridge_detail_that_is_not_an_object_is_a_job_error():
    event = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": ["ping"]}

    with pytest.raises(jobs.JobError, match="the event's detail must be a JSON object"):
        jobs.handler(event, None)
