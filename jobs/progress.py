"""What a running job says about itself, outside the database: its progress and its cancellation.

A running import holds one transaction (on SQLite the database's only write lock) for as long as it
stores rows, so neither its progress nor a request to cancel it can be a write to the job's row: the
runner writes ``VAR_DIR/jobs/<id>.json`` (atomically: a temporary file renamed over it) and the web
reads it; the web's cancel writes ``<id>.cancel`` and the runner checks it between chunks. The folder is
the one the staged uploads live beside, shared by the web and the workers already (they read the staged
file). The file's time is the job's heartbeat: the sweep fails a running job whose heartbeat stopped.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings


def folder() -> Path:
    path = Path(settings.VAR_DIR) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _progress_path(job_id: int) -> Path:
    return folder() / f"{int(job_id)}.json"


def _cancel_path(job_id: int) -> Path:
    return folder() / f"{int(job_id)}.cancel"


def write(job_id: int, *, done: int, total: int, stage: str = "", started: float | None = None) -> None:
    payload = {"done": int(done), "total": int(total), "stage": stage, "at": time.time()}
    if started is not None:
        payload["started"] = started
    handle, temporary = tempfile.mkstemp(dir=folder(), prefix=".progress-")
    with os.fdopen(handle, "w") as out:
        json.dump(payload, out)
    os.replace(temporary, _progress_path(job_id))


def read(job_id: int) -> dict | None:
    try:
        return json.loads(_progress_path(job_id).read_text())
    except (FileNotFoundError, ValueError):
        return None


def heartbeat_at(job_id: int) -> float | None:
    """The last time the runner wrote the job's progress (seconds since the epoch), or None."""
    try:
        return _progress_path(job_id).stat().st_mtime
    except FileNotFoundError:
        return None


def request_cancel(job_id: int) -> None:
    _cancel_path(job_id).touch()


def cancel_requested(job_id: int) -> bool:
    return _cancel_path(job_id).exists()


def forget(job_id: int) -> None:
    """The job has finished: its progress and cancel marker go (the row holds the outcome)."""
    _progress_path(job_id).unlink(missing_ok=True)
    _cancel_path(job_id).unlink(missing_ok=True)
