"""Small display helpers: money, rates, hours, ages (``selector.formatting``), timestamps, the
price-freshness words, and the availability mark (colour + shape + word). The pages hand the
templates typed values (Decimal money, float hours, datetimes); every number on a page is written
by one of these filters."""

import datetime as dt

from django import template
from django.utils.html import format_html

from selector import formatting
from selector.formatting import dec
from wizard.compare_page import AVAILABILITY, FRESHNESS_STATES, TYPICAL_MEANING, TYPICAL_WORDS

register = template.Library()

# Money, rates, hours and ages have one formatter each (selector.formatting); these filters are them.
register.filter("usd", formatting.money)
register.filter("usd_rate", formatting.rate)
register.filter("hours", formatting.hours)
register.filter("age", formatting.age)
register.filter("days_old", formatting.days_old)


@register.filter
def freshness_word(state: str) -> str:
    """A provider's price state (``ProviderFreshness.state``) at a glance: "live", "list price"..."""
    return FRESHNESS_STATES.get(state, (state, ""))[0]


@register.filter
def freshness_meaning(state: str) -> str:
    return FRESHNESS_STATES.get(state, (state, ""))[1]


@register.filter
def when(value) -> str:
    """An ISO timestamp as "2026-11-29 22:46 UTC" (a bare date stays a date)."""
    from django.utils.dateparse import parse_datetime

    if not value:
        return ""
    d = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if d is None:
        return str(value)[:10]
    if d.hour == 0 and d.minute == 0 and d.second == 0:
        return f"{d:%Y-%m-%d}"
    return f"{d:%Y-%m-%d %H:%M} UTC"


@register.filter
def without_price_range(text: str) -> str:
    """The product document's pricing line without its quoted range ("Per-minute billing ($0.44 -
    $4.25/hr)" -> "Per-minute billing"): pages show the range of the prices served now instead."""
    import re

    return re.sub(r"\s*\(\$[^)]*\)", "", text or "").strip()


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def abs_value(value):
    d = dec(value)
    return abs(d) if d is not None else value


@register.simple_tag
def availability(level: str, reported=True):
    """The availability mark. One wording everywhere: a level the provider reported is the plain word
    ("High"); one it did not report is its typical level, "High (typical, not live)"."""
    typical = reported is False
    if typical and level not in AVAILABILITY:
        # Nothing reported and no typical level known: say so, in the same words.
        return format_html('<span class="avail avail-unknown" title="{}"><span class="mark" aria-hidden="true"></span>'
                           'Not reported <span class="typical">(not live)</span></span>', TYPICAL_MEANING)
    emoji, word, meaning = AVAILABILITY.get(level or "", ("⚪", "Unknown", "Availability not reported"))
    title = f"{meaning}: {TYPICAL_MEANING}" if typical else meaning
    # The mark is a CSS shape (circle, diamond, triangle, cross) so it shows without an emoji font;
    # the product document's emoji rides along for screen readers and copy-paste, the word always shows.
    return format_html(
        '<span class="avail avail-{}{}" title="{}"><span class="mark" data-emoji="{}" aria-hidden="true"></span>'
        '<span class="visually-hidden">{} </span>{}{}</span>',
        level or "unknown", " avail-typical" if typical else "", title, emoji, emoji, word,
        format_html(' <span class="typical">({})</span>', TYPICAL_WORDS) if typical else "",
    )
