"""Hold images' release locks around another command: the infra deploy stage's ``pulumi up``.

``pulumi up`` changes what a release guards (a function's ``$LATEST`` and its RevisionId,
the web service's task definition), and a release moves what ``pulumi up`` reads (each
alias, the recorded tags). So the infra pipeline runs ``pulumi up`` under the same locks a
release takes, for every image it names (``python -m app.deploy hold --image lambda
--image web -- pulumi up ...``): a release waits for it, and it waits for a release.

The command runs in a session of its own, so a Ctrl-C at a terminal reaches only this
process, which passes it on once: Pulumi stops gracefully on its first SIGINT and
abandons its operations on a second. SIGTERM is passed on as SIGTERM. The locks are
released after the command has ended, whatever its exit code, which becomes this one's.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING

from app.deploy.exceptions import BadInputError

if TYPE_CHECKING:
    from app.deploy.release import Releaser
    from app.deploy.signals import Interrupts
    from app.deploy.workers import Progress

#: How often the held command is checked for its end and for a signal to pass on.
POLL_SECONDS = 0.2


def hold(
    releaser: Releaser,
    images: Sequence[str],
    command: Sequence[str],
    *,
    interrupts: Interrupts,
    progress: Progress,
) -> int:
    """Take the release locks of ``images`` (in the manifest's order), run ``command``,
    release the locks; the command's exit code (a signal's as 128 + its number)."""
    if not command:
        raise BadInputError("hold needs a command after `--`, e.g. -- pulumi up --yes")
    order = [name for name in releaser.manifest.images if name in set(images)]
    with ExitStack() as locks:
        # One order for everyone who takes several: two holders cannot wait for each other.
        for name in order:
            locks.enter_context(releaser.locked(name, "hold"))
        progress("hold", f"running {' '.join(command)} with the locks of {', '.join(order)}")
        try:
            child = subprocess.Popen(list(command), start_new_session=True)
        except OSError as exc:
            raise BadInputError(
                f"cannot run {command[0]!r}: {exc.strerror}; check the command after `--` "
                "(an executable on PATH, or its path); the locks are released, nothing ran"
            ) from exc
        passed_on = 0
        while True:
            try:
                code = child.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            # Pass each signal on once, in the order received.
            for name in interrupts.received[passed_on:]:
                progress("hold", f"{name} received: passed on to the command")
                child.send_signal(signal.Signals[name])
                passed_on += 1
        progress("hold", f"the command exited {code}; releasing the locks")
    return 128 - code if code < 0 else code
