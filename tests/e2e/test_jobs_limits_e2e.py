"""The documented limits through a real gunicorn (issue #17): a supervisor uploads a big review export,
watches the progress bar move, leaves, comes back through 我的任务, confirms and opens the result; HR
exports a quarter's payouts for 500 agents in the background and downloads the file.

Nothing here runs in the test's own process but the browser: ``gunicorn reviewdesk.wsgi`` with its
defaults (2 sync workers, the default 30-second worker timeout) and ``manage.py qcluster`` run as
subprocesses on a database of their own, a SQLite file under the test's tmp folder, or a scratch
PostgreSQL database (``test_<name>_limits``, dropped afterwards) when DATABASE_URL names PostgreSQL. A
request that outlived gunicorn's timeout would be killed and the browser would see no page: the pages
answering is the proof that the long work left the request.

Sizes: the full 200,000-row, ~50 MB export and 200,000 ledger entries take longer than a routine CI
run should spend on one test, so they run when ``REVIEWDESK_E2E_FULL=1`` (CI sets it for one suite
run); otherwise 20,000 rows (still far above the inline limit, so a job) and 20,000 entries.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import _db  # noqa: E402  (bench/_db.py: the servers as subprocesses, each in its own session)
import gen_exports  # noqa: E402  (bench/gen_exports.py: realistic platform exports)

# The test's own database is never used (the stack has its own), but the session's fixtures (the seeded
# pack) need it set up, which pytest-django does only for a session with a test that asks for it.
pytestmark = pytest.mark.django_db

FULL = os.environ.get("REVIEWDESK_E2E_FULL") == "1"
ROWS = 200_000 if FULL else 20_000
ENTRIES = 200_000 if FULL else 20_000
AGENTS = 500
JOB_WAIT_MS = (30 if FULL else 5) * 60_000  # a loaded two-core machine, several suites at once

# Run by ``manage.py shell -c`` on the stack's database: the people, and 500 agents with a quarter of
# ledger entries (bulk inserts shaped like bench/bench_payouts.py's; the ledger only forbids changes).
SEED = """
import datetime as dt, json, random
from decimal import Decimal
from django.utils import timezone
from incentives.models import Account
from incentives.services.periods import period_ensure, posting_period
from reviewdesk.models import ShopMembership, User
from tests.factories import ShopFactory, UserFactory
from incentives.models import LedgerEntry

shop = ShopFactory(code="tb-limits", name="极限测试店", platform="taobao")
UserFactory(username="sup", role="supervisor", shops=[shop], display_name="刘主管")
UserFactory(username="hr", role="hr", shops=[shop], display_name="周人事")
agents = User.objects.bulk_create(
    [User(username=f"a{i:03d}", display_name=f"客服{i:03d}", employee_code=f"L{i:03d}", password="!")
     for i in range(%(agents)d)]
)
ShopMembership.objects.bulk_create([ShopMembership(user=u, shop=shop) for u in agents])
accounts = {a.user_id: a.pk for a in Account.objects.bulk_create([Account(user=u, unit="cny") for u in agents])}
last = posting_period().starts_on - dt.timedelta(days=1)
period = period_ensure(year=last.year, month=last.month)
rng = random.Random(17)
rows = []
for n in range(%(entries)d):
    at = timezone.make_aware(dt.datetime(period.year, period.month, rng.randint(1, 28), rng.randint(8, 21)))
    rows.append(LedgerEntry(
        account_id=accounts[agents[n %% len(agents)].pk], period=period, kind="award",
        amount=Decimal(rng.choice(["50.00", "10.00", "-12.50"])), event="verified_conversion",
        note=rng.choice(["差评转化", "=买家改评", "时效内处理"]), idempotency_key=f"limits:{n}",
        occurred_at=at, created_at=at,
    ))
LedgerEntry.objects.bulk_create(rows, batch_size=5000)
print(json.dumps({"period": period.code, "quarter": period.quarter_code}))
"""

COUNT = """
from cases.models import Case, Review
print(Review.objects.filter(shop__code="tb-limits").count(), Case.objects.filter(shop__code="tb-limits").count())
"""


def _manage(env: dict, *args: str, timeout: float = 1800) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def database_url(tmp_path):
    base = _db.postgres_base_url()
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if base is None:
        yield f"sqlite:///{tmp_path / 'limits.sqlite3'}"
        return
    name = f"test_{base.rsplit('/', 1)[1] or 'postgres'}_limits_{worker_id}".replace("-", "_")
    url = _db.scratch_database(base, name)
    yield url
    _db.drop_database(base, name)


@pytest.fixture
def stack(tmp_path, database_url):
    """gunicorn (its defaults: 2 sync workers, 30 s timeout) and a qcluster on one fresh database."""
    var = tmp_path / "var"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REVIEWDESK_VAR_DIR": str(var),
        "MEDIA_ROOT": str(var / "media"),
        "LOG_LEVEL": "WARNING",
        "Q_SYNC": "0",
        "Q_WORKERS": "2",
        # django-q2 kills a task after Q_TIMEOUT (300 s by default): on a loaded two-core machine the full
        # size's preview or import on SQLite takes longer than that, so the full run allows an hour.
        **({"Q_TIMEOUT": "3600", "Q_RETRY": "3700"} if FULL else {}),
        "DJANGO_SETTINGS_MODULE": "reviewdesk.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "seed_policies", "-v", "0")
    seeded = json.loads(
        _manage(env, "shell", "-v", "0", "-c", SEED % {"agents": AGENTS, "entries": ENTRIES}).splitlines()[-1]
    )
    port = _db.free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    web = _db.start(
        [gunicorn, "reviewdesk.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        log=tmp_path / "gunicorn.log",
        env=env,
    )
    cluster = _db.start_qcluster(log=tmp_path / "qcluster.log", env=env)
    try:
        _db.wait_http(f"http://127.0.0.1:{port}/accounts/login/")
        yield {"url": f"http://127.0.0.1:{port}", "env": env, "log": tmp_path / "gunicorn.log", **seeded}
    finally:
        _db.stop(cluster)
        _db.stop(web)
    # No worker was killed for outliving the timeout (gunicorn logs "WORKER TIMEOUT" when it does).
    assert "WORKER TIMEOUT" not in (tmp_path / "gunicorn.log").read_text(errors="replace")


def _login(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/**")


def _percent(page) -> int:
    value = page.locator("#job-bar").get_attribute("value")
    return int(float(value)) if value else 0


def _watch_the_bar_move(page) -> list[int]:
    """The bar's values as htmx replaces it, until two different ones were seen below 100%."""
    seen: list[int] = []
    deadline = time.monotonic() + JOB_WAIT_MS / 1000
    while time.monotonic() < deadline:
        if page.locator("#job-bar").count():
            percent = _percent(page)
            if percent and (not seen or percent != seen[-1]):
                seen.append(percent)
            if len(seen) >= 2:
                return seen
        elif not page.locator("#job-progress[data-state=queued], #job-progress[data-state=running]").count():
            break  # the job has finished (its page shows the result)
        page.wait_for_timeout(300)
    return seen


