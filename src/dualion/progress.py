"""Progress bars (rich) for long work; silent when stderr is not a terminal unless forced."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

#: Console on stderr, so that JSON on stdout stays machine-readable.
console = Console(stderr=True)


def make_progress(transient: bool = False, disable: bool | None = None) -> Progress:
    """A rich ``Progress`` with description, bar, done/total, elapsed and remaining time."""
    if disable is None:
        disable = not console.is_terminal
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                    transient=transient, disable=disable)
