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
