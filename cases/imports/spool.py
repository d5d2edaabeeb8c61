"""Validated rows kept on disk until they are stored, so that a large import holds one chunk at a time.

A 200,000-row export validates into about 1 KB of Python objects a row (a dict of some twenty
values: ids, texts, a Decimal, an aware datetime): 260 MB if the rows were all kept in memory until
the file has been read to its end, which all-or-nothing requires before anything is written. The
spool pickles every ``CHUNK`` rows into an anonymous temporary file (deleted when closed or collected,
never named on disk; in ``TMPDIR``, about 270 bytes a row: 55 MB for 200,000 rows) and hands them back
chunk by chunk, in order. The first ``HEAD`` rows stay in memory as well, for the preview.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator

CHUNK = 5000  # the ingest's chunk (cases.imports.storing.CHUNK)
HEAD = 20  # what the preview shows (cases.imports.uploads.PREVIEW_ROWS)


class RowSpool:
    def __init__(self, *, chunk: int = CHUNK, head: int = HEAD):
        self.chunk = chunk
        self.head: list[dict] = []
        self._head_size = head
        self._pending: list[dict] = []
        self._file = None
        self._chunks = 0
        self._count = 0

    def append(self, row: dict) -> None:
        self._count += 1
        if len(self.head) < self._head_size:
            self.head.append(dict(row))  # a copy: the ingest adds keys to the spooled row
        self._pending.append(row)
        if len(self._pending) >= self.chunk:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="reviewdesk-rows-")
        pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._pending = []
        self._chunks += 1

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def chunks(self) -> Iterator[list[dict]]:
        """The rows in their order, ``chunk`` at a time (each chunk read back from disk as it comes)."""
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._chunks):
                yield pickle.load(self._file)  # noqa: S301 - our own file, written just above
        if self._pending:
            yield self._pending

    def __iter__(self) -> Iterator[dict]:
        for chunk in self.chunks():
            yield from chunk

    def discard(self) -> None:
        """Forget the rows: the file goes, the count stays (for the result's figures)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._pending, self._chunks = [], 0

    close = discard
