"""Shared fixtures. Tests marked ``postgres`` need real locking and commits and are skipped on SQLite."""

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

import pytest
from django.db import connection
from django.db.models.signals import post_migrate

from policies.loader import clear_policy_cache
from tests import default_pack
from tests.factories import ShopFactory, UserFactory


def pytest_configure(config):
    """Tests hash passwords with MD5: PBKDF2's deliberate slowness cost every login and user factory
    tens of milliseconds (the suite spent about 40 % of its time hashing). Production keeps PBKDF2."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # An event's receiver that fails raises in tests (reviewdesk.signals.RobustSignal.send_robust) instead of
    # only being logged: a broken listener fails the test that triggered it.
    settings.HOOKS_RAISE = True


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI runs the suite there too")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# --- The migrated SQLite test database, built once --------------------------------------------------------
# Migrating an empty database costs about 40 CPU-seconds (Django re-renders the model state at each of ~110
# migrations), once per test process: with two xdist workers that was an eighth of the SQLite suite. The
# in-memory test database is therefore copied from a migrated file (sqlite's backup API) when one exists
# for exactly this code, else migrated and saved. The file is named by a hash of every Python file of the
# project's apps (the migrations and the code they import: triggers, seeds), of the migrations and versions
# of the packages that provide the other apps, and of the SQLite and Python versions, so any change to them
# migrates again.
# A lock makes concurrent sessions (xdist workers) wait for the first one's file instead of migrating too.
# ``--create-db`` migrates and replaces the file; a file test database (SQLITE_TEST_NAME) and PostgreSQL
# are created as usual.
MIGRATED_TEMPLATES = Path(tempfile.gettempdir()) / "reviewdesk-test-db"
MIGRATED_TEMPLATES_KEPT = 8


def migrated_template_key() -> str:
    import sqlite3
    import sys
    from importlib import metadata

    from django.apps import apps as installed

    root = Path(__file__).resolve().parent.parent
    providers = metadata.packages_distributions()
    digest = hashlib.sha256(f"{sqlite3.sqlite_version} {sys.version}".encode())
    for app in sorted(installed.get_app_configs(), key=lambda a: a.label):
        base = Path(app.path)
        ours = base.parent == root
        for dist in () if ours else providers.get(app.name.split(".")[0], ()):
            digest.update(f"{dist}=={metadata.version(dist)}\0".encode())
        files = base.rglob("*.py") if ours else (base / "migrations").glob("*.py")
        for path in sorted(files):
            digest.update(f"{app.label}:{path.relative_to(base)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _use_migrated_template(connection, rebuild: bool) -> None:
    """Make ``connection.creation.create_test_db`` copy the migrated template (see above)."""
    import fcntl
    import sqlite3

    creation = connection.creation
    migrate_and_create = creation.create_test_db

    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        from django.conf import settings
        from django.core.management import call_command

        name = creation._get_test_db_name()
        if not creation.is_in_memory_db(name) or keepdb:
            return migrate_and_create(verbosity, autoclobber, serialize, keepdb)
        MIGRATED_TEMPLATES.mkdir(exist_ok=True)
        template = MIGRATED_TEMPLATES / f"{migrated_template_key()}.sqlite3"
        with open(template.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            stored = None if rebuild else _open_template(template)
            if stored is None:
                name = migrate_and_create(verbosity, autoclobber, serialize, keepdb)
                partial = template.with_suffix(f".{os.getpid()}.partial")
                saved = sqlite3.connect(partial)
                connection.connection.backup(saved)
                saved.close()
                os.replace(partial, template)
                _prune_templates(keep=template)
                return name
            creation._create_test_db(verbosity, autoclobber, keepdb)
            connection.close()
            settings.DATABASES[connection.alias]["NAME"] = name
            connection.settings_dict["NAME"] = name
            connection.ensure_connection()
            stored.backup(connection.connection)
            stored.close()
            with contextlib.suppress(FileNotFoundError):  # recently used: kept by the pruning
                os.utime(template)
        if serialize:
            connection._test_serialized_contents = creation.serialize_db_to_string()
        call_command("createcachetable", database=connection.alias)
        return name

    creation.create_test_db = create_test_db


def _open_template(template: Path):
    """The saved template, open for reading, or None if there is none (an open file stays readable even
    if another session prunes it meanwhile)."""
    import sqlite3

    try:
        stored = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
        (tables,) = stored.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        return None
    if not tables:  # an empty file is an empty database: not a template
        stored.close()
        return None
    return stored


def _prune_templates(*, keep: Path) -> None:
    """Only the most recently used templates stay (each is a few megabytes)."""
    templates = sorted(MIGRATED_TEMPLATES.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [t for t in templates if t != keep][MIGRATED_TEMPLATES_KEPT - 1 :]:
        old.unlink(missing_ok=True)
        old.with_suffix(".lock").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, django_db_createdb, request):
    from django.db import connections

    if request.config.getvalue("nomigrations"):
        return
    for alias in connections:
        if connections[alias].vendor == "sqlite":
            _use_migrated_template(connections[alias], rebuild=django_db_createdb)


@pytest.fixture
def shop(db):
    return ShopFactory(code="tb-main", platform="taobao", name="淘宝旗舰店")


@pytest.fixture
def other_shop(db):
    return ShopFactory(code="dy-main", platform="douyin", name="抖店旗舰店")


@pytest.fixture
def make_user(db):
    def make(role: str | None = None, shops=(), **kwargs):
        return UserFactory(role=role, shops=shops, **kwargs)

    return make


@pytest.fixture(scope="session", autouse=True)
def default_pack_seeded_once(django_db_setup, django_db_blocker):
    """``seed_policies`` runs once per session (per xdist worker); the fixtures below copy its rows in."""
    with django_db_blocker.unblock():
        default_pack.capture()


@pytest.fixture
def policy_pack(db):
    """The default policy pack in this test's database (rolled back with the test)."""
    default_pack.insert()
    yield
    clear_policy_cache()


