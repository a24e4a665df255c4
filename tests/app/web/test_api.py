"""The JSON API through Flask's test client: the infra contract, notes, and error shapes."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.web import create_app
from app.web.application import MAX_REQUEST_BYTES

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
    assert client.get("/api/notes").get_json() == {"notes": [note]}

    deleted = client.delete("/api/notes/1")
    assert deleted.status_code == 204
    assert deleted.data == b""
    assert client.get("/api/notes").get_json() == {"notes": []}
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
    assert client.get("/api/notes").get_json() == {"notes": []}


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


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    for path in ["/", "/healthz", "/api/notes/404"]:
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Content-Security-Policy"] == "default-src 'self'", path
        assert headers["Referrer-Policy"] == "no-referrer", path
