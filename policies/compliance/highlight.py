"""The checked text cut into pieces for display, the flagged spans marked (the sandbox's "check wording")."""

from __future__ import annotations


def marked_pieces(text: str, findings) -> list[dict]:
    """[{"text", "marked"}] covering ``text`` in order; overlapping or touching finding spans merge."""
    spans = sorted((f.start, f.end) for f in findings if f.end > f.start)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, last = [], 0
    for start, end in merged:
        if start > last:
            pieces.append({"text": text[last:start], "marked": False})
        pieces.append({"text": text[start:end], "marked": True})
        last = end
    if last < len(text):
        pieces.append({"text": text[last:], "marked": False})
    return pieces
