"""Peak memory of the review intake at the documented maximum: a 200,000-row export, previewed (the
upload page's dry run: parse, validate, store and triage every row inside a transaction that is rolled
back) and then imported, each in a fresh process whose peak resident set is read from the kernel.

The bound (issue #14, item 11): no file within the size limit takes the process past 500 MB. The
figure before the streaming reader and the spooled rows, on the same file: 854 MB for the preview.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/bench_intake_memory.py [--rows N]

Runs against a scratch database (dropped and re-created), with DEBUG off as in production (with DEBUG
on, Django keeps the text of the last 9,000 queries: about 250 MB more for bulk inserts).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _db import ROOT, django_on, drop_database, postgres_base_url, scratch_database  # noqa: E402

BENCH_DB = "reviewdesk_bench_memory"
BOUND_MB = 500
BEFORE_MB = 854  # the preview of the same 200,000-row file before this change (SQLite, DEBUG on)

CHILD = """
import os, resource, sys, time
sys.path.insert(0, {root!r})
import django
django.setup()
from cases.imports.uploads import reviews_import_file
from reviewdesk.models import Shop
shop = Shop.objects.get(code="bench-mem")
data = open({path!r}, "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cpu, wall = time.process_time(), time.monotonic()
result = reviews_import_file(shop=shop, data=data, file_name=os.path.basename({path!r}), dry_run={dry!r})
assert result.ok, (result.error, result.errors[:3])
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.process_time() - cpu,
      time.monotonic() - wall, result.rows, result.created)
"""


def _run(path: str, *, dry: bool) -> tuple[float, float, float, float, int, int]:
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), path=path, dry=dry)],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise SystemExit(child.stderr[-3000:])
    base, peak, cpu, wall, rows, created = child.stdout.split()
    return float(base), float(peak), float(cpu), float(wall), int(rows), int(created)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--csv", action="store_true", help="the export as CSV instead of XLSX")
    args = parser.parse_args()
    base_url = postgres_base_url()
    if base_url is None:
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    url = scratch_database(base_url, BENCH_DB)
    try:
        django_on(url, IMPORT_MAX_ROWS=str(max(args.rows, 200_000)), DEBUG="0")
        from reviewdesk.models import Shop

        Shop.objects.create(code="bench-mem", name="内存基准", platform="taobao")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, f"taobao-{args.rows}.{'csv' if args.csv else 'xlsx'}")
            flags = ["--csv"] if args.csv else []
            subprocess.run(
                [sys.executable, str(HERE / "gen_exports.py"), "taobao", str(args.rows), path, *flags],
                check=True,
                capture_output=True,
            )
            size = os.path.getsize(path) / 2**20
            print(f"export: {args.rows:,} rows, {size:.1f} MB ({'CSV' if args.csv else 'XLSX'}), PostgreSQL")
            print(f"{'run':<34}{'peak RSS':>10}{'added':>10}{'CPU s':>9}{'wall s':>9}   bound / before")
            ok = True
            for label, dry in (("preview (dry run)", True), ("import", False)):
                base, peak, cpu, wall, rows, created = _run(path, dry=dry)
                ok = ok and peak <= BOUND_MB and rows == args.rows
                print(
                    f"{label:<34}{peak:>8.0f}MB{peak - base:>8.0f}MB{cpu:>9.1f}{wall:>9.1f}"
                    f"   ≤ {BOUND_MB} MB {'OK' if peak <= BOUND_MB else 'OVER'}"
                    + (f" (was {BEFORE_MB} MB)" if dry and args.rows == 200_000 and not args.csv else "")
                )
        print(f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        return 0 if ok else 1
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(base_url, BENCH_DB)


if __name__ == "__main__":
    sys.exit(main())
