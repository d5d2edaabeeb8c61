#!/usr/bin/env python
"""Load run on PostgreSQL: 50 agents working cases through gunicorn while imports and SLA sweeps run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_load.py \
        [--agents 50] [--shops 5] [--seconds 90] [--workers 3]

Creates a scratch database ``h5_bench_load`` (dropped and re-created), migrates it, seeds the policy
pack, then ``--shops`` Taobao shops with ``--agents`` agents between them and one supervisor each,
and imports an export file into every shop (``bench/gen_exports.py``) so that routing gives every
agent open cases; two of each agent's are set further along in SQL (one verified, one agreed with the
buyer: offer and resolve come next, and resolving posts the within-SLA award), the others'
first-response clocks are moved to warn and breach during the run. Each shop has a Feishu robot
pointing at a local ``http.server`` that counts what it receives. Logging in (PBKDF2, three at a
time) happens before the clock starts.

It starts ``gunicorn reviewdesk.wsgi:application`` (``--workers``, 127.0.0.1, a free port, DEBUG off)
and ``manage.py qcluster`` against that database. Then, for ``--seconds``:

* every agent is a client thread with its own session (cookies, CSRF token): two in three work
  through the web UI (queue → case page → the next action's form, with the page's hidden
  ``version``), one in three through the REST API (``/api/v1/cases/`` → detail → ``actions/<a>/``
  with ``version``): claim, record contact, buyer replied, verify, offer, buyer accepts, resolve;
* deliberate conflicts: some web actions are submitted twice at once with the same version (two
  tabs) — exactly one may win, the other must be told the case changed (409); each shop's
  supervisor approves offers and acts on the agents' cases too, after a pause, racing the agent;
* ``manage.py import_reviews`` imports a 1,500-row file into two shops (new cases, routing, alerts,
  robot deliveries through the cluster) and ``manage.py sla_sweep`` runs every 10 s beside the
  cluster's own minute schedule.

Checks, each printed; the exit status is 1 if any fails: no 5xx and no connection error; every
200/302 a client saw is one timeline event (same case, version, actor, action) and every event of a
bench user is one answer seen; every case's version is 1 + its state-moving events + its routing
assignments, and no two events of a case carry the same version (no lost update); 409 answers are
counted, not errors; no duplicate notification (per user+key, per user+kind+case for new-case
alerts), delivery (per channel+key) or ledger entry (per idempotency key, per account+rule+case);
the robot server received each sent delivery once. Prints p50/p95/max per page type and throughput.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import random
import re
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _db  # noqa: E402

BENCH_DB = "h5_bench_load"
LOGS = Path("/tmp")
# The next action an agent takes on a case: the one furthest along that is offered (a verified case
# could be resolved at once, but the agent offers compensation first). Recording a contact
# and "buyer replied" stay offered in later states without moving the case, so an agent does each
# once per case (a second contact within the hour is refused anyway).
WEB_ORDER = ["buyer_accepts", "offer", "resolve", "buyer_replied", "verify", "claim", "record_contact"]
ONCE = {"record_contact", "buyer_replied"}
SUPERVISOR_ORDER = ["approve", "buyer_replied", "verify"]
API_ORDER = WEB_ORDER
DOUBLE_SUBMIT_SHARE = 0.15


from _load_checks import checks  # noqa: E402
from _load_clients import PASSWORD, Forms, Robot, Run, Session, form_values  # noqa: E402


def outcome(run: Run, status: int, text: str, *, case_id: int, version: int, actor: str, action: str) -> str:
    """Book one action's answer: success, stale (409), refused (400/403) or an error (recorded by call)."""
    with run.lock:
        if status in (200, 302):
            run.successes.append((case_id, version + 1, actor, action))
            return "ok"
        if status == 409:
            run.stale += 1
            return "stale"
        if status in (400, 403):
            code = re.search(r'"code":\s*"([a-z_]+)"', text)
            code = code.group(1) if code else "form_error" if FORM_ERROR in text else status
            run.refused[f"{action}:{code}"] += 1
            if code == "form_error":  # the first message of each action, to say what was wrong
                sample = re.search(FORM_ERROR + r"[^<]*", text)
                run.form_errors.setdefault(action, sample.group(0) if sample else "")
            return "refused"
    return "error"


