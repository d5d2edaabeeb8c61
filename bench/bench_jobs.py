#!/usr/bin/env python
"""Jobs benchmark on PostgreSQL (issue #17): what running long work as a django-q2 job costs beside
calling it directly, and what a running job does to the web's latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_jobs.py \
        [--rows 100000] [--entries 200000] [--samples 60]

Scratch database ``pgb_bench_jobs`` (dropped and re-created, dropped again at the end unless ``--keep``),
migrated and seeded with the default pack; a Taobao export of ``--rows`` rows (bench/gen_exports.py,
XLSX, kept in /tmp between runs); 500 agents in 5 shops with ``--entries`` ledger entries over 2026-Q3
(bench/bench_payouts.py's ``seed``: awards, points, redemptions, adjustments, reversals). Then:

(a) the import: ``reviews_import_file`` called in this process (the synchronous floor), then the same
    file into a second, identical shop as an ``import`` job run by ``manage.py qcluster`` (2 workers,
    the ORM broker): wall time from ``job_start`` until the row says done (and the part spent queued),
    and CPU: this process for the floor, the cluster's processes for the job; beside each, the whole
    PostgreSQL server's CPU over the same span (the server is shared: other work on the machine shows);
(b) the payout export of the quarter (XLSX, the HR's five shops): ``export_xlsx`` in this process, then
    the ``payout_export`` job, measured the same way;
(c) the web's latency through ``gunicorn`` (2 sync workers, 30 s timeout, as deployed by default):
    one client in a loop over the supervisor's queue page and the login page (the floor: a page that
    reads almost nothing), idle, then while an import job runs, then while the export job runs.
    p50/p95 of each, with the number of samples.

The ratios are the figures to read: a job adds the broker's hand-off and polling to the work, and the
web shares two cores with the worker, so a latency rise under a job on this machine is the CPU it had.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _db  # noqa: E402

BENCH_DB = "pgb_bench_jobs"
QUARTER = "2026-Q3"
LOGS = Path(tempfile.gettempdir())


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and every live process under it, plus its children that already exited."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for index, each in enumerate([pid, *_db.descendants(pid)]):
        try:
            fields = _db._stat(each)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if index == 0:
            total += int(fields[13]) + int(fields[14])
    return total / tick


class Span:
    """Wall time, a CPU reader's delta and the PostgreSQL server's CPU delta over a ``with`` block."""

    def __init__(self, postmaster: int | None, cpu):
        self.postmaster, self.cpu = postmaster, cpu

    def __enter__(self):
        self.t, self.c, self.pg = time.perf_counter(), self.cpu(), _db.server_cpu_s(self.postmaster)
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t
        self.cpu_s = self.cpu() - self.c
        pg = _db.server_cpu_s(self.postmaster)
        self.pg_s = None if pg is None or self.pg is None else pg - self.pg
        return False


def _wait_done(job_id: int, *, timeout: float):
    from jobs.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.finished_at is not None:
            return job
        time.sleep(0.2)
    raise SystemExit(f"job {job_id} did not finish within {timeout:.0f} s")


def _drain(timeout: float = 1800) -> None:
    """Until django-q2's ORM queue is empty (the tasks a finished import handed off have run)."""
    from django_q.models import OrmQ

    deadline = time.monotonic() + timeout
    while OrmQ.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1)


