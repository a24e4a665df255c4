"""The HTML page and the static assets it loads."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import IMAGE_TAG


def test_index_shows_the_release_and_loads_its_assets(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f'<code id="version">{IMAGE_TAG}</code>' in html
    assert '<script src="/static/app.js" defer></script>' in html
    assert 'href="/static/style.css"' in html
    assert 'id="note-form"' in html
    # The CSP forbids inline scripts, so the page must not rely on any.
    assert "<script>" not in html


def test_the_page_script_talks_to_the_api(client: FlaskClient) -> None:
    response = client.get("/static/app.js")
    assert response.status_code == 200
    script = response.get_data(as_text=True)
    assert 'const API = "/api/notes";' in script
    assert "innerHTML" not in script  # API text is rendered with textContent only
    response.close()


def test_the_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    response.close()


def test_the_page_shows_a_page_of_notes_and_can_load_older_ones(client: FlaskClient) -> None:
    # GET /api/notes answers a page at a time (issue 15): the page follows its `next` link.
    html = client.get("/").get_data(as_text=True)
    assert '<button id="more" type="button" hidden>Show older notes</button>' in html
    response = client.get("/static/app.js")
    script = response.get_data(as_text=True)
    response.close()
    assert "nextPage = page.next;" in script
    assert 'getElementById("more").addEventListener("click", loadOlderNotes)' in script
