"""``manage.py serve [ADDR:PORT]``: the web server and the task cluster together, stopped together.

``make run`` used ``trap 'kill 0' INT TERM EXIT`` around ``qcluster &`` and ``runserver``. The trap's own
``kill 0`` signalled the shell that ran it, whose trap ran again: dash recursed until it crashed ("make:
*** [run] Segmentation fault") and the cluster was told to stop several times; and when SIGINT came from
anywhere but a terminal (a background ``make run``, a process manager), the cluster started with ``&`` had
it ignored.

Here each child runs in its own process group, so only this process receives Ctrl-C, SIGTERM or SIGHUP,
and it stops each child once with SIGTERM; whatever is left of a child's group after ``--grace`` seconds
(the autoreloader's server process, the cluster's workers) gets SIGKILL. When either child ends by itself
(the port is taken, the cluster fails), the other is stopped too, and the exit status says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _start(arguments: list[str]) -> subprocess.Popen:
    manage = Path(settings.BASE_DIR) / "manage.py"

    def default_signals():  # a child of a shell's background job would inherit SIGINT ignored
        for number in (signal.SIGINT, signal.SIGQUIT):
            signal.signal(number, signal.SIG_DFL)

    return subprocess.Popen(
        [sys.executable, str(manage), *arguments],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=default_signals,
    )


def _stop(children: list[subprocess.Popen], grace: float) -> None:
    # The cluster stops its own workers when its main process is told to (a signal to the whole group
    # would stop the workers under it and cost the grace period); the autoreloader does not stop the
    # server process it started, so the web server's whole group is told.
    qcluster, runserver = children + [None] * (2 - len(children))
    if qcluster is not None and qcluster.poll() is None:
        qcluster.send_signal(signal.SIGTERM)
    if runserver is not None:
        _signal_group(runserver, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for child in children:
        # the group too: a worker or the reloaded server may outlive its parent
        _signal_group(child, signal.SIGKILL)
        child.wait()


def _signal_group(child: subprocess.Popen, number: int) -> None:
    try:
        os.killpg(child.pid, number)
    except ProcessLookupError:
        pass


class Command(BaseCommand):
    help = "同时启动网站(runserver)和后台任务集群(qcluster)；Ctrl-C 或 SIGTERM 时两者一起停止。"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="地址:端口")
        parser.add_argument("--noreload", action="store_true", help="代码变化时不自动重启网站。")
        parser.add_argument("--grace", type=float, default=10.0, help="停止时等待的秒数，之后强制结束。")

    def handle(self, *args, addrport, noreload, grace, **options):
        stopping: list[int] = []

        def on_signal(number, frame):
            stopping.append(number)

        previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
        children: list[subprocess.Popen] = []
        try:
            children.append(_start(["qcluster"]))
            children.append(_start(["runserver", addrport, *(["--noreload"] if noreload else [])]))
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.2)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            ended = [child for child in children if child.poll() is not None]
            _stop(children, grace)
        if stopping:
            self.stdout.write(_("已停止网站和后台任务集群。"))
            return
        names = {0: "qcluster", 1: "runserver"}
        failed = ", ".join(names[children.index(child)] for child in ended)
        self.stderr.write(_("%(programs)s 已退出，其余进程也已停止。") % {"programs": failed})
        sys.exit(1)
