"""A progress bar for indexing, shown only when it takes more than a moment."""

from __future__ import annotations

import contextlib
import sys
import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

DELAY_S = 0.5


@contextlib.contextmanager
def index_progress():
    """Yields ``callback(done, total)``; the bar appears after DELAY_S on a terminal only."""
    if not sys.stderr.isatty():
        yield None
        return
    started = time.monotonic()
    bar: Progress | None = None
    task = None

    def callback(done: int, total: int) -> None:
        nonlocal bar, task
        if bar is None:
            if time.monotonic() - started < DELAY_S:
                return
            bar = Progress(TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           transient=True)
            bar.start()
            task = bar.add_task("index", total=total)
        bar.update(task, completed=done, total=total)

    try:
        yield callback
    finally:
        if bar is not None:
            bar.stop()
