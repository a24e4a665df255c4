"""Request-style Lambda handler behind a Function URL or API Gateway.

Understands the HTTP API / Function URL payload (format 2.0) and the REST API
payload (format 1.0). Every response carries the running image tag in the
``x-app-version`` header, so a caller can see which release answered.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from buildinfo import image_tag

Response = dict[str, Any]


@dataclass(frozen=True)
class Request:
    """The parts of an HTTP request the routes need, whatever the payload format."""

    method: str
    path: str
    body: bytes


def parse_request(event: Mapping[str, Any]) -> Request:
    """Normalise a format 2.0 or format 1.0 proxy event."""
    http = event.get("requestContext", {}).get("http")
    if isinstance(http, Mapping):  # format 2.0: Function URL, HTTP API
        method = str(http.get("method", "GET"))
        path = str(event.get("rawPath") or http.get("path") or "/")
    else:  # format 1.0: REST API
        method = str(event.get("httpMethod", "GET"))
        path = str(event.get("path") or "/")
    raw = event.get("body") or ""
    body = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else raw.encode()
    return Request(method=method.upper(), path=path, body=body)


def json_response(status: int, data: object, headers: Mapping[str, str] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {
            "content-type": "application/json",
            "x-app-version": image_tag(),
            **(headers or {}),
        },
        "body": json.dumps(data),
        "isBase64Encoded": False,
    }


def _health(request: Request) -> Response:
    return json_response(200, {"status": "ok"})


def _version(request: Request) -> Response:
    return json_response(200, {"version": image_tag()})


def _echo(request: Request) -> Response:
    try:
        data = json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return json_response(400, {"error": "body must be JSON"})
    return json_response(200, {"echo": data, "version": image_tag()})


ROUTES: dict[str, dict[str, Callable[[Request], Response]]] = {
    "/health": {"GET": _health},
    "/version": {"GET": _version},
    "/echo": {"POST": _echo},
}


def handler(event: Mapping[str, Any], context: object) -> Response:
    """Lambda entry point (image command ``api.handler``)."""
    try:
        request = parse_request(event)
    except (binascii.Error, ValueError):
        return json_response(400, {"error": "body is not valid base64"})
    methods = ROUTES.get(request.path.rstrip("/") or "/")
    if methods is None:
        return json_response(404, {"error": f"no route for {request.path}"})
    route = methods.get(request.method)
    if route is None:
        allowed = ", ".join(sorted(methods))
        return json_response(
            405, {"error": f"{request.method} not allowed on {request.path}"}, {"allow": allowed}
        )
    return route(request)
