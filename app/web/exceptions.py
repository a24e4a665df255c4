"""Failures the web API turns into JSON error responses."""

from __future__ import annotations


class WebAppError(Exception):
    """Base class for the web app's own errors."""


class InvalidNoteError(WebAppError):
    """A request body does not describe a valid note; the client must fix ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NoteNotFoundError(WebAppError):
    """No note has this id: it never existed, was deleted, or was evicted."""

    def __init__(self, note_id: int) -> None:
        super().__init__(f"note {note_id} not found")
        self.note_id = note_id
