#!/usr/bin/env python
"""Payout export benchmark on PostgreSQL: 500 agents, 200,000 ledger entries in one quarter.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_payouts.py [--entries 200000] [--reuse]

Creates a scratch database ``reviewdesk_bench_payouts`` (dropped and re-created), migrates it, and
seeds 500 agents in 5 shops, 40,000 reviews with cases, and the entries (conversion awards with their
case, SLA points, reversals, redemptions, adjustments, leave days) spread over the quarter's three
months through the ledger's triggers (COPY). Then, each in a fresh child process so that its peak
RSS is its own:

* the floor: the exact rows and cells of the export (summary + detail, numeric cells styled
  ``0.00``), already in memory, written with the export's writer (XlsxWriter constant-memory) alone and saved;
* the real export: ``export_xlsx("<quarter>")`` — ledger queries, people, case texts, neutralising,
  writing and saving;
* the CSV export of the same quarter (detail, UTF-8 with BOM);
* one client's (品牌方) exports, CSV (PostgreSQL's COPY) and XLSX: client 甲 owns shops 0–2 and 乙 shops
  3–4, every tenth agent also serves both clients through a client membership (``ensure_clients``, also
  on ``--reuse``), and the export is narrowed to 甲's shops as its HR downloads it, with its query count.

Targets (issue 6): export ≤ 1.5 × floor, peak memory ≤ 300 MB, CSV ≤ 2 s; a client's export is a part of
the whole and stays within the whole's targets (issue 18), in a query count that does not grow with agents.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _db  # noqa: E402

BENCH_DB = "reviewdesk_bench_payouts"
QUARTER = "2026-Q3"
MONTHS = ((2026, 7), (2026, 8), (2026, 9))
AGENTS, SHOPS, CASES = 500, 5, 40_000


def _setup_django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _rss_mb() -> float:
    """Peak RSS of this process image: VmHWM (reset by exec). ``ru_maxrss`` would carry the parent's
    peak over into the child on Linux, so it is only the fallback."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(entries: int, case_count: int = 40_000) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from cases.models import Case, Review
    from incentives.models import Account, AwardRule
    from incentives.services.periods import period_ensure
    from reviewdesk.models import Shop, ShopMembership, User

    rng = random.Random(6)
    shops = Shop.objects.bulk_create(
        [Shop(code=f"bench-{i}", platform="taobao", name=f"基准店铺{i}") for i in range(SHOPS)]
    )
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench{i:04d}", display_name=f"客服{i:04d}", employee_code=f"B{i:04d}", password="!"
            )
            for i in range(AGENTS)
        ]
    )
    ShopMembership.objects.bulk_create(
        [ShopMembership(user=u, shop=shops[i % SHOPS]) for i, u in enumerate(users)]
    )
    accounts = {}
    for unit in ("cny", "points", "leave_days"):
        for account in Account.objects.bulk_create([Account(user=u, unit=unit) for u in users]):
            accounts[(account.user_id, unit)] = account.pk
    t0 = timezone.make_aware(dt.datetime(2026, 7, 1, 9))
    reviews = Review.objects.bulk_create(
        [
            Review(
                platform="taobao",
                shop=shops[n % SHOPS],
                external_id=f"b{n}",
                order_no=f"TB{n:012d}",
                item_title=rng.choice(["纯棉四件套", "儿童保温杯", "=1+1 促销款", "-特价- 抱枕"]),
                rating=1,
                content="差评",
                reviewed_at=t0,
                received_at=t0,
                buyer_nick=rng.choice(["买家", "+86买家", "@小王"]) + str(n),
                fingerprint=f"bf{n}",
                source="file",
            )
            for n in range(case_count)
        ],
        batch_size=5000,
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                review=r,
                shop_id=r.shop_id,
                platform="taobao",
                status="resolved",
                handling_role="agent",
                opened_at=t0,
            )
            for r in reviews
        ],
        batch_size=5000,
    )
    case_ids = [c.pk for c in cases]
    del reviews, cases
    periods = [period_ensure(year=y, month=m) for y, m in MONTHS]
    rules = {r.event: r for r in AwardRule.objects.all()}
    conversion, handled = rules["verified_conversion"], rules["handled_within_sla"]
    columns = (
        "account_id",
        "period_id",
        "kind",
        "amount",
        "rule_id",
        "rule_version",
        "case_ref",
        "event",
        "subject_ref",
        "note",
        "idempotency_key",
        "occurred_at",
        "created_at",
    )
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY incentives_ledgerentry ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        while written < entries:
            user = users[rng.randrange(AGENTS)]
            period = periods[rng.randrange(3)]
            at = timezone.make_aware(
                dt.datetime(
                    period.year, period.month, rng.randint(1, 28), rng.randint(8, 21), rng.randint(0, 59)
                )
            )
            roll = rng.random()
            case = case_ids[rng.randrange(case_count)]
            # (unit, kind, amount, rule, case, event, subject, note): the rule's version is always 1.
            if roll < 0.55:
                note = rng.choice(["差评转化", "=买家改评", "订单 A-1"])
                what = ("cny", "award", "50.00", conversion, case, "verified_conversion", "", note)
            elif roll < 0.92:
                what = ("points", "award", "10.00", handled, case, "handled_within_sla", "", "时效内处理")
            elif roll < 0.96:
                what = ("points", "redemption", "-5.00", None, None, "", "", "兑换：礼品")
            elif roll < 0.99:
                what = ("cny", "adjustment", rng.choice(["-12.50", "25.00"]), None, case, "", "", "申诉调整")
            else:
                what = ("leave_days", "award", "0.50", None, None, "quarter_top", QUARTER, "季度前三")
            unit, kind, amount, rule, case_ref, event, subject, note = what
            row = (
                accounts[(user.pk, unit)],
                period.pk,
                kind,
                Decimal(amount),
                rule.pk if rule else None,
                1 if rule else None,
                case_ref,
                event,
                subject,
                note,
                f"bench:{written}",
                at,
                at,
            )
            copy.write_row(row)
            written += 1
    # Reversals point at real awards (the one-to-one ``reverses``): 1% of the conversions.
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO incentives_ledgerentry (account_id, period_id, kind, amount, rule_id, rule_version, case_ref, event,
                   subject_ref, note, idempotency_key, reverses_id, occurred_at, created_at)
               SELECT account_id, %s, 'reversal', -amount, rule_id, rule_version, case_ref, event, '', '买家改回差评',
                   'reversal:' || id, id, occurred_at, created_at + interval '1 day'
               FROM incentives_ledgerentry WHERE event = 'verified_conversion' AND kind = 'award' AND id %% 100 = 0""",
            [periods[-1].pk],
        )
        cursor.execute("ANALYZE")


CLIENT_SHOPS = {"bench-jia": range(0, 3), "bench-yi": range(3, SHOPS)}


def ensure_clients() -> None:
    """Clients 甲 (shops 0–2) and 乙 (shops 3–4); every tenth agent serves both through the clients."""
    from reviewdesk.models import Client, ClientMembership, Shop, User

    for code, indexes in CLIENT_SHOPS.items():
        client, _ = Client.objects.get_or_create(code=code, defaults={"name": code})
        Shop.objects.filter(code__in=[f"bench-{i}" for i in indexes]).update(client=client)
        shared = User.objects.filter(username__startswith="bench", username__endswith="0")
        ClientMembership.objects.bulk_create(
            [ClientMembership(client=client, user=u) for u in shared], ignore_conflicts=True
        )


def _client_scope() -> set[int]:
    from reviewdesk.models import Shop

    return set(Shop.objects.filter(client__code="bench-jia").values_list("pk", flat=True))


def _counting():
    """An execute wrapper counting the queries of the connection (COPY included)."""
    counter = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    return counter, wrapper


def child(mode: str, db_url: str) -> None:
    _setup_django(db_url)
    import xlsxwriter  # noqa: F401 - imported before any timing, for floor and export alike

    from incentives.services import payouts
    from incentives.services.periods import parse_span

    result: dict = {}
    if mode == "floor":
        span = parse_span(QUARTER)
        summary = [payouts._summary_cells(r) for r in payouts.span_summary(span)]
        detail = list(payouts.detail_rows(span))
        result["rows"] = len(detail)
        result["cells"] = sum(len(r) for r in detail) + sum(len(r) for r in summary)
        out = io.BytesIO()
        t = time.perf_counter()
        workbook = payouts.new_workbook(out)
        payouts.write_xlsx_rows(workbook, "汇总", payouts.SUMMARY_HEADERS, summary, payouts.SUMMARY_NUMERIC)
        payouts.write_xlsx_rows(workbook, "明细", payouts.DETAIL_HEADERS, detail, payouts.DETAIL_NUMERIC)
        payouts.save_workbook(workbook)
        result["seconds"] = time.perf_counter() - t
        result["bytes"] = len(out.getvalue())
    elif mode == "xlsx":
        rss_before = _rss_mb()
        out = io.BytesIO()
        t = time.perf_counter()
        info = payouts.export_xlsx(QUARTER, out)
        result["seconds"] = time.perf_counter() - t
        result.update(info, bytes=len(out.getvalue()), rss_before=rss_before)
        Path(f"/tmp/{BENCH_DB}.xlsx").write_bytes(out.getvalue())
    elif mode == "csv":
        out = io.BytesIO()
        t = time.perf_counter()
        info = payouts.export_csv(QUARTER, out)
        result["seconds"] = time.perf_counter() - t
        result.update(info, bytes=len(out.getvalue()))
    elif mode in ("csv-client", "xlsx-client"):
        from django.db import connection

        scope = _client_scope()
        counter, wrapper = _counting()
        out = io.BytesIO()
        with connection.execute_wrapper(wrapper):
            t = time.perf_counter()
            if mode == "csv-client":
                info = payouts.export_csv(QUARTER, out, shop_ids=scope)
            else:
                info = payouts.export_xlsx(QUARTER, out, shop_ids=scope)
            result["seconds"] = time.perf_counter() - t
        result.update(info, bytes=len(out.getvalue()), queries=counter["n"])
    result["peak_rss_mb"] = _rss_mb()
    print(json.dumps(result, default=str))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--child", choices=["floor", "xlsx", "csv", "csv-client", "xlsx-client"])
    parser.add_argument("--db")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the data of the previous run (no re-seeding)"
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db)
        return 0
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    if args.reuse:
        db_url = base.rsplit("/", 1)[0] + "/" + BENCH_DB
        _setup_django(db_url)
        from incentives.models import LedgerEntry

        print(f"reusing {LedgerEntry.objects.count():,} ledger entries of the previous run ({QUARTER})")
    else:
        db_url = _db.scratch_database(base, BENCH_DB)
        _setup_django(db_url)
        from django.core.management import call_command

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        seed(args.entries, args.cases)
        from incentives.models import LedgerEntry

        total = LedgerEntry.objects.count()
        print(
            f"seeded {total:,} ledger entries ({AGENTS} agents, {args.cases:,} cases, {QUARTER}) in {time.perf_counter() - t:.0f}s"
        )
    ensure_clients()
    print(
        f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (others' work slows every figure)"
    )

    floor = _db.child_json(__file__, "floor", db_url)
    xlsx = _db.child_json(__file__, "xlsx", db_url)
    csv = _db.child_json(__file__, "csv", db_url)
    csv_client = _db.child_json(__file__, "csv-client", db_url)
    xlsx_client = _db.child_json(__file__, "xlsx-client", db_url)
    ratio = xlsx["seconds"] / floor["seconds"]
    print()
    print(f"{'measure':<52}{'figure':>12}   target / reference")
    print(
        f"{'floor: same rows+cells, XlsxWriter alone':<52}{floor['seconds']:>10.2f} s   "
        f"{floor['rows']:,} detail rows, {floor['cells']:,} cells, {floor['bytes'] / 1e6:.1f} MB"
    )
    print(
        f"{'real export_xlsx (queries, texts, writing, save)':<52}{xlsx['seconds']:>10.2f} s   "
        f"{xlsx['entries']:,} entries, {xlsx['agents']} agents"
    )
    print(f"{'ratio export / floor':<52}{ratio:>11.2f}x   ≤ 1.5x {'OK' if ratio <= 1.5 else 'MISSED'}")
    print(
        f"{'peak RSS of the export process':<52}{xlsx['peak_rss_mb']:>9.0f} MB   ≤ 300 MB "
        f"{'OK' if xlsx['peak_rss_mb'] <= 300 else 'MISSED'} (after Django setup: {xlsx['rss_before']:.0f} MB)"
    )
    print(
        f"{'CSV export (detail, BOM)':<52}{csv['seconds']:>10.2f} s   ≤ 2 s {'OK' if csv['seconds'] <= 2 else 'MISSED'} "
        f"({csv['rows']:,} rows, peak RSS {csv['peak_rss_mb']:.0f} MB)"
    )
    print(
        f"{'client 甲 CSV (3 of 5 shops, COPY)':<52}{csv_client['seconds']:>10.2f} s   ≤ 2 s "
        f"{'OK' if csv_client['seconds'] <= 2 else 'MISSED'} ({csv_client['rows']:,} rows, "
        f"{csv_client['queries']} queries; whole quarter {csv['seconds']:.2f} s)"
    )
    print(
        f"{'client 甲 XLSX (3 of 5 shops)':<52}{xlsx_client['seconds']:>10.2f} s   ≤ whole export "
        f"{'OK' if xlsx_client['seconds'] <= xlsx['seconds'] else 'MISSED'} ({xlsx_client['entries']:,} entries, "
        f"{xlsx_client['agents']} agents, {xlsx_client['queries']} queries, peak RSS {xlsx_client['peak_rss_mb']:.0f} MB)"
    )
    print(f"{'(floor process peak RSS, rows held in memory)':<52}{floor['peak_rss_mb']:>9.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
