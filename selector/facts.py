"""Provider and GPU facts in one place: a provider's name, setup minutes, billing increment and
links (the adapter's where one is registered, else the setup guide's), the pros/cons wording of an
option, setup instructions, cost tips, and the GPU catalog listing.

The compare read model (``selector.compare``), the instances listing (``selector.instances``), the
price alerts and the pages read provider facts from here, so a setup time or a billing increment
is never looked up two ways.
"""

from __future__ import annotations

from collections import OrderedDict

from pricing.gpus import GPUS, GpuSpec
from pricing.providers.registry import PROVIDERS
from pricing.selectors import latest_snapshot, provider_freshness

from .setup_guides import COST_TIPS, GUIDES, setup_time_words

LOCAL_SLUG = "local"


def provider_meta(slug: str) -> dict:
    """Name, setup minutes, billing increment and links of a provider: the adapter's where one is
    registered, else the setup guide's."""
    adapter = PROVIDERS.get(slug)
    guide = GUIDES.get(slug)
    name = getattr(adapter, "NAME", "") or (guide.name if guide else slug)
    raw_minutes = getattr(adapter, "SETUP_MINUTES", None) or (guide.estimated_minutes if guide else (0, 0))
    minutes = (int(raw_minutes[0]), int(raw_minutes[1]))
    return {
        "slug": slug,
        "name": name,
        "setup_minutes": minutes,
        "setup_time": setup_time_words(slug, minutes),
        "billing_increment_seconds": _billing_increment(adapter, slug),
        "signup_url": getattr(adapter, "SIGNUP_URL", "") or (guide.signup_url if guide else ""),
        "docs_url": getattr(adapter, "DOCS_URL", "") or (guide.docs_url if guide else ""),
        "typical_availability": guide.typical_availability if guide else "medium",
    }


def _billing_increment(adapter, slug: str) -> int:
    """Seconds; an adapter that does not say is assumed to bill by the hour (the dearer case)."""
    if slug == LOCAL_SLUG:
        return 0
    value = getattr(adapter, "BILLING_INCREMENT_SECONDS", None)
    return 3600 if value is None else int(value)


def known_providers() -> list[str]:
    return list(PROVIDERS)


def setup_provider_slugs() -> list[str]:
    """Providers with setup instructions: every registered adapter, the guides, and local."""
    return list(OrderedDict.fromkeys([*PROVIDERS, *GUIDES]))


def setup_instructions(slug: str) -> dict | None:
    """The setup guide for ``slug``, or None for an unknown provider."""
    slug = (slug or "").strip().lower()
    if slug not in PROVIDERS and slug not in GUIDES:
        return None
    meta = provider_meta(slug)
    guide = GUIDES.get(slug)
    lo, hi = meta["setup_minutes"]
    steps = list(guide.steps) if guide else [
        f"Create an account with {meta['name']}", "Add a payment method", "Choose a GPU instance and launch it",
        "Connect to it and upload your dataset and training script",
    ]
    return {
        "provider": slug,
        "name": meta["name"],
        "estimated_time": meta["setup_time"],
        "estimated_minutes": {"min": lo, "max": hi},
        "steps": steps,
        "signup_url": meta["signup_url"],
        "docs_url": meta["docs_url"],
    }


def cost_tips() -> list[dict]:
    return [{"title": t["title"], "tips": list(t["tips"])} for t in COST_TIPS]


def provider_status() -> dict:
    """Every registered provider with the freshness of its prices (2 queries)."""
    out = []
    for slug, fresh in provider_freshness().items():
        meta = provider_meta(slug)
        row = fresh.as_dict()
        row["last_poll"] = fresh.last_poll  # the latest attempt: requests, coverage, dropped rows and why
        row.update(setup_minutes={"min": meta["setup_minutes"][0], "max": meta["setup_minutes"][1]},
                   setup_time=meta["setup_time"], billing_increment_seconds=meta["billing_increment_seconds"])
        out.append(row)
    return {"providers": out, "count": len(out)}


