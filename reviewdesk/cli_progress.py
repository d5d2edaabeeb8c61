"""A progress bar for the command-line tools, fed by the same ``progress(done, total)`` callback a job's
handler passes to the work it runs (``jobs.runner.JobContext.progress``).

The commands stay synchronous for scripts: the bar is drawn (by tqdm, on the command's stderr) only when
stderr is a terminal, the verbosity is at least 1 and ``--no-progress`` was not given. Otherwise the
callback does nothing, so a script's or a cron job's output is byte for byte what it was before. Stdout,
where the commands print their results and ``--json``, is never touched.

Usage in a command::

    def add_arguments(self, parser):
        add_progress_argument(parser)

    def handle(self, *args, **options):
        with progress_bar(self, options, desc=_("导入")) as progress:
            reviews_import_file(..., progress=progress)
"""

from __future__ import annotations

from contextlib import contextmanager

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from tqdm import tqdm


def add_progress_argument(parser) -> None:
    parser.add_argument(
        "--no-progress",
        action="store_true",
        dest="no_progress",
        help=_("不显示进度条(没有终端时本就不显示)。"),
    )


def wants_progress(command, options: dict) -> bool:
    """A bar only for a person watching: stderr is a terminal, verbosity ≥ 1, no ``--no-progress``."""
    if options.get("no_progress") or int(options.get("verbosity", 1)) < 1:
        return False
    return bool(command.stderr.isatty())


class _Bar:
    """The callback: ``progress(done, total, stage="")``; ``total`` 0 means not known yet."""

    def __init__(self, bar: tqdm | None):
        self.bar = bar
        self.stage = ""

    def __call__(self, done: int, total: int = 0, stage: str = "") -> None:
        bar = self.bar
        if bar is None:
            return
        if stage and stage != self.stage:
            self.stage = stage
            bar.set_description_str(stage, refresh=False)
        total = max(int(total or 0), int(done))
        if total and bar.total != total:
            bar.total = total
        bar.update(int(done) - bar.n)


@contextmanager
def progress_bar(command, options: dict, *, desc: str, unit: str = "", total: int | None = None):
    """Yield a progress callback for ``command`` (a BaseCommand); the bar is closed on the way out, so the
    command's last lines are not drawn over."""
    if not wants_progress(command, options):
        yield _Bar(None)
        return
    bar = tqdm(
        total=total,
        desc=desc,
        unit=unit or pgettext("进度单位", "行"),
        file=command.stderr._out,
        dynamic_ncols=True,
        mininterval=0.2,
        leave=True,
    )
    try:
        yield _Bar(bar)
    finally:
        bar.close()
