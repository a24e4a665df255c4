"""SIGINT and SIGTERM: stop at once before any change, at a safe point after.

Raising ``KeyboardInterrupt`` from a signal handler lands wherever the main thread
happens to be: between a request and the bookkeeping of its answer, or in the middle
of a restore. So once a release asks for its lock, a signal only sets a flag; the
release checks it between steps and restores what it changed, and no later signal can
cut the restore short (a pipeline's cancel sends SIGTERM, an impatient person a
second Ctrl-C). SIGKILL cannot be caught: ``status`` then names what drifted, and
the lock stays until it expires.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from app.deploy.exceptions import InterruptedBySignalError

HANDLED = (signal.SIGINT, signal.SIGTERM)


def _ignore(message: str) -> None:
    pass


class Interrupts:
    """The signals received so far, and whether they may still stop the tool at once."""

    def __init__(self, notify: Callable[[str], None] | None = None) -> None:
        # ``notify`` runs inside the signal handler: it must not take a lock that the
        # interrupted code may hold (the CLI writes straight to the stderr descriptor).
        self._notify = notify or _ignore
        self._event = threading.Event()
        self._deferred = False
        self._complete = False
        self.received: list[str] = []

    def defer(self) -> None:
        """From now on, signals only set the flag (call before the first AWS write)."""
        self._deferred = True

    def complete(self) -> None:
        """Past the last check: the release is done, and a signal now changes nothing."""
        self._complete = True

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise ``InterruptedBySignalError`` if a signal has arrived: called between steps."""
        if self._event.is_set():
            raise InterruptedBySignalError(self.received[0])

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as a signal arrives."""
        return self._event.wait(seconds)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        self.received.append(name)
        self._event.set()
        if not self._deferred:
            raise KeyboardInterrupt(name)
        if self._complete:
            self._notify(f"[signal] {name} received after the release completed; ignored\n")
            return
        self._notify(
            f"[signal] {name} received: stopping at the next safe point; "
            "changes already made will be put back\n"
        )

    @contextmanager
    def installed(self, *, exiting: bool = False) -> Iterator[Interrupts]:
        """Handle SIGINT and SIGTERM in the main thread for the duration.

        With ``exiting`` (the process ends afterwards) they are ignored from then on
        instead of getting their previous handlers back: the outcome is decided and
        printed, and a signal while the interpreter shuts down must not turn a
        finished release into exit 143 or 130.
        """
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {signum: signal.signal(signum, self.handle) for signum in HANDLED}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, signal.SIG_IGN if exiting else handler)
