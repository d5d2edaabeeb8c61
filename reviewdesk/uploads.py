"""Where an uploaded or generated file is stored: under its owner's folder in MEDIA_ROOT, by a random name.

The person's file name is kept in the row (``original_name``), never on disk, so a name cannot guess,
overwrite or leak another file; only the suffix (lower case, at most 10 characters) survives. Each model's
``upload_to`` stays a function of its own module (migrations name it) that calls ``random_name``.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath


def random_name(folder: str, owner_id, filename: str) -> str:
    """``folder/<owner_id>/<32 random hex digits><suffix>``."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"{folder}/{owner_id}/{uuid.uuid4().hex}{suffix}"
