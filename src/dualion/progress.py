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


class JobProgress:
    """Progress of a long job made of items with inner steps (e.g. relaxations with optimizer steps).

    ``mode``:

    * ``"bars"`` — rich live display on stderr: the job's bar (items done / total, elapsed, ETA) and
      one bar per item running in this process (steps / step limit, current fmax, elapsed, ETA to
      the step limit); each finished item also prints one line above the bars;
    * ``"lines"`` — no live display, one plain line per finished item (for logs: not a terminal);
    * ``"off"`` — nothing.

    ``None`` picks ``"bars"`` when stderr is a terminal, else ``"lines"``.
    """

    def __init__(self, description: str, total: int, done: int = 0, mode: str | None = None):
        self.mode = mode or ("bars" if console.is_terminal else "lines")
        if self.mode not in ("bars", "lines", "off"):
            raise ValueError(f"unknown progress mode {self.mode!r}")
        self.total, self.done = int(total), int(done)
        self._bars = None
        if self.mode == "bars":
            self._bars = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                  console=console, transient=False)
            self._job = self._bars.add_task(description, total=total, completed=done, info="")

    def __enter__(self) -> JobProgress:
        if self._bars is not None:
            self._bars.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._bars is not None:
            self._bars.stop()

    def start_item(self, label: str, max_steps: int) -> int | None:
        """Show a bar for one item (``bars`` mode); returns its id (or ``None``)."""
        if self._bars is None:
            return None
        return self._bars.add_task(f"  {label}", total=max_steps, info="")

    def step(self, item: int | None, steps: int, info: str = "") -> None:
        """Update an item's bar: ``steps`` done, ``info`` (e.g. ``fmax 0.12 → 0.05 eV/Å``)."""
        if self._bars is not None and item is not None:
            self._bars.update(item, completed=steps, info=info)

    def finish_item(self, item: int | None, line: str | None, n: int = 1) -> None:
        """Remove an item's bar, count ``n`` items done and print ``line`` (bars and lines modes)."""
        self.done += n
        if self._bars is not None:
            if item is not None:
                self._bars.remove_task(item)
            self._bars.advance(self._job, n)
        if line:
            self.note(line)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` items done without a line."""
        self.finish_item(None, None, n)

    def note(self, line: str) -> None:
        """One plain line on stderr (above the bars in ``bars`` mode; nothing in ``off`` mode)."""
        if self.mode == "off":
            return
        target = self._bars.console if self._bars is not None else console
        target.print(line, soft_wrap=True, markup=False, highlight=False)
