"""What the load and fault benches share: a scratch PostgreSQL database, Django set up on it, and the
servers they start as subprocesses (``gunicorn``, ``manage.py qcluster``), each in its own session
so that stopping it stops its children too. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def postgres_base_url() -> str | None:
    """The DATABASE_URL of the run if it names PostgreSQL, else None (the benches need PostgreSQL)."""
    base = os.environ.get("DATABASE_URL", "")
    return base if base.startswith("postgres") else None


@contextlib.contextmanager
def _maintenance(base_url: str):
    """An autocommit connection to the ``postgres`` database of the server of ``base_url``."""
    import psycopg

    admin = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        yield conn


def reusable_database(base_url: str, name: str, *, reuse: bool) -> tuple[str, bool]:
    """The URL of database ``name`` on the server of ``base_url``, and whether it holds an earlier run's
    data: kept when ``reuse`` and it exists, else dropped and created empty."""
    with _maintenance(base_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (reuse and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    return base_url.rsplit("/", 1)[0] + "/" + name, bool(reuse and exists)


def scratch_database(base_url: str, name: str) -> str:
    """Drop and re-create ``name`` on the server of ``base_url``; returns its URL."""
    return reusable_database(base_url, name, reuse=False)[0]


def drop_database(base_url: str, name: str) -> None:
    with _maintenance(base_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def django_on(database_url: str, **env: str) -> None:
    """Point this process (and the subprocesses it starts) at ``database_url``, set Django up,
    migrate and seed the default policy pack."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["Q_SYNC"] = "0"
    # The benches' robots are local HTTP servers; the outbound client refuses loopback unless named.
    os.environ.setdefault("OUTBOUND_ALLOWED_HOSTS", "127.0.0.1")
    # Every simulated agent comes from 127.0.0.1: the per-address login and per-user API rates are a
    # product limit for people, not what a load run measures.
    for name in ("LOGIN_RATE", "API_RATE_USER", "API_RATE_TOKEN", "API_RATE_ANON"):
        os.environ.setdefault(name, "100000/min")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_policies", verbosity=0)


def child_json(script: str, mode: str, db_url: str) -> dict:
    """Run ``script --child mode --db db_url`` in a fresh interpreter (its own peak memory, no cache of
    this one) and read the JSON of the last line it prints."""
    output = subprocess.run(
        [sys.executable, script, "--child", mode, "--db", db_url],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], *, log: Path, env: dict | None = None) -> subprocess.Popen:
    """A subprocess in its own session (its process group id is its pid), output to ``log``."""
    out = open(log, "w")  # noqa: SIM115 - the child holds it; closed with the process
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process._log = out  # type: ignore[attr-defined]
    return process


def start_qcluster(*, log: Path, env: dict | None = None) -> subprocess.Popen:
    return start([sys.executable, str(ROOT / "manage.py"), "qcluster"], log=log, env=env)


ACCESS_FORMAT = (
    "ACCESS %(m)s %(U)s %(q)s %(s)s %(D)s"  # method, path, query, status, microseconds in the worker
)


def start_gunicorn(
    *, port: int, workers: int, log: Path, env: dict | None = None, timeout: int = 60
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:``port``; its access log (``ACCESS_FORMAT``) goes to ``log``."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    args = [
        gunicorn,
        "reviewdesk.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "5",
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_FORMAT,
    ]
    return start(args, log=log, env=env)


def access_log(log: Path) -> list[tuple[str, str, str, int, float]]:
    """(method, path, query, status, milliseconds inside the worker) of every request gunicorn logged."""
    rows = []
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split(" ")
        if len(parts) == 6 and parts[0] == "ACCESS":
            rows.append((parts[1], parts[2], parts[3], int(parts[4]), int(parts[5]) / 1000))
    return rows


def stop(process: subprocess.Popen | None, *, grace: float = 20.0) -> None:
    """SIGTERM the process group, SIGKILL it if it has not gone after ``grace`` seconds."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # children that outlived their parent
        os.killpg(process.pid, signal.SIGKILL)
    log = getattr(process, "_log", None)
    if log is not None:
        log.close()


def wait_http(url: str, *, timeout: float = 60.0) -> None:
    """Until ``url`` answers at all (any status), or raise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 - 127.0.0.1 only
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (from /proc; psutil is not a dependency)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` 0.95 → p95); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(share * len(ordered))) - 1))]


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def backend_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) the PostgreSQL backend ``pid`` has used, from /proc (the server must
    run on this host; None otherwise): what a benchmark's own connection cost the database."""
    try:
        fields = _stat(pid)
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postmaster_of(backend: int) -> int | None:
    """The PostgreSQL server's main process (the parent of its backend ``backend``), from /proc."""
    try:
        return int(_stat(backend)[1])
    except (OSError, IndexError, ValueError):
        return None


def server_cpu_s(postmaster: int | None) -> float | None:
    """CPU seconds the whole PostgreSQL server has used: the postmaster, every live process it started
    (backends, WAL writer, checkpointer, autovacuum) and those that already exited, whose time the
    kernel adds to the postmaster's children's time. The database's share of a run, even one that
    opens new connections. None if /proc cannot tell (a server on another host)."""
    if postmaster is None:
        return None
    try:
        own = _stat(postmaster)
    except OSError:
        return None
    total = sum(int(own[k]) for k in (11, 12, 13, 14))
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = _stat(int(entry.name))
                if int(fields[1]) == postmaster:
                    total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def backend_pid() -> int:
    """The PostgreSQL backend of Django's default connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
