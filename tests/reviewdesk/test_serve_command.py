"""``manage.py serve`` (what ``make run`` starts): Ctrl-C stops the web server and the task cluster, and
neither outlives the other. Real processes: the command runs in its own session like a terminal's job,
against a scratch SQLite database that has the cluster's tables, and the test signals its process group
as a terminal does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

# django_db: the suite's autouse fixtures replay seed rows into the test database, which must exist even
# though these tests use a scratch database of their own.
pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="reads /proc"), pytest.mark.django_db]

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


@pytest.fixture(scope="module")
def scratch_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("serve")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ENV", "DEBUG")},
        "DJANGO_SETTINGS_MODULE": "reviewdesk.settings",
        "DATABASE_URL": f"sqlite:///{base / 'serve.sqlite3'}",
        "REVIEWDESK_VAR_DIR": str(base / "var"),
        "Q_WORKERS": "1",
    }
    for app in ("auth", "django_q"):  # the cluster's broker tables (and what post_migrate needs)
        subprocess.run([sys.executable, MANAGE, "migrate", app, "-v0"], env=env, check=True, timeout=180)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes(env) -> list[tuple[int, str]]:
    """Every live process started with this module's scratch environment (the command and all it
    started, orphans included): found by their environment, never by a name."""
    marker = f"REVIEWDESK_VAR_DIR={env['REVIEWDESK_VAR_DIR']}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if _alive(int(entry.name)):
            found.append((int(entry.name), cmdline.strip()))
    return found


def _start(env, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, MANAGE, "serve", *args],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_until_serving(proc, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # an answer is an answer (the scratch database has no session table)
        except OSError:
            time.sleep(0.3)
    pytest.fail("the web server did not answer")


def _wait_for_cluster_workers(env) -> list[tuple[int, str]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        processes = _processes(env)
        if sum("qcluster" in cmd for _pid, cmd in processes) >= 3:  # the cluster, its sentinel, a worker
            return processes
        time.sleep(0.3)
    pytest.fail(f"the cluster did not start: {_processes(env)}")


def test_ctrl_c_stops_the_web_server_and_the_cluster(scratch_env):
    port = _free_port()
    proc = _start(scratch_env, f"127.0.0.1:{port}", "--grace", "20")
    try:
        _wait_until_serving(proc, port)
        running = _wait_for_cluster_workers(scratch_env)
        assert any("runserver" in cmd for _pid, cmd in running)

        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the job's whole process group
        output, _ = proc.communicate(timeout=30)

        assert proc.returncode == 0, output
        assert "已停止网站和后台任务集群。" in output
        assert "Q Cluster" in output or "集群" in output
        time.sleep(0.5)
        assert _processes(scratch_env) == []  # no server, no cluster, no worker left
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
    finally:
        _kill_leftovers(proc, scratch_env)


def test_when_the_web_server_cannot_start_the_cluster_is_stopped_too(scratch_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _start(scratch_env, f"127.0.0.1:{port}", "--noreload", "--grace", "20")
        try:
            output, _ = proc.communicate(timeout=90)
            assert proc.returncode == 1, output
            assert "runserver 已退出，其余进程也已停止。" in output
            time.sleep(0.5)
            assert _processes(scratch_env) == []
        finally:
            _kill_leftovers(proc, scratch_env)


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_leftovers(proc, env) -> None:
    """Only this test's own processes, by id: the command's and those it started."""
    for pid, _cmd in _processes(env):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        proc.kill()
        proc.wait()
