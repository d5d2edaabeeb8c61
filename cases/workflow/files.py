"""What an evidence file really is: its first bytes must agree with its extension.

Images jpg/png/webp, audio mp3/m4a/amr/wav, chat exports txt/csv/xlsx/html/pdf. A renamed
executable or a zip called .jpg is refused; the stored content type comes from the sniffed type,
never from the browser.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from cases.choices import EvidenceKind

# extension → (family, content type)
TYPES = {
    "jpg": ("image", "image/jpeg"),
    "jpeg": ("image", "image/jpeg"),
    "png": ("image", "image/png"),
    "webp": ("image", "image/webp"),
    "mp3": ("audio", "audio/mpeg"),
    "m4a": ("audio", "audio/mp4"),
    "amr": ("audio", "audio/amr"),
    "wav": ("audio", "audio/wav"),
    "txt": ("export", "text/plain"),
    "csv": ("export", "text/csv"),
    "html": ("export", "text/html"),
    "htm": ("export", "text/html"),
    "xlsx": ("export", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("export", "application/pdf"),
}
KINDS_FOR_FAMILY = {
    "image": {EvidenceKind.IMAGE},
    "audio": {EvidenceKind.AUDIO},
    "export": {EvidenceKind.CHAT_EXPORT, EvidenceKind.DOCUMENT},
}
ALLOWED_EXTENSIONS = tuple(sorted(TYPES))


def extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a multi-byte character cut at the end of the sample
                return True
    return False


def _matches(ext: str, head: bytes, file) -> bool:
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext == "wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if ext == "mp3":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if ext == "m4a":
        return head[4:8] == b"ftyp"
    if ext == "amr":
        return head.startswith(b"#!AMR")
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
            return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            file.seek(0)
    if ext in ("html", "htm"):
        return _is_text(head) and b"<" in head
    return _is_text(head)  # txt, csv


def sniff(file, name: str) -> tuple[str, str] | None:
    """(family, content type) when the content agrees with the extension, else None."""
    ext = extension(name)
    if ext not in TYPES:
        return None
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    return TYPES[ext] if _matches(ext, head, file) else None


def download_response(evidence):
    """The stored file of one evidence row as an attachment under its original name, for the web page and
    the API alike (the caller has found it through the one access path). A file missing from storage is a
    404, never a 500; nothing is cached and the sniffed type is not second-guessed by the browser."""
    from django.http import FileResponse, Http404

    if not evidence.file:  # erased with its client's buyers' data (cases.offboarding.erase)
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
