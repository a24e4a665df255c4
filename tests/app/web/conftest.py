"""An app with a known image tag and a store on a fixed clock, and its test client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.web import create_app
from app.web.notes import NoteStore

IMAGE_TAG = "abc1234"
NOW = datetime(2025, 5, 17, 9, 30, tzinfo=UTC)


@pytest.fixture
def store() -> NoteStore:
    return NoteStore(capacity=3, clock=lambda: NOW)


@pytest.fixture
def app(store: NoteStore) -> Flask:
    return create_app(image_tag=IMAGE_TAG, store=store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
