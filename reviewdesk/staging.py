"""Uploads kept between a preview and its confirmation (the review import, the policy pack import).

A staged file lives in a folder of ``VAR_DIR`` under a random key (two people previewing the same file
each have their own copy, so one's cancel does not remove the other's). It is deleted when the import is
confirmed or cancelled, and ``sweep`` (run hourly by django-q, see ``cases.imports.uploads``) deletes
whatever was abandoned on a preview page once older than ``IMPORT_STAGING_MAX_AGE_HOURS``: a buyer's
export or a policy pack must not stay on disk for ever. Every staging folder is named in ``AREAS`` so
that the one sweep reaches them all, whichever app stages into it.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings

# Every folder under VAR_DIR that holds staged uploads; the sweep visits each.
AREAS = ("import-staging", "policy-packs")
_KEY = re.compile(r"[0-9a-f]{32}")


class StagingArea:
    def __init__(self, name: str):
        if name not in AREAS:
            raise ValueError(
                f"staging area {name!r} is not listed in reviewdesk.staging.AREAS (the sweep would miss it)"
            )
        self.name = name

    @property
    def folder(self) -> Path:
        path = Path(settings.VAR_DIR) / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _path(self, key: str) -> Path | None:
        # The key comes back from the browser (in a signed token); its shape keeps any other path out.
        return self.folder / key if isinstance(key, str) and _KEY.fullmatch(key) else None

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        (self.folder / key).write_bytes(data)
        return key

    def read(self, key: str) -> bytes | None:
        """The staged bytes, or None when the key is malformed, already used, cancelled or swept."""
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        return path.read_bytes()

    def discard(self, key: str) -> bool:
        """Delete a staged file (confirmed or cancelled); True when there was one."""
        path = self._path(key)
        if path is None or not path.is_file():
            return False
        path.unlink(missing_ok=True)
        return True


def sweep(*, max_age: timedelta | None = None) -> dict:
    """Delete every staged file of every area older than ``max_age`` (default
    ``IMPORT_STAGING_MAX_AGE_HOURS``), by modification time. Files of any name go, so uploads staged under
    an older naming are swept too. Returns ``{"deleted": n, "kept": n}``."""
    max_age = max_age if max_age is not None else timedelta(hours=settings.IMPORT_STAGING_MAX_AGE_HOURS)
    cutoff = time.time() - max_age.total_seconds()
    deleted = kept = 0
    for name in AREAS:
        folder = Path(settings.VAR_DIR) / name
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            try:
                if not path.is_file():
                    continue
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    deleted += 1
                else:
                    kept += 1
            except FileNotFoundError:  # confirmed or cancelled meanwhile
                continue
    return {"deleted": deleted, "kept": kept}
