"""Progress reporting and running one piece of work per target, side by side."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from app.deploy.retry import describe_error

Progress = Callable[[str, str], None]
"""Called as ``progress(target, message)`` from worker threads; must be thread-safe."""


def no_progress(target: str, message: str) -> None:
    pass


def run_concurrently(
    names: Sequence[str],
    work: Callable[[str, threading.Event], None],
    *,
    max_concurrency: int,
    progress: Progress,
) -> list[str]:
    """Run ``work(name, cancelled)`` for each name; return one message per failure.

    After the first failure ``cancelled`` is set, so targets not yet started are left
    alone; those in flight finish, so their state is known before restoring.
    """
    if not names:
        return []
    cancelled = threading.Event()
    failures: list[str] = []
    pool = ThreadPoolExecutor(max_workers=min(max_concurrency, len(names)))
    try:
        futures = {pool.submit(work, name, cancelled): name for name in names}
        for future in as_completed(futures):
            exc = future.exception()
            if exc is not None:
                cancelled.set()
                message = describe_error(exc)
                failures.append(message)
                progress(futures[future], f"FAILED: {message}")
    except BaseException:
        cancelled.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return failures
