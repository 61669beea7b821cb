"""How money, rates, hours and ages read on pages, in notices and in e-mails: one formatter each.

The template tags (``wizard.templatetags.selector_tags``: ``usd``, ``usd_rate``, ``hours``, ``age``)
and every sentence built in Python (the wizard's comparisons in words, price-alert notices) call
these, so "$1,234.50", "$0.1234/h", "2.5 h" and "45 min" read the same everywhere. Pure Python (no
Django), so every app can import it downwards. A value that is not a number reads "—".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

NOTHING = "—"


def dec(value) -> Decimal | None:
    """``value`` as a Decimal (from a Decimal, an int, a float or a numeric string); None if it is none."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def money(value) -> str:
    """US dollars to the cent: "$1,234.50", "-$3.20"."""
    d = dec(value)
    if d is None:
        return NOTHING
    return f"{'-' if d < 0 else ''}${abs(d):,.2f}"


def rate(value) -> str:
    """A price per hour: to the cent, keeping fractions of a cent when it has them ("$0.1234/h")."""
    d = dec(value)
    if d is None:
        return NOTHING
    if d == d.quantize(Decimal("0.01")) or abs(d) >= 10:
        return f"{'-' if d < 0 else ''}${abs(d):,.2f}/h"
    return f"{'-' if d < 0 else ''}${abs(d).normalize():f}/h"


def hours(value) -> str:
    """A duration given in hours: "45 min" under an hour, "2.5 h" / "2 h" under ten, "12 h" / "1,234 h"
    from ten on. A negative duration reads as its size (the sentence says sooner or later)."""
    d = dec(value)
    if d is None:
        return NOTHING
    h = abs(float(d))
    if h < 1:
        return f"{round(h * 60)} min"
    if h < 10:
        text = f"{h:.1f}"
        return f"{text[:-2] if text.endswith('.0') else text} h"
    return f"{h:,.0f} h"


def age(seconds) -> str:
    """How long ago, from seconds: "40 s ago", "12 min ago", "5 h ago", "3 days ago"; "never"."""
    if seconds is None:
        return "never"
    s = int(seconds)
    if s < 90:
        return f"{s} s ago"
    if s < 5400:
        return f"{round(s / 60)} min ago"
    if s < 172800:
        return f"{round(s / 3600)} h ago"
    return f"{round(s / 86400)} days ago"


def days_old(days) -> str:
    """How old a dated list is: "from today", "1 day old", "5 days old", "3 weeks old", "2 months old"."""
    d = int(days)
    if d <= 0:
        return "from today"
    if d == 1:
        return "1 day old"
    if d < 14:
        return f"{d} days old"
    if d < 60:
        return f"{round(d / 7)} weeks old"
    if d < 730:
        return f"{round(d / 30.4)} months old"
    return f"{round(d / 365.25)} years old"