def _session_cookie(user) -> str:
    """A logged-in session for ``user`` (the login form is not what is measured)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Prober(threading.Thread):
    """One client: GET each path in turn until stopped; latencies (ms) per path, failures counted."""

    def __init__(self, base: str, paths: list[str], cookie: str):
        super().__init__(daemon=True)
        self.base, self.paths, self.cookie = base, paths, cookie
        self.samples: dict[str, list[float]] = {p: [] for p in paths}
        self.failures = 0
        self.running = threading.Event()
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            if not self.running.wait(0.1):
                continue
            for path in self.paths:
                request = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie})
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - 127.0.0.1
                        response.read()
                        ok = response.status == 200
                except (urllib.error.URLError, OSError):
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                if not self.running.is_set():
                    break
                if ok:
                    self.samples[path].append(elapsed)
                else:
                    self.failures += 1
                time.sleep(0.05)

    def phase(self, seconds: float | None = None, until=None, count: int | None = None) -> dict:
        for values in self.samples.values():
            values.clear()
        self.failures = 0
        self.running.set()
        started = time.monotonic()
        while True:
            time.sleep(0.2)
            if count is not None and min(len(v) for v in self.samples.values()) >= count:
                break
            if until is not None and until():
                break
            if seconds is not None and time.monotonic() - started > seconds:
                break
        self.running.clear()
        time.sleep(0.3)
        return {p: list(v) for p, v in self.samples.items()} | {"_failures": self.failures}


def _latency_line(label: str, phase: dict, paths: list[str]) -> str:
    parts = []
    for path in paths:
        values = phase[path]
        parts.append(
            f"{path} p50 {_db.percentile(values, 0.5):6.0f} ms  p95 {_db.percentile(values, 0.95):6.0f} ms"
            f" (n={len(values)})"
        )
    return f"  {label:<22} " + " | ".join(parts) + f"  failures {phase['_failures']}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "n/a"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=60, help="idle latency samples per page")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    base = _db.postgres_base_url()
    if base is None:
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    os.environ["IMPORT_MAX_ROWS"] = str(max(args.rows, 200_000))
    os.environ["Q_WORKERS"] = "2"
    _db.django_on(_db.scratch_database(base, BENCH_DB), DEBUG="0", SECRET_KEY="bench-jobs-not-secret")

    import bench_payouts
    import gen_exports
    from django.contrib.auth.models import Group

    from cases.imports.uploads import reviews_import_file, staged_preview_put
    from incentives.selectors import payout_scope
    from incentives.services.payouts import export_xlsx
    from jobs.choices import JobKind
    from jobs.services import job_start
    from reviewdesk.models import Shop, ShopMembership, User

    export = Path(tempfile.gettempdir()) / f"pgb_bench_jobs_{args.rows}.xlsx"
    if not export.exists():
        records = gen_exports.reviews(args.rows)
        gen_exports.write_xlsx(
            str(export), gen_exports.TAOBAO_HEADERS, [gen_exports.taobao_row(r) for r in records]
        )
        del records
    data = export.read_bytes()
    t = time.perf_counter()
    bench_payouts.seed(args.entries)
    print(f"seeded {args.entries} ledger entries for 500 agents in {time.perf_counter() - t:.0f} s")

    shops = {
        name: Shop.objects.create(code=f"pgb-{name}", platform="taobao", name=f"基准店{name}")
        for name in ("floor", "job", "busy")
    }
    supervisor = User.objects.create_user("pgb-sup", password="!", display_name="基准主管")
    supervisor.groups.add(Group.objects.get(name="supervisor"))
    hr = User.objects.create_user("pgb-hr", password="!", display_name="基准人事")
    hr.groups.add(Group.objects.get(name="hr"))
    bench_shops = list(Shop.objects.filter(code__startswith="bench-"))
    ShopMembership.objects.bulk_create(
        [ShopMembership(user=supervisor, shop=s) for s in shops.values()]
        + [ShopMembership(user=hr, shop=s) for s in bench_shops]
    )
    postmaster = _db.postmaster_of(_db.backend_pid())
    print(f"file: {export.name} ({len(data) / 1e6:.1f} MB, {args.rows} rows); quarter {QUARTER}")

    cluster = _db.start_qcluster(log=LOGS / "pgb_bench_jobs_qcluster.log")
    web = None
    try:
        time.sleep(5)  # the cluster's workers are up before any clock starts
        # (a) the import: the floor in this process, then the job in the cluster. Each starts on an
        # empty queue: the floor's after-commit tasks (routing, alerts) run in the cluster before the
        # job's clock starts, not inside it.
        with Span(postmaster, _cpu_self) as floor:
            result = reviews_import_file(shop=shops["floor"], data=data, file_name=export.name, by=supervisor)
        assert result.ok and result.created == args.rows, result.error
        _drain()
        with Span(postmaster, lambda: _tree_cpu(cluster.pid)) as job_span:
            job = job_start(
                kind=JobKind.IMPORT,
                owner=supervisor,
                shop=shops["job"],
                params={
                    "staged": staged_preview_put(data=data),
                    "file_name": export.name,
                    "bytes": len(data),
                },
            )
            job = _wait_done(job.pk, timeout=3600)
        assert job.state == "done" and job.counts.get("created") == args.rows, (job.state, job.message)
        queued = (job.started_at - job.created_at).total_seconds()
        print("\n(a) review import of", args.rows, "rows")
        print(
            f"  synchronous floor   wall {floor.wall:6.1f} s  CPU {floor.cpu_s:6.1f} s  PG server {_fmt(floor.pg_s)} s"
        )
        print(
            f"  as a job            wall {job_span.wall:6.1f} s  CPU {job_span.cpu_s:6.1f} s  PG server {_fmt(job_span.pg_s)} s"
            f"  (queued {queued:.1f} s)"
        )
        print(
            f"  job / floor         wall {_ratio(job_span.wall, floor.wall)}  CPU {_ratio(job_span.cpu_s, floor.cpu_s)}"
            f"  PG {_ratio(job_span.pg_s, floor.pg_s)}"
        )

        _drain()
        # (b) the payout export of the quarter, for the HR's shops.
        shop_ids = payout_scope(hr)
        with Span(postmaster, _cpu_self) as floor_x, tempfile.TemporaryFile() as out:
            written = export_xlsx(QUARTER, out, shop_ids=shop_ids)
            size = out.tell()
        with Span(postmaster, lambda: _tree_cpu(cluster.pid)) as job_x:
            job = job_start(
                kind=JobKind.PAYOUT_EXPORT,
                owner=hr,
                params={"span": QUARTER, "fmt": "xlsx", "sheet": "detail"},
            )
            job = _wait_done(job.pk, timeout=3600)
        assert job.state == "done", job.message
        print(
            f"\n(b) payout export {QUARTER}: {written['agents']} agents, {written['entries']} entries, {size / 1e6:.1f} MB"
        )
        print(
            f"  synchronous floor   wall {floor_x.wall:6.1f} s  CPU {floor_x.cpu_s:6.1f} s  PG server {_fmt(floor_x.pg_s)} s"
        )
        print(
            f"  as a job            wall {job_x.wall:6.1f} s  CPU {job_x.cpu_s:6.1f} s  PG server {_fmt(job_x.pg_s)} s"
            f"  (file {job.counts.get('bytes', 0) / 1e6:.1f} MB)"
        )
        print(
            f"  job / floor         wall {_ratio(job_x.wall, floor_x.wall)}  CPU {_ratio(job_x.cpu_s, floor_x.cpu_s)}"
            f"  PG {_ratio(job_x.pg_s, floor_x.pg_s)}"
        )

        # (c) the web's latency through gunicorn, idle and while each job runs.
        port = _db.free_port()
        web = _db.start_gunicorn(port=port, workers=2, timeout=30, log=LOGS / "pgb_bench_jobs_gunicorn.log")
        url = f"http://127.0.0.1:{port}"
        _db.wait_http(url + "/accounts/login/")
        paths = ["/cases/queue/shop/", "/accounts/login/"]
        prober = Prober(url, paths, _session_cookie(supervisor))
        prober.start()
        prober.phase(count=5)  # warm both workers
        idle = prober.phase(count=args.samples)

        def finished(job_id):
            from jobs.models import Job

            return lambda: Job.objects.filter(pk=job_id, finished_at__isnull=False).exists()

        busy = job_start(
            kind=JobKind.IMPORT,
            owner=supervisor,
            shop=shops["busy"],
            params={"staged": staged_preview_put(data=data), "file_name": export.name, "bytes": len(data)},
        )
        during_import = prober.phase(until=finished(busy.pk))
        _drain()
        export_job = job_start(
            kind=JobKind.PAYOUT_EXPORT, owner=hr, params={"span": QUARTER, "fmt": "xlsx", "sheet": "detail"}
        )
        during_export = prober.phase(until=finished(export_job.pk))
        prober.stopped.set()
        print(
            "\n(c) web latency through gunicorn (2 sync workers), one client, queue page | login page (floor)"
        )
        print(_latency_line("idle", idle, paths))
        print(_latency_line("import job running", during_import, paths))
        print(_latency_line("export job running", during_export, paths))
    finally:
        _db.stop(cluster)
        _db.stop(web)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _db.drop_database(base, BENCH_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
