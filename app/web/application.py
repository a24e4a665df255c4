"""The Flask application: the notes page, its JSON API, and the endpoints ECS and the ALB use.

Contract with the infra stack (the task definition and the target group rely on it):
``GET /healthz`` answers 200 ``{"status": "ok"}`` without touching anything else, and
``GET /version`` answers 200 ``{"version": "<image tag>"}``.
"""

from __future__ import annotations

import json
import os
from http import HTTPStatus
from typing import Any, NoReturn

from flask import Flask, Response, jsonify, render_template, request, url_for
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from .exceptions import InvalidNoteError, NoteNotFoundError
from .notes import NoteStore, parse_new_note

DEFAULT_IMAGE_TAG = "dev"
# A note is at most a few KiB of JSON; anything much larger is a mistake or abuse.
MAX_REQUEST_BYTES = 16 * 1024
# GET /api/notes answers a page at a time: 200 notes at their longest were 5 MB at once.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
# The page loads only its own script and stylesheet, with no inline code at all. The other
# directives do not fall back to default-src: no framing (clickjacking), forms post only
# here, and no <base> element can redirect the page's relative URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def image_tag_from_env() -> str:
    """The tag this image was built under.

    The Dockerfile turns the ``IMAGE_TAG`` build argument into an environment variable,
    so the app reports the release it really runs. Outside an image it is "dev".
    """
    return os.environ.get("IMAGE_TAG") or DEFAULT_IMAGE_TAG


def _error(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def json_body() -> object:
    """The request body as strict JSON (RFC 8259: no NaN or Infinity).

    Raises:
        UnsupportedMediaType: the body is not declared as JSON.
        RequestEntityTooLarge: the body is over MAX_REQUEST_BYTES.
        BadRequest: the body is not JSON, or nests deeper than Python's parser can go.
    """
    if not request.is_json:
        raise UnsupportedMediaType("send the note as JSON with 'Content-Type: application/json'")
    data = request.get_data(cache=False)
    try:
        return json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadRequest("the body nests too deeply to be a note") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, the int digit limit, NaN
        raise BadRequest("the body is not valid JSON") from None


def _page_argument(name: str, *, low: int, high: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    upper = "" if high is None else f" to {high}"
    # ASCII digits only (isdigit alone takes other scripts' digits, such as a fullwidth 5),
    # and few of them: int() refuses more than 4300 digits with a ValueError.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise BadRequest(f"{name} must be a whole number from {low}{upper}")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise BadRequest(f"{name} must be a whole number from {low}{upper}")
    return value


def create_app(*, image_tag: str | None = None, store: NoteStore | None = None) -> Flask:
    """Build the app. Tests pass ``image_tag`` and ``store``; the image relies on defaults."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    version = image_tag if image_tag is not None else image_tag_from_env()
    notes = store if store is not None else NoteStore()

    @app.get("/healthz")
    def healthz() -> Response:
        # Cheap and dependency-free on purpose: the ALB and the container health check
        # call it every few seconds, and a failure replaces the task.
        return jsonify({"status": "ok"})

    @app.get("/version")
    def version_info() -> Response:
        return jsonify({"version": version})

    @app.get("/")
    def index() -> str:
        return render_template("index.html", version=version)

    @app.get("/api/notes")
    def list_notes() -> Response:
        """A page of notes, newest first; ``next`` is the URL of the following page."""
        limit = _page_argument("limit", low=1, high=MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE
        before = _page_argument("before", low=1, high=None)
        page, more = notes.page(before=before, limit=limit)
        following = url_for("list_notes", before=page[-1].id, limit=limit) if more else None
        return jsonify({"notes": [note.to_json() for note in page], "next": following})

    @app.post("/api/notes")
    def create_note() -> tuple[Response, int, dict[str, str]]:
        note = notes.add(parse_new_note(json_body()), version=version)
        location = url_for("get_note", note_id=note.id)
        return jsonify(note.to_json()), HTTPStatus.CREATED, {"Location": location}

    @app.get("/api/notes/<int:note_id>")
    def get_note(note_id: int) -> Response:
        return jsonify(notes.get(note_id).to_json())

    @app.delete("/api/notes/<int:note_id>")
    def delete_note(note_id: int) -> tuple[str, int]:
        notes.delete(note_id)
        return "", HTTPStatus.NO_CONTENT

    @app.errorhandler(InvalidNoteError)
    def invalid_note(exc: InvalidNoteError) -> tuple[Response, int]:
        return _error(HTTPStatus.BAD_REQUEST, "invalid_note", exc.message, field=exc.field)

    @app.errorhandler(NoteNotFoundError)
    def note_not_found(exc: NoteNotFoundError) -> tuple[Response, int]:
        return _error(HTTPStatus.NOT_FOUND, "not_found", f"no note with id {exc.note_id}")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int] | HTTPException:
        # Every error is JSON, including Flask's own 404/405/413 and the 500 it raises
        # for an unhandled exception, whose description never carries the exception text.
        if exc.code is None:  # not an error: e.g. a RequestRedirect raised by routing
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        response, status = _error(exc.code, code, exc.description or exc.name)
        # Keep the headers the error defines, such as Allow on a 405.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if response.mimetype == "application/json":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
