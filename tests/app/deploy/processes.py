"""The CLI as a running process: signal it, and wait for a line it prints.

Waiting for a line the process wrote is how a test knows where it is; the timeouts
below only keep a broken test from hanging, they never order events.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Finished:
    """A finished CLI process."""

    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class CliProcess:
    """``python -m app.deploy ...`` started with ``subprocess.Popen``."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.args = args
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.deploy", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: list[str] = []
        self._stdout: list[str] = []
        self._stdout_closed = False
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self._stdout.append(line)
                self._changed.notify_all()
        with self._changed:
            self._stdout_closed = True
            self._changed.notify_all()

    def wait_for_stdout(self, text: str, timeout: float = 60) -> None:
        """Block until the process has printed ``text`` on stdout (it flushes its result)."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: text in "".join(self._stdout) or self._stdout_closed,
                timeout,
            )
            printed = "".join(self._stdout)
        if not found or text not in printed:
            raise AssertionError(f"{self.args}: no {text!r} on stdout; so far:\n{printed}")

    def wait_for_line(self, text: str, timeout: float = 60) -> str:
        """Block until the process has printed a line containing ``text`` on stderr."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: (
                    any(text in line for line in self._lines) or self.process.poll() is not None
                ),
                timeout,
            )
            matching = [line for line in self._lines if text in line]
        if not found or not matching:
            raise AssertionError(
                f"{self.args}: no line with {text!r}; stderr so far:\n{''.join(self._lines)}"
            )
        return matching[0]

    def send(self, signum: signal.Signals) -> None:
        os.kill(self.pid, signum)

    def finish(self, timeout: float = 120) -> Finished:
        try:
            returncode = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        for reader in self._readers:
            reader.join(timeout)
        return Finished(returncode, "".join(self._stdout), "".join(self._lines))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