# The case page's answer to a form the client filled wrongly (cases.web.workspace_actions): a client
# that submits what a browser submits never sees it; the service's refusals are counted apart.
FORM_ERROR = "请检查填写的内容"
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')


def web_worker(run: Run, username: str, order: list[str], seed: int, *, supervisor: bool = False) -> None:
    rng = random.Random(seed)
    s = Session(run, username, rng)
    if not s.login():
        return
    done: set[int] = set()
    talked: set[tuple[int, str]] = set()
    current = None
    while time.monotonic() < run.deadline:
        scope = "/cases/queue/shop/" if supervisor or rng.random() < 0.15 else "/cases/queue/"
        if supervisor and rng.random() < 0.3:
            scope = "/cases/approvals/"
        status, page = s.call("queue", scope)
        ids = [int(i) for i in dict.fromkeys(CASE_LINK.findall(page)) if int(i) not in done]
        if not ids:
            if scope == "/cases/queue/":
                status, page = s.call("queue", "/cases/queue/shop/")
                ids = [int(i) for i in dict.fromkeys(CASE_LINK.findall(page)) if int(i) not in done]
            if not ids:
                time.sleep(1)
                continue
        case_id = current if current in ids and rng.random() < 0.7 else rng.choice(ids)
        current = case_id  # an agent mostly carries on with the case in hand
        status, page = s.call("case", f"/cases/{case_id}/")
        if status != 200:
            continue
        parser = Forms()
        parser.feed(page)
        action = next((a for a in order if a in parser.submittable and (case_id, a) not in talked), None)
        if action is None:
            if not supervisor:
                done.add(case_id)  # nothing this agent can do on it now
            continue
        if not supervisor and action in ONCE:
            talked.add((case_id, action))
        values = form_values(parser.forms[action], parser.required[action], rng)
        version = int(values.get("version") or 0)
        path = f"/cases/{case_id}/act/{action}/"
        if supervisor:
            time.sleep(rng.uniform(0.3, 1.5))  # the agent may act meanwhile: a real race
        if not supervisor and rng.random() < DOUBLE_SUBMIT_SHARE:
            answers = double_submit(s, path, values)
            results = [
                outcome(run, st, tx, case_id=case_id, version=version, actor=username, action=action)
                for st, tx in answers
            ]
            with run.lock:
                won = results.count("ok")
                run.doubles[{0: "none_won", 1: "one_won"}.get(won, "both_won")] += 1
                if won == 1 and sorted(results) != ["ok", "stale"]:
                    run.doubles["loser_not_409"] += 1
        else:
            st, tx = s.call("action", path, form=values)
            outcome(run, st, tx, case_id=case_id, version=version, actor=username, action=action)
            if st == 302:
                s.call("case", tx.replace(run.base, "") or f"/cases/{case_id}/")
        time.sleep(rng.uniform(0.2, 0.8))  # reading the page, typing


def double_submit(s: Session, path: str, values: dict) -> list[tuple[int, str]]:
    """The same form sent twice at once (two tabs, a double click): both carry the same version."""
    answers: list[tuple[int, str]] = []
    twins = [
        threading.Thread(target=lambda: answers.append(s.call("action", path, form=values))) for _ in range(2)
    ]
    for t in twins:
        t.start()
    for t in twins:
        t.join()
    return answers


