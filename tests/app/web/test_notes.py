"""The notes model on its own: validation and the bounded store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.web.exceptions import InvalidNoteError, NoteNotFoundError
from app.web.notes import NewNote, NoteStore, parse_new_note


def test_parse_strips_whitespace() -> None:
    assert parse_new_note({"title": " t ", "body": " b\n"}) == NewNote(title="t", body="b")


def test_parse_names_the_first_unknown_field() -> None:
    with pytest.raises(InvalidNoteError, match=r"^color: unexpected field; allowed: body, title$"):
        parse_new_note({"title": "t", "tags": [], "color": "red"})


def test_store_rejects_a_useless_capacity() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1, got 0"):
        NoteStore(capacity=0)


def test_store_ids_are_never_reused_after_delete() -> None:
    store = NoteStore(clock=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    first = store.add(NewNote("a", ""), version="v1")
    store.delete(first.id)
    second = store.add(NewNote("b", ""), version="v1")
    assert second.id == first.id + 1
    with pytest.raises(NoteNotFoundError, match=f"note {first.id} not found"):
        store.get(first.id)
    with pytest.raises(NoteNotFoundError):
        store.delete(first.id)