def price_ranges() -> dict[str, dict]:
    """Each provider's current on-demand price range per GPU-hour, from the prices served now (not
    the product document's quoted ranges), with their date: {slug: {low, high, count, source,
    as_of, stale}}. Interruptible (bid) offers are left out: they are not what an hour costs."""
    snapshot = latest_snapshot()
    offers, fresh = snapshot.offers, snapshot.freshness
    out: dict[str, dict] = {}
    for o in offers:
        if o.interruptible or not o.gpu_count:
            continue
        per_gpu = o.usd_per_hour / o.gpu_count
        r = out.setdefault(o.provider, {"low": per_gpu, "high": per_gpu, "count": 0})
        r["low"], r["high"] = min(r["low"], per_gpu), max(r["high"], per_gpu)
        r["count"] += 1
    for slug, r in out.items():
        f = fresh.get(slug)
        r.update(source=f.source if f else None, as_of=f.as_of if f else None, stale=bool(f and f.stale),
                 state=f.state if f else "none")
    return out


def gpu_catalog() -> dict:
    gpus = [{
        "slug": g.slug, "name": g.name, "vendor": g.vendor, "memory_gb": g.memory_gb,
        "board_power_w": g.board_power_w, "bf16_tflops": g.bf16_tflops, "fp16_tflops": g.fp16_tflops,
        "peak_tflops": g.peak_tflops, "gpu_class": g.gpu_class, "aliases": list(g.aliases),
        "families": list(g.families), "source": g.source,
    } for g in GPUS]
    return {"gpus": gpus, "count": len(gpus)}


# --- Pros and cons wording ------------------------------------------------------------------------

def cloud_pros_cons(meta: dict, *, source: str, as_of: str | None, stale: bool, availability: str,
                    reported: bool, interruptible: bool, tier: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pros and cons of one cloud offer: the provider's guide, billing, availability, tier and
    how fresh its price is."""
    guide = GUIDES.get(meta["slug"])
    pros = list(guide.pros) if guide else []
    cons = list(guide.cons) if guide else []
    inc = meta["billing_increment_seconds"]
    billing = {1: "Billed per second", 60: "Billed per minute"}.get(inc)
    if billing and not _says_billing(pros, inc):
        pros.append(billing)
    if inc >= 3600:
        cons.append("Billed by the hour: a started hour is charged in full")
    if not reported:
        # The guide already describes the typical level ("Generally high availability"): no live claim.
        cons.append(f"Availability not reported by the provider: {availability} is its typical level, not live stock")
    elif availability == "high":
        pros.append("Instances readily available now")
    elif availability == "low":
        cons.append("Low availability: very few instances free right now")
    elif availability == "unavailable":
        cons.append("No instances available right now")
    if interruptible:
        pros.append("Interruptible (bid) price: cheaper than on-demand")
        cons.append("Interruptible: the instance can be stopped when outbid; save checkpoints often")
    if tier == "community":
        cons.append("Community cloud: runs on third-party hosts")
    elif tier == "secure":
        pros.append("Secure cloud: runs in vetted data centres")
    if source == "catalog":
        when = f" dated {as_of[:10]}" if as_of else ""
        cons.append(f"List price from the built-in catalog{when}, not a live quote")
    if stale:
        cons.append("Price may be out of date: the last price check failed or the price list is old")
    return _dedupe(pros), _dedupe(cons)


_BILLING_WORDS = {1: ("per second", "per-second"), 60: ("per minute", "per-minute")}


def _says_billing(lines: list[str], increment: int) -> bool:
    text = " ".join(lines).lower()
    return any(w in text for w in _BILLING_WORDS.get(increment, ()))


def _dedupe(lines: list[str]) -> tuple[str, ...]:
    """Drop lines that repeat another (case and punctuation aside)."""
    seen: set[str] = set()
    out = []
    for line in lines:
        key = "".join(ch for ch in line.lower() if ch.isalnum())
        if key and key not in seen:
            seen.add(key)
            out.append(line)
    return tuple(out)


def local_pros_cons(spec: GpuSpec, *, power_given: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pros and cons of running on your own GPU."""
    guide = GUIDES[LOCAL_SLUG]
    pros = [*guide.pros, f"{spec.memory_gb} GB GPU memory"]
    cons = list(guide.cons)
    if not power_given:
        cons.append(f"Power draw assumed at the {spec.board_power_w} W board power; give your GPU's power in watts "
                    "(local_power_watts) to refine")
    return tuple(pros), tuple(cons)