def api_worker(run: Run, username: str, seed: int) -> None:
    rng = random.Random(seed)
    s = Session(run, username, rng)
    if not s.login():
        return
    done: set[int] = set()
    talked: set[tuple[int, str]] = set()
    current = None
    while time.monotonic() < run.deadline:
        scope = "shop" if rng.random() < 0.15 else "mine"
        status, text = s.call("api_queue", f"/api/v1/cases/?scope={scope}")
        try:
            ids = [row["id"] for row in json.loads(text)["results"] if row["id"] not in done]
        except (ValueError, KeyError, TypeError):
            ids = []
        if not ids:
            time.sleep(1)
            continue
        case_id = current if current in ids and rng.random() < 0.7 else rng.choice(ids)
        current = case_id
        status, text = s.call("api_case", f"/api/v1/cases/{case_id}/")
        if status != 200:
            continue
        case = json.loads(text)
        action = next(
            (a for a in API_ORDER if a in case["allowed_actions"] and (case_id, a) not in talked), None
        )
        if action in ONCE:
            talked.add((case_id, action))
        if action is None:
            done.add(case_id)
            continue
        body = {"version": case["version"]}
        if action == "record_contact":
            body |= {"channel": "private_message", "reached": True}
        elif action in ("verify", "buyer_replied"):
            body |= {"responsibility": "courier", "note": "接口压测：核实为快递原因"}
        elif action == "offer":
            _status, compose = s.call("api_compose", f"/api/v1/cases/{case_id}/compose/")
            options = json.loads(compose).get("options") or []
            if not options:
                done.add(case_id)
                continue
            body["option_id"] = rng.choice(options)["option_id"]
        st, tx = s.call("api_action", f"/api/v1/cases/{case_id}/actions/{action}/", body=body)
        outcome(run, st, tx, case_id=case_id, version=case["version"], actor=username, action=action)
        time.sleep(rng.uniform(0.2, 0.8))


# --- setup -------------------------------------------------------------------------------------------


def seed(*, shops: int, agents: int, robot_port: int, rows: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from cases.imports.uploads import reviews_import_file
    from cases.models import NotificationChannel
    from policies.models import ContactLimit
    from reviewdesk.models import Shop, ShopMembership, User
    from training.models import ModuleRequirement

    ModuleRequirement.objects.all().delete()  # nobody is certified in a scratch database: route anyway
    # The run must not fall in the quiet hours in which contacts are refused: one minute, 12 h away.
    quiet = (timezone.localtime() + dt.timedelta(hours=12)).time().replace(second=0, microsecond=0)
    ContactLimit.objects.update(
        quiet_start=quiet,
        quiet_end=(dt.datetime.combine(dt.date.today(), quiet) + dt.timedelta(minutes=1)).time(),
    )
    password = make_password(PASSWORD)
    agent_group, supervisor_group = Group.objects.get(name="agent"), Group.objects.get(name="supervisor")
    shop_rows = [
        Shop.objects.create(code=f"load-{n}", platform="taobao", name=f"压测店铺{n}") for n in range(shops)
    ]
    agent_rows, supervisor_rows = [], []
    for k in range(agents):
        shop = shop_rows[k % shops]
        user = User.objects.create(
            username=f"load-a{k}", password=password, display_name=f"客服{k}", employee_code=f"LA{k:03d}"
        )
        user.groups.add(agent_group)
        ShopMembership.objects.create(shop=shop, user=user)
        agent_rows.append(user)
    for shop in shop_rows:
        user = User.objects.create(
            username=f"load-s-{shop.code}", password=password, display_name=f"主管{shop.code}"
        )
        user.groups.add(supervisor_group)
        ShopMembership.objects.create(shop=shop, user=user)
        supervisor_rows.append(user)
        NotificationChannel.objects.create(
            shop=shop,
            kind="feishu",
            name="压测机器人",
            webhook_url=f"http://127.0.0.1:{robot_port}/hook/{shop.code}",
            on_new_case=True,
            on_sla_warning=True,
            on_sla_breach=True,
        )
    export = LOGS / "h5_load_seed.csv"
    subprocess.run(
        [sys.executable, str(_db.ROOT / "bench/gen_exports.py"), "taobao", str(rows), str(export), "--csv"],
        check=True,
    )
    for shop in shop_rows:
        result = reviews_import_file(shop=shop, data=export.read_bytes(), file_name=export.name)
        assert result.ok, result.error
    with connection.cursor() as cursor:
        # Two cases per agent further along, as if worked earlier (written in SQL like bench_queue's
        # data, without timeline rows: the version stays that of the routing): one verified (offer
        # next), one agreed with the buyer (resolve next, which posts the within-SLA award).
        cursor.execute(
            "WITH ranked AS (SELECT id, row_number() OVER (PARTITION BY assignee_id ORDER BY id) AS n FROM cases_case "
            "WHERE assignee_id IS NOT NULL AND status = 'assigned') "
            "UPDATE cases_case AS c SET status = CASE WHEN r.n = 1 THEN 'agreed' ELSE 'verified' END, "
            "verified_at = now() - interval '30 minutes', responsibility = 'merchant', contact_attempts = 1, "
            "last_contact_at = now() - interval '2 hours', first_responded_at = now() - interval '2 hours' "
            "FROM ranked AS r WHERE c.id = r.id AND r.n <= 2"
        )
        # The others' first-response clocks warn and breach during the run.
        cursor.execute(
            "UPDATE cases_case SET first_response_warn_at = now() + (id % 60) * interval '1 second', "
            "first_response_due_at = now() + (30 + id % 90) * interval '1 second', "
            "sla_next_check_at = now() + (id % 60) * interval '1 second' "
            "WHERE first_responded_at IS NULL AND status IN ('new', 'assigned')"
        )
    return {"shops": shop_rows, "agents": agent_rows, "supervisors": supervisor_rows}


def background(run: Run, shops, rows: int, seconds: float, results: dict) -> list[threading.Thread]:
    """The imports (at 15 % and 45 % of the run) and the SLA sweeps (every 10 s) beside the clients.
    The export is the seed's, longer: its first rows are the seeded reviews unchanged, the rest new."""
    export = LOGS / "h5_load_import.csv"
    subprocess.run(
        [sys.executable, str(_db.ROOT / "bench/gen_exports.py"), "taobao", str(rows), str(export), "--csv"],
        check=True,
    )

    def imports():
        for delay, shop in ((0.15 * seconds, shops[0]), (0.3 * seconds, shops[1 % len(shops)])):
            time.sleep(delay)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "manage.py", "import_reviews", str(export), "--shop", shop.code, "--json"],
                cwd=_db.ROOT,
                capture_output=True,
                text=True,
            )
            results.setdefault("imports", []).append(
                (
                    shop.code,
                    done.returncode,
                    time.perf_counter() - started,
                    done.stdout[-400:] + done.stderr[-400:],
                )
            )

    def sweeps():
        while time.monotonic() < run.deadline:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "manage.py", "sla_sweep", "--json"],
                cwd=_db.ROOT,
                capture_output=True,
                text=True,
            )
            results.setdefault("sweeps", []).append(
                (
                    done.returncode,
                    time.perf_counter() - started,
                    done.stdout.strip()[-300:] or done.stderr[-300:],
                )
            )
            time.sleep(10)

    return [threading.Thread(target=imports, daemon=True), threading.Thread(target=sweeps, daemon=True)]


