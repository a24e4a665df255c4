"""The notes board's model: request validation and a bounded, thread-safe in-memory store.

Storage lives in the process, so it is per task and gone on every deploy; that is
enough for a demo board and keeps the image free of any database dependency.
"""

from __future__ import annotations

import itertools
import threading
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


def parse_new_note(payload: object) -> NewNote:
    """Validate a decoded JSON body: ``{"title": str, "body"?: str}``, nothing else.

    Raises:
        InvalidNoteError: naming the offending field and what was expected.
    """
    if not isinstance(payload, dict):
        raise InvalidNoteError("request", 'the body must be a JSON object like {"title": "..."}')
    unknown = sorted(set(payload) - _FIELDS)
    if unknown:
        raise InvalidNoteError(
            unknown[0], f"unexpected field; allowed: {', '.join(sorted(_FIELDS))}"
        )

    title = payload.get("title")
    if not isinstance(title, str):
        raise InvalidNoteError("title", "is required and must be a string")
    title = title.strip()
    if not title:
        raise InvalidNoteError("title", "must not be blank")
    if len(title) > TITLE_MAX_CHARS:
        raise InvalidNoteError("title", f"must be at most {TITLE_MAX_CHARS} characters")

    body = payload.get("body", "")
    if not isinstance(body, str):
        raise InvalidNoteError("body", "must be a string")
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

    def newest_first(self) -> list[Note]:
        """Every stored note, most recent first."""
        with self._lock:
            return list(reversed(self._notes.values()))
