"""The jobs app is a leaf: it imports no app above it; the apps register their kinds' handlers."""

import ast
from pathlib import Path

import pytest

from jobs import registry
from jobs.choices import JobKind

APPS_ABOVE = ("cases", "incentives", "training", "policies", "insights", "connectors", "workorders")
pytestmark = pytest.mark.django_db

JOBS = Path(__file__).resolve().parents[2] / "jobs"


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_of_the_jobs_app_imports_an_app_above_it():
    offending = {
        f"{path.relative_to(JOBS.parent)}: {name}"
        for path in JOBS.rglob("*.py")
        for name in _imported(path)
        if name.split(".")[0] in APPS_ABOVE
    }
    assert offending == set()


def test_every_kind_has_a_registered_handler_with_run():
    kinds = {t.kind for t in registry.registered()}
    assert kinds == set(JobKind.values)
    for kind in JobKind.values:
        assert callable(registry.handler_for(kind).run)


def test_a_kind_jobs_does_not_name_is_refused():
    with pytest.raises(ValueError):
        registry.register("made_up", "cases.jobs")
    assert "made_up" not in {t.kind for t in registry.registered()}