def page_kind(method: str, path: str, query: str) -> str:
    """The client's page names for a request of the access log."""
    api = "api_" if path.startswith("/api/") else ""
    if path.startswith("/accounts/login"):
        return "login" if method == "POST" else "login_page"
    if "/act/" in path or "/actions/" in path:
        return api + "action"
    if path.endswith("/compose/"):
        return api + "compose"
    if re.search(r"/cases/\d+/$", path):
        return api + "case"
    if "/queue/" in path or "/approvals/" in path or path == "/api/v1/cases/":
        return api + "queue"
    return "other"


# --- checks -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--shops", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--seed-rows", type=int, default=150, help="export rows imported into every shop before the run"
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=1500,
        help="rows of each import during the run (the seeded rows first)",
    )
    args = parser.parse_args()
    base = _db.postgres_base_url()
    if base is None:
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    _db.django_on(_db.scratch_database(base, BENCH_DB), DEBUG="0")
    from django.utils import timezone

    robot = ThreadingHTTPServer(("127.0.0.1", _db.free_port()), Robot)
    threading.Thread(target=robot.serve_forever, daemon=True).start()
    t = time.perf_counter()
    actors = seed(
        shops=args.shops, agents=args.agents, robot_port=robot.server_address[1], rows=args.seed_rows
    )
    print(f"seeded {args.shops} shops, {args.agents} agents in {time.perf_counter() - t:.1f} s")
    port = _db.free_port()
    web = cluster = None
    results: dict = {}
    try:
        web = _db.start_gunicorn(port=port, workers=args.workers, log=LOGS / "h5_load_gunicorn.log")
        cluster = _db.start_qcluster(log=LOGS / "h5_load_qcluster.log")
        _db.wait_http(f"http://127.0.0.1:{port}/accounts/login/")
        started_at = timezone.now()
        n_api = args.agents // 3
        run = Run(f"http://127.0.0.1:{port}", args.agents + len(actors["supervisors"]))
        threads = [
            threading.Thread(target=api_worker, args=(run, u.username, k), daemon=True)
            for k, u in enumerate(actors["agents"][:n_api])
        ]
        threads += [
            threading.Thread(target=web_worker, args=(run, u.username, WEB_ORDER, k), daemon=True)
            for k, u in enumerate(actors["agents"][n_api:])
        ]
        threads += [
            threading.Thread(
                target=web_worker,
                args=(run, u.username, SUPERVISOR_ORDER, 1000 + k),
                kwargs={"supervisor": True},
                daemon=True,
            )
            for k, u in enumerate(actors["supervisors"])
        ]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        run.ready.wait(timeout=900)  # every client has logged in (or failed to)
        logged_in = run.statuses[302]
        print(
            f"{logged_in} of {len(threads)} clients logged in in {time.perf_counter() - t0:.1f} s", flush=True
        )
        run.deadline = time.monotonic() + args.seconds
        t0 = time.perf_counter()
        extra = background(run, actors["shops"], args.import_rows, args.seconds, results)
        for thread in extra:
            thread.start()
        threads += extra
        for thread in threads:
            thread.join(timeout=max(1.0, args.seconds + 120 - (time.perf_counter() - t0)))
        wall = time.perf_counter() - t0
        time.sleep(8)  # let the cluster send what the last actions queued
    finally:
        _db.stop(web)
        _db.stop(cluster)
        robot.shutdown()

    import os

    print()
    print(
        f"load average {os.getloadavg()[0]:.2f} / {os.getloadavg()[1]:.2f} / {os.getloadavg()[2]:.2f} (1/5/15 min), "
        f"{os.cpu_count()} cores; {wall:.0f} s; gunicorn {args.workers} workers"
    )
    total = sum(
        len(v) for k, v in run.timings.items() if not k.startswith("login")
    )  # logins were before the clock
    print(f"{'page':<14}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}   (seen by the clients)")
    for kind, values in sorted(run.timings.items()):
        ms = [v * 1000 for v in values]
        print(
            f"{kind:<14}{len(ms):>9}{_db.percentile(ms, 0.5):>9.0f}{_db.percentile(ms, 0.95):>9.0f}{max(ms):>9.0f}"
        )
    server: dict[str, list[float]] = collections.defaultdict(list)
    for method, path, query, _status, ms in _db.access_log(LOGS / "h5_load_gunicorn.log"):
        server[page_kind(method, path, query)].append(ms)
    print(
        f"{'in the worker':<14}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}   (gunicorn's request time, no queueing)"
    )
    for kind, ms in sorted(server.items()):
        print(
            f"{kind:<14}{len(ms):>9}{_db.percentile(ms, 0.5):>9.0f}{_db.percentile(ms, 0.95):>9.0f}{max(ms):>9.0f}"
        )
    print(
        f"throughput {total / wall:.1f} requests/s, {len(run.successes) / wall:.1f} actions/s; statuses "
        + ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.items()))
    )
    print(
        f"actions: {len(run.successes)} done, {run.stale} answered 409 (case changed), {sum(run.refused.values())} refused: "
        + ", ".join(f"{k} {v}" for k, v in run.refused.most_common(8))
    )
    print(
        "done by action: "
        + ", ".join(f"{k} {v}" for k, v in collections.Counter(s[3] for s in run.successes).most_common())
    )
    for shop, code, seconds, tail in results.get("imports", []):
        print(f"import into {shop}: exit {code}, {seconds:.1f} s {tail.strip()[:200]}")
    sweeps = results.get("sweeps", [])
    print(
        f"sla_sweep runs: {len(sweeps)}, failed {sum(1 for s in sweeps if s[0])}; last: {sweeps[-1][2] if sweeps else '-'}"
    )
    failed = [r for r in results.get("imports", []) if r[1]] + [s for s in sweeps if s[0]]
    print()
    ok = not failed
    for name, passed, detail in checks(run, actors, started_at, Robot.received):
        ok &= passed
        print(f"{'OK  ' if passed else 'FAIL'} {name}: {detail}")
    if failed:
        print(f"FAIL background commands: {failed[:2]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
