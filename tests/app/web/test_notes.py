"""The notes model on its own: validation and the bounded store."""

from __future__ import annotations

import re
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


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("\u200b", "format"),  # zero-width space: blank to the eye, not to str.strip
        ("\u202e", "format"),  # right-to-left override
        ("\ufeff", "format"),  # byte order mark
        ("\x00", "control"),
        ("\x7f", "control"),
        ("\x85", "control"),  # NEL, a C1 control
        ("\ud800", "surrogate"),
        (chr(0xDC00), "surrogate"),  # the other half: ruff's PT014 reads both as U+FFFD
    ],
)
def test_parse_refuses_invisible_characters_anywhere(text: str, kind: str) -> None:
    code_point = re.escape(f"U+{ord(text):04X}")
    for payload in ({"title": f"a{text}b"}, {"title": "t", "body": f"x{text}"}):
        field = "body" if "body" in payload else "title"
        with pytest.raises(InvalidNoteError, match=rf"^{field}: .*{kind}.*{code_point}"):
            parse_new_note(payload)


def test_parse_accepts_visible_text_in_any_script() -> None:
    note = parse_new_note({"title": "Привет 世界 café 🎉", "body": "שלום\n\tعربى"})
    assert note == NewNote(title="Привет 世界 café 🎉", body="שלום\n\tعربى")


def test_page_walks_newest_first_by_id_cursor() -> None:
    store = NoteStore(clock=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    for title in "abcde":
        store.add(NewNote(title, ""), version="v1")
    store.delete(3)

    first, more = store.page(before=None, limit=2)
    assert ([n.title for n in first], more) == (["e", "d"], True)
    rest, more = store.page(before=first[-1].id, limit=2)
    assert ([n.title for n in rest], more) == (["b", "a"], False)
    assert store.page(before=1, limit=2) == ([], False)
    assert [n.id for n in store.page(before=99, limit=10)[0]] == [5, 4, 2, 1]


def test_page_refuses_a_useless_limit() -> None:
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        NoteStore().page(before=None, limit=0)
