"""Server-side SVG charts of price history. Pure Python (no Django): data in, SVG text out.

Readable without colour: every provider has its own dash pattern and point marker, the lowest
price is a thick line with filled markers and the median a thin line with hollow ones, lines are
labelled directly at their ends, and availability is a strip of shaped markers with a worded
legend. Only SVG presentation attributes are used (no style attributes), so the page's
Content-Security-Policy (style-src 'self') allows it inline.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

DASHES = ("", "9 4", "2 3", "12 3 3 3", "5 5", "1 3")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "star")
COLOURS = ("#1f5fa8", "#b34700", "#2e7d32", "#6a1b9a", "#00838f", "#5d4037")
AVAILABILITY_MARKS = {
    # availability: (shape, filled, word)
    "high": ("circle", True, "high"),
    "medium": ("diamond", True, "medium"),
    "low": ("triangle", False, "low"),
    "unavailable": ("cross", False, "unavailable"),
    "unknown": ("ring", False, "unknown"),
}
MAX_POINT_MARKERS = 60  # beyond this many points a series shows markers only at its ends


@dataclass(frozen=True)
class ChartPoint:
    t: dt.datetime
    low: float
    median: float
    availability: str
    offers: int = 0


@dataclass(frozen=True)
class ChartSeries:
    label: str
    points: tuple[ChartPoint, ...]


def series_style(index: int) -> dict:
    """Dash pattern, marker and colour of the index-th series (also used by the HTML legend)."""
    return {"dash": DASHES[index % len(DASHES)], "marker": MARKERS[index % len(MARKERS)],
            "colour": COLOURS[index % len(COLOURS)]}


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def marker(shape: str, x: float, y: float, r: float, colour: str, filled: bool, title: str = "") -> str:
    """One point marker as SVG (circle, square, triangle, diamond, cross, star, ring)."""
    fill = colour if filled else "#ffffff"
    common = f'stroke="{colour}" stroke-width="1.5" fill="{fill}"'
    t = f"<title>{escape(title)}</title>" if title else ""
    if shape in ("circle", "ring"):
        rr = r if shape == "circle" else r * 0.8
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(rr)}" {common}>{t}</circle>'
    if shape == "square":
        return f'<rect x="{_fmt(x - r)}" y="{_fmt(y - r)}" width="{_fmt(2 * r)}" height="{_fmt(2 * r)}" {common}>{t}</rect>'
    if shape == "cross":
        d = f"M{_fmt(x - r)} {_fmt(y - r)}L{_fmt(x + r)} {_fmt(y + r)}M{_fmt(x - r)} {_fmt(y + r)}L{_fmt(x + r)} {_fmt(y - r)}"
        return f'<path d="{d}" stroke="{colour}" stroke-width="2" fill="none">{t}</path>'
    if shape == "triangle":
        pts = [(x, y - r * 1.15), (x + r * 1.1, y + r * 0.85), (x - r * 1.1, y + r * 0.85)]
    elif shape == "diamond":
        pts = [(x, y - r * 1.3), (x + r * 1.1, y), (x, y + r * 1.3), (x - r * 1.1, y)]
    else:  # star
        pts = []
        for i in range(10):
            ang = -math.pi / 2 + i * math.pi / 5
            rad = r * 1.3 if i % 2 == 0 else r * 0.55
            pts.append((x + rad * math.cos(ang), y + rad * math.sin(ang)))
    p = " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in pts)
    return f'<polygon points="{p}" {common}>{t}</polygon>'


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    # The last tick is at or above hi, so every value is inside the plot.
    while True:
        ticks.append(round(v, 6))
        if v >= hi - step * 0.001:
            return ticks
        v += step


def _time_ticks(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, str]]:
    span = (end - start).total_seconds()
    if span <= 2 * 86400:
        step, fmt = dt.timedelta(hours=6), "%H:%M"
        first = start.replace(minute=0, second=0, microsecond=0)
        first += dt.timedelta(hours=(6 - first.hour % 6) % 6)
    else:
        days = 1 if span <= 8 * 86400 else 7 if span <= 60 * 86400 else 14
        step, fmt = dt.timedelta(days=days), "%d %b"
        first = start.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    out = []
    t = first
    while t <= end and len(out) < 16:
        if t >= start:
            out.append((t, t.strftime(fmt)))
        t += step
    return out


def _spread_labels(ys: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Move label positions apart so none overlap (kept in order, inside [lo, hi])."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = [0.0] * len(ys)
    prev = lo - gap
    for i in order:
        y = max(ys[i], prev + gap)
        placed[i] = y
        prev = y
    overflow = prev - hi
    if overflow > 0:
        for i in order:
            placed[i] = max(lo, placed[i] - overflow)
    return placed


def price_chart_svg(series: Sequence[ChartSeries], *, start: dt.datetime, end: dt.datetime,
                    title: str, width: int = 820, plot_height: int = 300, unit: str = "$/GPU-h") -> str:
    """Lowest and median price per provider over [start, end], plus an availability strip."""
    left, right, top = 96, 190, 16  # left: room for provider names in the availability strip
    strip_row = 18
    drawn = [s for s in series if s.points]
    strip_top = top + plot_height + 34
    legend_top = strip_top + max(len(drawn), 1) * strip_row + 10
    height = legend_top + 26
    pw = width - left - right
    span = max((end - start).total_seconds(), 1.0)

    def x_of(t: dt.datetime) -> float:
        return left + (t - start).total_seconds() / span * pw

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    desc = "; ".join(
        f"{s.label}: {len(s.points)} points, latest lowest {s.points[-1].low:.4f} {unit}, "
        f"median {s.points[-1].median:.4f}, availability {s.points[-1].availability}" for s in drawn
    ) or "No prices recorded in this range."
    out.append(f'<desc id="chart-desc">{escape(desc)}</desc>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{plot_height}" fill="#ffffff" stroke="#999999"/>')
    if not drawn:
        out.append(f'<text x="{left + pw / 2:.1f}" y="{top + plot_height / 2:.1f}" text-anchor="middle" '
                   f'fill="#333333">No prices recorded in this range yet.</text></svg>')
        return "".join(out)

    values = [v for s in drawn for p in s.points for v in (p.low, p.median)]
    ticks = _nice_ticks(min(values) * 0.97, max(values) * 1.03)
    y_lo, y_hi = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1

    def y_of(v: float) -> float:
        return top + plot_height - (v - y_lo) / (y_hi - y_lo) * plot_height

    # Axes and grid.
    for v in ticks:
        y = y_of(v)
        out.append(f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + pw}" y2="{_fmt(y)}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end" fill="#333333">${v:g}</text>')
    out.append(f'<text x="12" y="{top + plot_height / 2:.1f}" transform="rotate(-90 12 {top + plot_height / 2:.1f})" '
               f'text-anchor="middle" fill="#333333">USD per GPU-hour</text>')
    for t, label in _time_ticks(start, end):
        x = x_of(t)
        out.append(f'<line x1="{_fmt(x)}" y1="{top + plot_height}" x2="{_fmt(x)}" y2="{top + plot_height + 4}" stroke="#666666"/>')
        out.append(f'<text x="{_fmt(x)}" y="{top + plot_height + 17}" text-anchor="middle" fill="#333333">{escape(label)}</text>')

    # Lines: lowest (thick, filled markers) and median (thin, hollow markers).
    end_labels: list[tuple[float, str, str]] = []
    for i, s in enumerate(series):
        if not s.points:
            continue
        st = series_style(i)
        dash = f' stroke-dasharray="{st["dash"]}"' if st["dash"] else ""
        many = len(s.points) > MAX_POINT_MARKERS
        for field, width_px, filled, word in (("low", 2.5, True, "lowest"), ("median", 1.25, False, "median")):
            pts = [(x_of(p.t), y_of(getattr(p, field))) for p in s.points]
            if len(pts) == 1:
                pts_line = pts
            else:
                # Prices hold between polls: draw steps, so a change shows at the poll that saw it.
                pts_line = [pts[0]]
                for a, b in zip(pts, pts[1:], strict=False):
                    pts_line += [(b[0], a[1]), b]
            d = "M" + " L".join(f"{_fmt(a)} {_fmt(b)}" for a, b in pts_line)
            out.append(f'<path d="{d}" fill="none" stroke="{st["colour"]}" stroke-width="{width_px}"{dash}>'
                       f'<title>{escape(s.label)} {word}</title></path>')
            shown = [0, len(pts) - 1] if many else range(len(pts))
            for k in sorted(set(shown)):
                p = s.points[k]
                out.append(marker(st["marker"], pts[k][0], pts[k][1], 3.5 if filled else 3, st["colour"], filled,
                                  f"{s.label} {word} {getattr(p, field):.4f} {unit} at {p.t:%Y-%m-%d %H:%M} UTC"))
            last = s.points[-1]
            end_labels.append((pts[-1][1], f"{s.label} {word} ${getattr(last, field):.2f}", st["colour"]))
    placed = _spread_labels([y for y, _, _ in end_labels], 13, top + 6, top + plot_height)
    for (y0, text, colour), y in zip(end_labels, placed, strict=True):
        x = left + pw
        out.append(f'<line x1="{x}" y1="{_fmt(y0)}" x2="{x + 8}" y2="{_fmt(y)}" stroke="{colour}"/>')
        out.append(f'<text x="{x + 10}" y="{_fmt(y + 4)}" fill="{colour}">{escape(text)}</text>')

    # Availability strip: one row per provider, one shaped marker per point.
    out.append(f'<text x="{left}" y="{strip_top - 8}" fill="#333333">Availability at each poll</text>')
    for row, s in enumerate(drawn):
        y = strip_top + row * strip_row + 6
        out.append(f'<text x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end" fill="#333333">{escape(s.label)}</text>')
        out.append(f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + pw}" y2="{_fmt(y)}" stroke="#eeeeee"/>')
        colour = series_style(series.index(s))["colour"]
        for p in s.points:
            shape, filled, word = AVAILABILITY_MARKS.get(p.availability, AVAILABILITY_MARKS["unknown"])
            out.append(marker(shape, x_of(p.t), y, 3.2, colour, filled,
                              f"{s.label} {p.t:%Y-%m-%d %H:%M} UTC: {word} availability, {p.offers} offers"))
        now_word = AVAILABILITY_MARKS.get(s.points[-1].availability, AVAILABILITY_MARKS["unknown"])[2]
        out.append(f'<text x="{left + pw + 10}" y="{_fmt(y + 4)}" fill="#333333">latest: {escape(now_word)}</text>')

    # Legend of availability shapes, worded.
    x = left
    out.append(f'<text x="{x}" y="{legend_top + 4}" fill="#333333">Availability:</text>')
    x += 84
    for shape, filled, word in AVAILABILITY_MARKS.values():
        out.append(marker(shape, x, legend_top, 4, "#333333", filled))
        out.append(f'<text x="{x + 8}" y="{legend_top + 4}" fill="#333333">{word}</text>')
        x += 16 + 7 * len(word) + 14
    out.append("</svg>")
    return "".join(out)


def legend_swatch_svg(index: int, *, median: bool = False) -> str:
    """A small inline SVG showing a series' dash and marker, for the HTML legend and table."""
    st = series_style(index)
    dash = f' stroke-dasharray="{st["dash"]}"' if st["dash"] else ""
    w = "1.25" if median else "2.5"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="44" height="14" viewBox="0 0 44 14" aria-hidden="true">'
            f'<line x1="2" y1="7" x2="42" y2="7" stroke="{st["colour"]}" stroke-width="{w}"{dash}/>'
            f'{marker(st["marker"], 22, 7, 3.5, st["colour"], not median)}</svg>')
