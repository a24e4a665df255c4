"""SIGINT and SIGTERM: at once before the first write, a flag checked at safe points after."""

import os
import signal

import pytest

from app.deploy.exceptions import InterruptedBySignalError
from app.deploy.signals import Interrupts


def test_before_the_first_write_a_signal_stops_at_once():
    before = signal.getsignal(signal.SIGTERM)
    interrupts = Interrupts()

    with interrupts.installed(), pytest.raises(KeyboardInterrupt, match="SIGTERM"):
        os.kill(os.getpid(), signal.SIGTERM)

    assert signal.getsignal(signal.SIGTERM) is before


def test_after_defer_every_signal_only_sets_the_flag():
    notes: list[str] = []
    interrupts = Interrupts(notes.append)

    with interrupts.installed():
        interrupts.defer()
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)  # a second one, e.g. an impatient Ctrl-C
        os.kill(os.getpid(), signal.SIGTERM)
        received = list(interrupts.received)

    assert received == ["SIGTERM", "SIGINT", "SIGTERM"]
    assert [n.split(" received")[0] for n in notes] == ["[signal] SIGTERM", "[signal] SIGINT",
                                                        "[signal] SIGTERM"]  # fmt: skip
    assert interrupts.requested
    with pytest.raises(InterruptedBySignalError, match="interrupted by SIGTERM") as raised:
        interrupts.check()
    assert raised.value.exit_code == 130


def test_wait_returns_early_once_a_signal_has_arrived():
    interrupts = Interrupts()
    interrupts.defer()

    assert interrupts.wait(0) is False
    interrupts.handle(signal.SIGINT, None)
    assert interrupts.wait(60) is True  # returns at once: the flag is already set
