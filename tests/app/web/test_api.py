"""The JSON API through Flask's test client: the infra contract, notes, and error shapes."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from app.web import create_app
from app.web.application import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_REQUEST_BYTES
from app.web.notes import NoteStore

from .conftest import IMAGE_TAG


def post_note(client: FlaskClient, payload: object) -> dict:
    response = client.post("/api/notes", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_healthz_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_version_is_the_image_tag(client: FlaskClient) -> None:
    response = client.get("/version")
    assert response.status_code == 200
    assert response.get_json() == {"version": IMAGE_TAG}


def test_version_comes_from_the_baked_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGE_TAG", "9f8e7d6")
    assert create_app().test_client().get("/version").get_json() == {"version": "9f8e7d6"}


@pytest.mark.parametrize("value", [None, ""])
def test_version_is_dev_outside_an_image(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("IMAGE_TAG", raising=False)
    else:
        monkeypatch.setenv("IMAGE_TAG", value)
    assert create_app().test_client().get("/version").get_json() == {"version": "dev"}


def test_a_posted_note_can_be_read_listed_and_deleted(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"title": "  Ship 1.2  ", "body": "Tuesday"})
    assert response.status_code == 201
    note = response.get_json()
    assert note == {
        "id": 1,
        "title": "Ship 1.2",
        "body": "Tuesday",
        "createdAt": "2025-05-17T09:30:00Z",
        "version": IMAGE_TAG,
    }
    assert response.headers["Location"] == "/api/notes/1"

    assert client.get("/api/notes/1").get_json() == note
    assert client.get("/api/notes").get_json() == {"notes": [note], "next": None}

    deleted = client.delete("/api/notes/1")
    assert deleted.status_code == 204
    assert deleted.data == b""
    assert client.get("/api/notes").get_json() == {"notes": [], "next": None}
    assert client.get("/api/notes/1").status_code == 404


def test_list_is_newest_first_and_body_defaults_to_empty(client: FlaskClient) -> None:
    post_note(client, {"title": "first"})
    post_note(client, {"title": "second"})
    notes = client.get("/api/notes").get_json()["notes"]
    assert [n["title"] for n in notes] == ["second", "first"]
    assert [n["body"] for n in notes] == ["", ""]


def test_the_store_keeps_only_the_newest_notes(client: FlaskClient) -> None:
    for title in ["a", "b", "c", "d"]:  # the fixture's store holds 3
        post_note(client, {"title": title})
    notes = client.get("/api/notes").get_json()["notes"]
    assert [n["id"] for n in notes] == [4, 3, 2]
    assert client.get("/api/notes/1").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "request"),
        ("just text", "request"),
        ({}, "title"),
        ({"title": 5}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"title": "ok", "body": ["no"]}, "body"),
        ({"title": "ok", "body": "x" * 2001}, "body"),
        ({"title": "ok", "author": "me"}, "author"),
    ],
)
def test_an_invalid_note_is_a_json_400_naming_the_field(
    client: FlaskClient, payload: object, field: str
) -> None:
    response = client.post("/api/notes", json=payload)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_note"
    assert error["field"] == field
    assert error["message"]
    assert client.get("/api/notes").get_json() == {"notes": [], "next": None}


def test_limits_are_inclusive(client: FlaskClient) -> None:
    note = post_note(client, {"title": "x" * 120, "body": "y" * 2000})
    assert len(note["title"]) == 120
    assert len(note["body"]) == 2000


def test_malformed_json_is_a_json_400(client: FlaskClient) -> None:
    response = client.post("/api/notes", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "bad_request",
        "message": "the body is not valid JSON",
    }


def test_a_non_json_body_is_a_json_415(client: FlaskClient) -> None:
    response = client.post("/api/notes", data="title=x", content_type="text/plain")
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]


def test_an_oversized_body_is_a_json_413(client: FlaskClient) -> None:
    response = client.post(
        "/api/notes",
        data='{"title": "' + "x" * MAX_REQUEST_BYTES + '"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


@pytest.mark.parametrize("path", ["/api/notes/42", "/no/such/page"])
def test_not_found_is_json(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "not_found"


def test_delete_of_a_missing_note_is_404(client: FlaskClient) -> None:
    response = client.delete("/api/notes/7")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "no note with id 7"


def test_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    response = client.put("/api/notes", json={"title": "x"})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_an_unexpected_failure_is_a_json_500_without_internals() -> None:
    app = create_app(image_tag=IMAGE_TAG)

    def broken() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/broken", view_func=broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "internal_server_error"
    assert "secret internal detail" not in response.get_data(as_text=True)


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: sources} (CSP3 section 2.2.1)."""
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} appears twice: browsers ignore the second"
        directives[name] = sources
    return directives


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    for path in ["/", "/healthz", "/api/notes/404"]:
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        # frame-ancestors, form-action and base-uri do not fall back to default-src.
        assert csp_directives(headers["Content-Security-Policy"]) == {
            "default-src": ["'self'"],
            "base-uri": ["'none'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        }, path


# Issue 15, finding 3: hostile bodies are a JSON 400, never a 500 or invalid JSON.
@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,
        '{"a":' * 2500 + "0" + "}" * 2500,
        '{"title": "ok", "body": NaN}',
        '{"title": Infinity}',
        '{"title": ' + "1" * 5000 + "}",
        b'{"title": "\xff"}',  # not UTF-8
    ],
)
def test_a_hostile_body_is_a_json_400(client: FlaskClient, body: str | bytes) -> None:
    response = client.post("/api/notes", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert client.get("/api/notes").get_json()["notes"] == []


def test_the_unknown_field_named_in_an_error_is_clipped(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"title": "t", "k" * 10_000: 1})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert len(error["field"]) < 100
    assert "(10000 characters)" in error["field"]


