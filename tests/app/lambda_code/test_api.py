import base64
import json

import api
import pytest


def http_v2(method: str, path: str, body: str | None = None, *, b64: bool = False) -> dict:
    """A Function URL / HTTP API event, payload format 2.0."""
    return {
        "version": "2.0",
        "rawPath": path,
        "requestContext": {"http": {"method": method, "path": path}},
        "body": body,
        "isBase64Encoded": b64,
    }


def rest_v1(method: str, path: str, body: str | None = None) -> dict:
    """A REST API proxy event, payload format 1.0."""
    return {"httpMethod": method, "path": path, "body": body, "isBase64Encoded": False}


@pytest.mark.parametrize("make_event", [http_v2, rest_v1])
def test_version_route_reports_the_image_tag(make_event, image_tag):
    response = api.handler(make_event("GET", "/version"), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"version": image_tag}
    assert response["headers"]["x-app-version"] == image_tag


def test_health_route():
    response = api.handler(http_v2("GET", "/health/"), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}
    assert response["headers"]["content-type"] == "application/json"


def test_echo_route_decodes_base64_bodies(image_tag):
    body = base64.b64encode(json.dumps({"a": 1}).encode()).decode()

    response = api.handler(http_v2("POST", "/echo", body, b64=True), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"echo": {"a": 1}, "version": image_tag}


@pytest.mark.parametrize(
    ("event", "status", "error"),
    [
        (http_v2("POST", "/echo", "{not json"), 400, "body must be JSON"),
        (http_v2("POST", "/echo", "%%%", b64=True), 400, "body is not valid base64"),
        (http_v2("GET", "/nowhere"), 404, "no route for /nowhere"),
        (http_v2("DELETE", "/version"), 405, "DELETE not allowed on /version"),
    ],
)
def test_bad_requests_get_a_json_error(event, status, error):
    response = api.handler(event, None)

    assert response["statusCode"] == status
    assert json.loads(response["body"]) == {"error": error}


def test_method_not_allowed_names_the_allowed_methods():
    response = api.handler(http_v2("GET", "/echo"), None)

    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "POST"


# Issue 15, finding 3: hostile input gets a 4xx with a clear message, never a Python error.
def strict_json(text: str) -> object:
    """json.loads that, like every other JSON parser, refuses NaN and Infinity."""

    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("[" * 5000 + "]" * 5000, "body nests deeper than 64 levels"),
        ("1" * 5000, "body must be JSON"),
        ("NaN", "body must be JSON"),
        ('{"x": -Infinity}', "body must be JSON"),
        (b"\xff\xfe".decode("latin-1"), "body must be JSON"),
        ("\ud800", "body must be JSON"),
    ],
)
def test_hostile_echo_bodies_are_a_json_400(body, error):
    response = api.handler(http_v2("POST", "/echo", body), None)

    assert response["statusCode"] == 400
    assert strict_json(response["body"]) == {"error": error}


def test_echo_accepts_nesting_up_to_the_limit(image_tag):
    nested: object = "leaf"
    for _ in range(api.MAX_JSON_DEPTH):
        nested = [nested]

    response = api.handler(http_v2("POST", "/echo", json.dumps(nested)), None)

    assert response["statusCode"] == 200
    assert strict_json(response["body"]) == {"echo": nested, "version": image_tag}


def test_an_oversized_echo_body_is_a_json_413():
    body = json.dumps({"text": "x" * api.MAX_BODY_BYTES})

    response = api.handler(http_v2("POST", "/echo", body), None)

    assert response["statusCode"] == 413
    assert strict_json(response["body"]) == {
        "error": f"body is larger than {api.MAX_BODY_BYTES} bytes"
    }


@pytest.mark.parametrize("event", [[], None, "GET /health", 3])
def test_an_event_that_is_not_an_object_is_a_json_400(event):
    response = api.handler(event, None)

    assert response["statusCode"] == 400
    assert strict_json(response["body"]) == {"error": "the event must be a JSON object"}


@pytest.mark.parametrize("make_event", [http_v2, rest_v1])
def test_a_malformed_event_is_a_json_400(make_event):
    event = make_event("POST", "/echo", None)
    event["body"] = {"not": "a string"}
    if make_event is http_v2:
        event["requestContext"] = "not an object"

    response = api.handler(event, None)

    assert response["statusCode"] == 400
    assert strict_json(response["body"]) == {"error": "the event's body must be a string"}


def test_error_messages_echo_a_bounded_part_of_the_request():
    long_path = "/" + "a" * 100_000

    not_found = api.handler(http_v2("GET", long_path), None)
    not_allowed = api.handler(http_v2("X" * 100_000, "/version"), None)

    for response in (not_found, not_allowed):
        assert len(response["body"]) < 400
        assert "aaaaaaaaaaaaaaaaaaaa" in response["body"] or "XXXXXXXXXXXX" in response["body"]
        assert "characters)" in response["body"]
