"""The notes board's model: request validation and a bounded, thread-safe in-memory store.

Storage lives in the process, so it is per task and gone on every deploy; that is
enough for a demo board and keeps the image free of any database dependency.
"""

from __future__ import annotations

import itertools
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .exceptions import InvalidNoteError, NoteNotFoundError

TITLE_MAX_CHARS = 120
BODY_MAX_CHARS = 2000
DEFAULT_CAPACITY = 200
_FIELDS = frozenset({"title", "body"})
# Unicode general categories a note may not contain: control (NUL, ESC, ...), format
# (zero-width spaces, bidi overrides such as U+202E) and surrogates (half of a pair, which
# no UTF-8 can carry). Invisible or reordering text is how a note fakes being blank or
# shows one thing and means another. The price: zero-width joiners in emoji sequences and
# in some scripts are refused too.
_REFUSED_CATEGORIES = {"Cc": "control", "Cf": "format", "Cs": "surrogate"}
# What a multi-line body still needs from the control characters.
_BODY_WHITESPACE = frozenset("\t\n\r")
# How much of an unknown field's name an error repeats back.
_ECHO_CHARS = 60


@dataclass(frozen=True)
class NewNote:
    """A validated request to create a note."""

    title: str
    body: str


@dataclass(frozen=True)
class Note:
    """A stored note, with the release (image tag) that accepted it."""

    id: int
    title: str
    body: str
    created_at: datetime
    version: str

    def to_json(self) -> dict[str, Any]:
        """The API representation: camelCase keys, ISO 8601 UTC timestamp."""
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "createdAt": self.created_at.isoformat().replace("+00:00", "Z"),
            "version": self.version,
        }


def _clip(text: str) -> str:
    if len(text) <= _ECHO_CHARS:
        return text
    return f"{text[:_ECHO_CHARS]}... ({len(text)} characters)"


def _refuse_invisible(field: str, text: str, allowed: frozenset[str] = frozenset()) -> None:
    for char in text:
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if kind is not None and char not in allowed:
            raise InvalidNoteError(
                field, f"must not contain {kind} characters (found U+{ord(char):04X})"
            )


def parse_new_note(payload: object) -> NewNote:
    """Validate a decoded JSON body: ``{"title": str, "body"?: str}``, nothing else.

    The title is one line of visible text; the body may also hold tabs and line breaks.

    Raises:
        InvalidNoteError: naming the offending field and what was expected.
    """
    if not isinstance(payload, dict):
        raise InvalidNoteError("request", 'the body must be a JSON object like {"title": "..."}')
    unknown = sorted(set(payload) - _FIELDS)
    if unknown:
        raise InvalidNoteError(
            _clip(unknown[0]), f"unexpected field; allowed: {', '.join(sorted(_FIELDS))}"
        )

    title = payload.get("title")
    if not isinstance(title, str):
        raise InvalidNoteError("title", "is required and must be a string")
    _refuse_invisible("title", title)
    title = title.strip()
    if not title:
        raise InvalidNoteError("title", "must not be blank")
    if len(title) > TITLE_MAX_CHARS:
        raise InvalidNoteError("title", f"must be at most {TITLE_MAX_CHARS} characters")

    body = payload.get("body", "")
    if not isinstance(body, str):
        raise InvalidNoteError("body", "must be a string")
    _refuse_invisible("body", body, allowed=_BODY_WHITESPACE)
    body = body.strip()
    if len(body) > BODY_MAX_CHARS:
        raise InvalidNoteError("body", f"must be at most {BODY_MAX_CHARS} characters")
    return NewNote(title=title, body=body)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class NoteStore:
    """Notes in insertion order, capped so an open endpoint cannot exhaust memory.

    gunicorn serves requests on several threads of one process, hence the lock.
    When full, adding a note evicts the oldest one.
    """

    def __init__(
        self, *, capacity: int = DEFAULT_CAPACITY, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._clock = clock
        self._ids = itertools.count(1)
        self._notes: OrderedDict[int, Note] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, new: NewNote, *, version: str) -> Note:
        """Store a note and return it with its id and timestamp."""
        with self._lock:
            note = Note(
                id=next(self._ids),
                title=new.title,
                body=new.body,
                created_at=self._clock(),
                version=version,
            )
            self._notes[note.id] = note
            while len(self._notes) > self._capacity:
                self._notes.popitem(last=False)
            return note

    def get(self, note_id: int) -> Note:
        """Return one note. Raises NoteNotFoundError."""
        with self._lock:
            try:
                return self._notes[note_id]
            except KeyError:
                raise NoteNotFoundError(note_id) from None

    def delete(self, note_id: int) -> None:
        """Remove one note. Raises NoteNotFoundError."""
        with self._lock:
            if self._notes.pop(note_id, None) is None:
                raise NoteNotFoundError(note_id)

    def page(self, *, before: int | None, limit: int) -> tuple[list[Note], bool]:
        """Up to ``limit`` notes older than id ``before`` (all when None), newest first.

        Returns the notes and whether older ones remain. Ids only grow, so a page
        boundary stays put while notes are added or deleted.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        found: list[Note] = []
        with self._lock:
            for note in reversed(self._notes.values()):
                if before is not None and note.id >= before:
                    continue
                if len(found) == limit:
                    return found, True
                found.append(note)
        return found, False
