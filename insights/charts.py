"""Charts drawn as SVG on the server: no script, no CDN, works offline and prints. Every chart sits
beside the table it is drawn from, so the numbers are always readable as text too."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = [
    "#2f6fb0",
    "#e07b39",
    "#3a9d5d",
    "#c8473f",
    "#8a63b8",
    "#9c7a3c",
    "#d16ba5",
    "#5f6b7a",
    "#2aa5a5",
    "#b5b23a",
]


def _num(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def stacked_bars(
    categories: list[str], series: list[tuple[str, list]], *, title: str, width: int = 760, height: int = 240
) -> SafeString:
    """Vertical bars, one per category, stacked by series; a legend under the plot."""
    left, top, bottom = 40, 10, 40
    legend_rows = (len(series) + 3) // 4
    plot_h = height - top - bottom
    total_h = height + legend_rows * 18
    totals = [sum(_num(values[i]) for _name, values in series) for i in range(len(categories))]
    peak = max(totals, default=0) or 1
    step = (width - left - 10) / max(len(categories), 1)
    bar = max(step * 0.7, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {total_h}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 5}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" font-size="10">{int(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="10">0</text>',
    ]
    label_every = max(1, len(categories) // 12)
    # Escaped once, not per bar: a 90-day chart has ~500 bars.
    names = [
        (escape(name), PALETTE[s % len(PALETTE)], [_num(v) for v in values])
        for s, (name, values) in enumerate(series)
    ]
    for i, category in enumerate(categories):
        x = left + i * step + (step - bar) / 2
        y = top + plot_h
        label = escape(category)
        for name, colour, values in names:
            value = values[i]
            if value <= 0:
                continue
            h = value / peak * plot_h
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{label} {name}: {value:g}</title></rect>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" font-size="10">{escape(category[5:] if len(category) == 10 else category)}</text>'
            )
    for s, (name, _values) in enumerate(series):
        lx, ly = left + (s % 4) * ((width - left) / 4), height + (s // 4) * 18 - 8
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{lx + 14:.1f}" y="{ly}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def hbars(
    labels: list[str],
    values: list,
    *,
    title: str,
    maximum: float | None = None,
    markers: list | None = None,
    suffix: str = "",
    width: int = 420,
) -> SafeString:
    """Horizontal bars with the value written at the end; ``markers`` draws a tick (e.g. the expected rate)."""
    row_h, label_w = 22, 150
    height = row_h * max(len(labels), 1) + 10
    peak = maximum or max((_num(v) for v in values), default=0) or 1
    plot_w = width - label_w - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + i * row_h
        w = min(_num(value), peak) / peak * plot_w
        text = "—" if value is None else f"{value}{suffix}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="11">{escape(str(label)[:14])}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="14" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="11">{escape(text)}</text>'
        )
        if markers and markers[i] is not None:
            mx = label_w + min(_num(markers[i]), peak) / peak * plot_w
            parts.append(
                f'<line x1="{mx:.1f}" y1="{y}" x2="{mx:.1f}" y2="{y + 20}" stroke="{PALETTE[3]}" stroke-width="2">'
                f"<title>{escape(str(markers[i]))}{escape(suffix)}</title></line>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