@pytest.fixture(scope="module")
def seeded_pack(django_db_setup, django_db_blocker):
    """The default pack once per module, in a transaction rolled back at the module's end; each test
    runs in a savepoint inside it, so a test that edits a rule leaves the next one the clean pack."""
    with default_pack.rolled_back(django_db_blocker):
        yield


@pytest.fixture
def seeded(seeded_pack, db):
    """The module's default pack; the policy cache is emptied around the test."""
    clear_policy_cache()
    yield
    clear_policy_cache()


# Data migrations' rows (import mappings, the training matrix, award rules, adjustment caps,
# every django-q schedule) are gone once a transactional test has flushed the database, and which tests ran
# before depends on ordering and xdist workers. So they are replayed before every transactional test and
# at the start of every module (whose module-scoped worlds are built before any function fixture) that
# follows a flush; each seed function is idempotent (get_or_create / update_or_create / exists checks).
SEED_MIGRATIONS = (
    ("cases.migrations.0002_seed_import_mappings", "seed"),
    ("cases.migrations.0016_import_mapping_aliases", "add_aliases"),
    ("cases.migrations.0003_notifications_sla_routing", "create_schedules"),
    ("cases.migrations.0013_import_staging_sweep_schedule", "create_schedule"),
    ("training.migrations.0002_seed_training_matrix", "seed"),
    ("training.migrations.0003_certification_sweep_schedule", "create_schedule"),
    ("training.migrations.0005_survey_invitations", "create_schedule"),
    ("incentives.migrations.0003_seed_rules", "seed"),
    ("incentives.migrations.0004_schedules", "create"),
    ("incentives.migrations.0005_conversion_awards_schedule", "create"),
    ("incentives.migrations.0006_dispute_adjustment_limits", "seed_limits"),
    ("insights.migrations.0002_schedules", "create_schedules"),
    ("jobs.migrations.0002_jobs_sweep_schedule", "create_schedule"),
    ("reviewdesk.migrations.0006_client_offboarding", "create_schedule"),
    ("workorders.migrations.0002_default_departments", "seed"),
    ("workorders.migrations.0003_sweep_schedules", "create_schedules"),
    ("outreach.migrations.0002_schedules", "create_schedules"),
    ("workorders.migrations.0005_default_automation_rules", "seed_all"),
    ("connectors.migrations.0002_pull_schedule", "create_schedule"),
    ("prevention.migrations.0002_default_rules_and_schedules", "seed_all"),
    ("prevention.migrations.0003_order_reasons_pull_cursor", "add_reason_aliases"),
    ("prevention.migrations.0005_order_pull_schedule", "create_schedule"),
)


_migrated_apps = []


def replay_migration_rows() -> None:
    """Run the seed functions as the migrations did: with the migrated state's models (no history rows,
    no signals), so a replayed row is the same as a migrated one."""
    import importlib

    if not _migrated_apps:
        from django.db.migrations.executor import MigrationExecutor

        _migrated_apps.append(MigrationExecutor(connection).loader.project_state().apps)
    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(_migrated_apps[0], None)
    _flushed_since_replay.clear()


# The rows can go missing only through a flush (a transactional test's end, a fixture's own flush), and
# every flush sends post_migrate; until one does, replaying them again would only find them there.
_flushed_since_replay = {True}
post_migrate.connect(
    lambda **kwargs: _flushed_since_replay.add(True), weak=False, dispatch_uid="tests.flushed_since_replay"
)


@pytest.fixture(scope="module", autouse=True)
def migration_rows_for_the_module(request, django_db_setup, django_db_blocker):
    if _flushed_since_replay:
        with django_db_blocker.unblock():
            replay_migration_rows()


@pytest.fixture(autouse=True)
def data_migration_rows(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    if _flushed_since_replay:
        replay_migration_rows()


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    """Every test starts with empty request-rate counters (reviewdesk.throttling): the API and login
    throttles are on in tests, and user ids repeat across tests, so one test's requests must not count
    against the next one's."""
    from django.core.cache import caches

    caches["throttle"].clear()
    yield