def test_a_big_upload_and_a_quarters_payouts_complete_through_gunicorn(
    page, stack, tmp_path, screenshot, browser
):
    url = stack["url"]
    export = tmp_path / "淘宝评价导出.csv"
    # A later export (buyers' appended reviews, some ratings changed): 200,000 rows come to ~49 MB. The
    # reviews span 30 days and their appends a week more, all in the past.
    start = (dt.datetime.now() - dt.timedelta(days=45)).replace(microsecond=0)
    records = gen_exports.revise(gen_exports.reviews(ROWS, start=start), share=0.28)
    headers, rows = gen_exports.TAOBAO_HEADERS, [gen_exports.taobao_row(r) for r in records]
    gen_exports.write_csv(str(export), headers, rows)
    del rows, records
    size_mb = export.stat().st_size / 1e6
    if FULL:
        assert 45 < size_mb <= 50 * 1.048576, size_mb  # the documented size: 200,000 rows, 50 MB

    # The supervisor uploads; the answer is the preview job's page, at once.
    _login(page, url, "sup")
    page.goto(f"{url}/cases/import/")
    page.locator("input[type=file]").set_input_files(str(export))
    started = time.monotonic()
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r".*/jobs/\d+/$"), timeout=120_000)
    answered = time.monotonic() - started
    preview_url = page.url
    expect(page.locator("#job-progress")).to_be_visible()

    moved = _watch_the_bar_move(page)
    clock = {"answered": answered}
    assert len(moved) >= 2 and moved[0] < moved[1] < 100, moved  # the bar moved under the user's eyes
    screenshot(page, "limits-preview-running")

    # They leave, and come back through 我的任务 in the navigation.
    page.goto(f"{url}/")
    page.click("nav >> text=我的任务")
    page.click(f"a[href='{preview_url.removeprefix(url)}']")
    expect(page.locator("#preview-rows tbody tr").first).to_be_visible(timeout=JOB_WAIT_MS)
    clock["preview done"] = time.monotonic() - started
    expect(page.locator("h1")).to_contain_text("导入预演")
    assert _manage(stack["env"], "shell", "-v", "0", "-c", COUNT).split() == [
        "0",
        "0",
    ]  # a preview writes nothing

    page.wait_for_load_state("load")
    page.click("button[type=submit].primary")  # confirm
    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    assert page.url != preview_url
    expect(page.locator("h1")).to_contain_text("导入完成", timeout=JOB_WAIT_MS)  # the poll reloads it
    clock["import done"] = time.monotonic() - started
    expect(page.locator("#opened-cases tbody tr").first).to_be_visible()
    reviews, cases = map(int, _manage(stack["env"], "shell", "-v", "0", "-c", COUNT).split())
    assert reviews == ROWS and cases > ROWS // 10, (reviews, cases)  # a fifth of the rows are negative
    screenshot(page, "limits-import-done")
    page.locator("#opened-cases tbody tr a").first.click()  # open a case the import created
    expect(page.locator("h1")).to_be_visible()
    assert "/cases/" in page.url

    # HR exports the quarter's payouts for 500 agents in the background and downloads the workbook.
    hr = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True)
    hr_page = hr.new_page()
    _login(hr_page, url, "hr")
    hr_page.goto(f"{url}/incentives/periods/")
    quarter = stack["quarter"]
    exported = time.monotonic()
    hr_page.locator("button", has_text=f"后台导出 {quarter} 季度 XLSX").first.click()
    hr_page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    download_link = hr_page.locator("#job-download")
    expect(download_link).to_be_visible(timeout=JOB_WAIT_MS)
    with hr_page.expect_download() as info:
        download_link.click()
    clock["export downloaded"] = time.monotonic() - exported
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == f"payouts-{quarter}.xlsx"
    from openpyxl import load_workbook

    workbook = load_workbook(saved, read_only=True)
    detail = workbook.worksheets[1]
    assert detail.max_row == ENTRIES + 1  # the header and every entry
    workbook.close()
    hr.close()
    figures = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in clock.items())
    print(f"\nlimits: {ROWS} rows ({size_mb:.1f} MB), {ENTRIES} entries: {figures}")
