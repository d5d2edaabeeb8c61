"""ReviewDesk's own apps, for the tests that must cover every one of them (the access matrix's "nothing
changed", the admin's help texts, the raw-code scan, the English names, the bad-input corpus): read from the
installed apps, so an app added later is covered without anyone remembering to add it to a list."""

from __future__ import annotations

from pathlib import Path


def project_apps() -> list[str]:
    """The labels of the installed apps whose package lives in this repository, in settings order."""
    from django.apps import apps
    from django.conf import settings

    root = Path(settings.BASE_DIR).resolve()
    return [c.label for c in apps.get_app_configs() if Path(c.path).resolve().parent == root]