# Issue 15, finding 4: invisible and unencodable text is refused, not stored.
@pytest.mark.parametrize(
    ("payload", "field", "code_point"),
    [
        ({"title": "\u200b"}, "title", "U+200B"),
        ({"title": "\u200b\u200b visible"}, "title", "U+200B"),
        ({"title": "a\x00b"}, "title", "U+0000"),
        ({"title": "\u202eevil.exe"}, "title", "U+202E"),
        ({"title": "line\nbreak"}, "title", "U+000A"),
        ({"title": "half \ud800 pair"}, "title", "U+D800"),
        ({"title": "ok", "body": "a\x1bb"}, "body", "U+001B"),
        ({"title": "ok", "body": "bidi \u2066isolate"}, "body", "U+2066"),
        ({"title": "ok", "body": "lone \udfff"}, "body", "U+DFFF"),
    ],
)
def test_control_format_and_surrogate_characters_are_refused(
    client: FlaskClient, payload: dict, field: str, code_point: str
) -> None:
    response = client.post("/api/notes", json=payload)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_note", field)
    assert code_point in error["message"]
    assert client.get("/api/notes").get_json()["notes"] == []


def test_a_body_keeps_its_line_breaks_and_tabs(client: FlaskClient) -> None:
    note = post_note(client, {"title": "Plan", "body": "1.\tship\r\n2.\tcelebrate"})
    assert note["body"] == "1.\tship\r\n2.\tcelebrate"


# Issue 15, finding 4: the list is paginated, newest first, by an id cursor.
@pytest.fixture
def big_client() -> FlaskClient:
    """A client on an app whose store holds 200 notes of the longest allowed size."""
    big = create_app(image_tag=IMAGE_TAG, store=NoteStore(capacity=200))
    client = big.test_client()
    for number in range(1, 201):
        note = {"title": f"{number:03d}" + "t" * 117, "body": "\U0001f600" * 2000}
        # Raw UTF-8 fits the request limit; the API's answer escapes each emoji as 12 bytes.
        body = json.dumps(note, ensure_ascii=False).encode()
        response = client.post("/api/notes", data=body, content_type="application/json")
        assert response.status_code == 201, response.get_json()
    return client


def test_the_default_page_is_bounded(big_client: FlaskClient) -> None:
    response = big_client.get("/api/notes")
    page = response.get_json()
    assert len(page["notes"]) == DEFAULT_PAGE_SIZE
    assert [n["id"] for n in page["notes"]] == list(range(200, 200 - DEFAULT_PAGE_SIZE, -1))
    assert page["next"] == f"/api/notes?before={200 - DEFAULT_PAGE_SIZE + 1}&limit=20"
    # 200 such notes in one answer were 5 MB; a page is a tenth of that.
    assert len(response.data) < 600_000


def test_following_next_walks_every_note_once_newest_first(big_client: FlaskClient) -> None:
    seen: list[int] = []
    url: str | None = "/api/notes?limit=50"
    while url is not None:
        page = big_client.get(url).get_json()
        assert 1 <= len(page["notes"]) <= 50
        seen += [n["id"] for n in page["notes"]]
        url = page["next"]
    assert seen == list(range(200, 0, -1))


def test_a_page_ends_where_the_notes_end(client: FlaskClient) -> None:
    for title in ["a", "b", "c"]:
        post_note(client, {"title": title})
    first = client.get("/api/notes?limit=2").get_json()
    assert [n["title"] for n in first["notes"]] == ["c", "b"]
    assert first["next"] == "/api/notes?before=2&limit=2"
    last = client.get(first["next"]).get_json()
    assert [n["title"] for n in last["notes"]] == ["a"]
    assert last["next"] is None
    assert client.get("/api/notes?before=1").get_json() == {"notes": [], "next": None}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=0", "limit"),
        (f"limit={MAX_PAGE_SIZE + 1}", "limit"),
        ("limit=ten", "limit"),
        ("limit=" + "9" * 5000, "limit"),
        ("limit=-1", "limit"),
        ("before=0", "before"),
        ("before=abc", "before"),
        ("before=1.5", "before"),
        ("limit=%EF%BC%95", "limit"),
    ],
)
def test_a_bad_page_query_is_a_json_400_naming_the_parameter(
    client: FlaskClient, query: str, name: str
) -> None:
    response = client.get(f"/api/notes?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"].startswith(f"{name} must be")
