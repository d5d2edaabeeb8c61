#!/usr/bin/env python
"""Fault run: PostgreSQL stops in the middle of a request that writes thousands of rows.

    .venv/bin/python bench/bench_fault_db.py [--rows 6000] [--port 55439]

Never touches the shared server: it ``initdb``s a private PostgreSQL 15 into a temporary folder
(run as the ``postgres`` user when we are root), on ``--port`` with its socket in that folder,
migrates and seeds it, and serves it with ``gunicorn`` (DEBUG off, so errors get the app's own
``templates/500.html``). A supervisor logs in, uploads a Taobao export of ``--rows`` rows (the dry-run
preview) and confirms it: the import writes every review, case, routing row and timeline row in one
transaction. As soon as that transaction has written (``pg_stat_activity.backend_xid`` set), the
bench stops the server with ``pg_ctl stop -m immediate`` (a crash: no checkpoint, no goodbye).

Checks: the client got HTTP 500 with the app's error page (bilingual, no traceback, no data); after
``pg_ctl start`` (crash recovery) every table has exactly the rows it had before the confirm; the
same gunicorn, untouched, serves pages again (the dead connections are replaced); and the import can
be confirmed again and completes. Then the server is stopped and the folder removed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _db  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "bench-fault-Pa55"


class PrivateServer:
    """A throw-away PostgreSQL 15 cluster in ``folder`` (owned by ``postgres`` when we are root)."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port, self.data = folder, port, folder / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_postgres, *args], check=check, capture_output=True, text=True)

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self.run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        # fsync off: migrating on a shared, loaded machine takes minutes otherwise. ``-m immediate``
        # kills the server, not the machine: what it wrote is in the OS cache and WAL replay applies.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def table_counts(url: str) -> dict[str, int]:
    """Exact row counts of every table of the public schema."""
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def writing_backend(url: str) -> bool:
    """Is some other backend inside a transaction that has written (has a transaction id)?"""
    import psycopg

    try:
        with psycopg.connect(
            url.replace("postgres://", "postgresql://"), autocommit=True, connect_timeout=2
        ) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_xid IS NOT NULL AND state IN ('active', 'idle in transaction')"
            ).fetchone()
            return row[0] > 0
    except psycopg.OperationalError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--port", type=int, default=55439)
    args = parser.parse_args()
    if not (PG_BIN / "initdb").exists():
        print(f"needs PostgreSQL 15's server binaries in {PG_BIN}", file=sys.stderr)
        return 2
    import requests

    folder = Path(tempfile.mkdtemp(prefix="h5_pg_"))
    var = Path(tempfile.mkdtemp(prefix="h5_var_"))
    server = PrivateServer(folder, args.port)
    web = None
    report, checks = [], []
    t0 = time.perf_counter()
    try:
        server.init()
        server.start()
        server.run(
            str(PG_BIN / "createdb"), "-h", str(folder), "-p", str(args.port), "-U", "postgres", "reviewdesk"
        )
        url = server.url("reviewdesk")
        _db.django_on(url, REVIEWDESK_VAR_DIR=str(var), DEBUG="0")
        from django.contrib.auth.models import Group

        from reviewdesk.models import Shop, ShopMembership, User
        from training.models import ModuleRequirement

        ModuleRequirement.objects.all().delete()
        shop = Shop.objects.create(code="pgstop", platform="taobao", name="断库演练店")
        supervisor = User.objects.create_user(
            username="pgstop-supervisor", password=PASSWORD, display_name="主管"
        )
        supervisor.groups.add(Group.objects.get(name="supervisor"))
        ShopMembership.objects.create(shop=shop, user=supervisor)
        export = folder.parent / f"{folder.name}_export.csv"
        subprocess.run(
            [
                sys.executable,
                str(_db.ROOT / "bench/gen_exports.py"),
                "taobao",
                str(args.rows),
                str(export),
                "--csv",
            ],
            check=True,
            capture_output=True,
        )
        from django.db import connections

        connections.close_all()  # this process holds no connection across the stop
        report.append(
            f"private PostgreSQL 15 on 127.0.0.1:{args.port} (socket in {folder}), migrated and seeded in "
            f"{time.perf_counter() - t0:.1f} s"
        )

        port = _db.free_port()
        web = _db.start_gunicorn(
            port=port,
            workers=2,
            log=Path("/tmp/h5_fault_db_gunicorn.log"),
            timeout=120,
            env={"REVIEWDESK_VAR_DIR": str(var), "DEBUG": "0", "DATABASE_URL": url},
        )
        base = f"http://127.0.0.1:{port}"
        _db.wait_http(base + "/accounts/login/")
        browser = requests.Session()
        browser.get(base + "/accounts/login/", timeout=60)
        answer = browser.post(
            base + "/accounts/login/",
            timeout=60,
            allow_redirects=False,
            data={
                "username": supervisor.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
        )
        assert answer.status_code == 302, answer.status_code
        with export.open("rb") as file:
            preview = browser.post(
                base + "/cases/import/",
                timeout=300,
                files={"file": (export.name, file, "text/csv")},
                data={"shop": shop.pk, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            )
        token = re.search(r'name="token" value="([^"]+)"', preview.text)
        assert preview.status_code == 200 and token, (preview.status_code, preview.text[:500])
        confirm = {"token": token.group(1), "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
        before = table_counts(url)

        answers: list = []

        def confirm_import():
            try:
                answers.append(browser.post(base + "/cases/import/confirm/", data=confirm, timeout=300))
            except requests.RequestException as exc:
                answers.append(exc)

        request = threading.Thread(target=confirm_import)
        started = time.perf_counter()
        request.start()
        caught = False
        while request.is_alive() and not caught:
            caught = writing_backend(url)
            time.sleep(0.05)
        if not caught:
            print("FAIL the import finished before the bench saw it write; use more --rows")
            return 1
        server.stop("immediate")
        stopped = time.perf_counter()
        request.join(timeout=300)
        response = answers[0]
        report.append(
            f"confirm POSTed; its transaction seen writing after {stopped - started:.1f} s; "
            f"pg_ctl stop -m immediate; answer after {time.perf_counter() - started:.1f} s"
        )
        status = getattr(response, "status_code", repr(response))
        body = getattr(response, "text", "")
        error_page = "服务器出错了" in body and "Server error (500)" in body
        leaks = [
            word for word in ("Traceback", "OperationalError", "psycopg", "pgstop", "/work/") if word in body
        ]
        checks.append(
            (
                "the client got 500 and the app's error page, no traceback or data",
                status == 500 and error_page and not leaks,
                f"HTTP {status}, error page {error_page}, leaks {leaks}",
            )
        )

        server.start()
        after = table_counts(url)
        changed = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
        checks.append(
            (
                "after crash recovery every table has the rows it had before",
                not changed,
                f"{len(before)} tables, {sum(before.values())} rows before, {sum(after.values())} after; changed {changed}",
            )
        )

        pages = [browser.get(base + "/cases/queue/", timeout=60).status_code for _ in range(4)]
        checks.append(("the same gunicorn serves pages again", pages == [200] * 4, f"queue page: {pages}"))
        again = browser.post(base + "/cases/import/confirm/", data=confirm, timeout=300)
        opened = table_counts(url).get("cases_case", 0)
        checks.append(
            (
                "confirming again imports the file",
                again.status_code == 200 and opened > 0,
                f"HTTP {again.status_code}, {opened} cases now",
            )
        )
    finally:
        _db.stop(web)
        server.stop("fast")
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(var, ignore_errors=True)
        with contextlib.suppress(OSError):
            (folder.parent / f"{folder.name}_export.csv").unlink()
    print()
    print(
        f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.rows} rows; total {time.perf_counter() - t0:.0f} s"
    )
    for line in report:
        print(line)
    ok = True
    for name, passed, detail in checks:
        ok &= passed
        print(f"{'OK  ' if passed else 'FAIL'} {name}: {detail}")
    return 0 if ok and len(checks) == 4 else 1


if __name__ == "__main__":
    sys.exit(main())
