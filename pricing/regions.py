"""Regions and continents. Providers name regions their own way: Lambda "us-east-1", RunPod data
centres "US-KS-2" / "EU-RO-1", Vast country codes "US" / "SE" (from "Texas, US"). ``continent_of``
folds them onto the filters users ask for: US, EU, Asia (and Other)."""

from __future__ import annotations

CONTINENTS = ("US", "EU", "Asia", "Other")

_EU = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
    "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB", "UK", "NO", "CH", "IS", "UA", "RS",
}
_ASIA = {
    "JP", "KR", "CN", "HK", "TW", "SG", "IN", "MY", "TH", "VN", "ID", "PH", "IL", "AE", "SA", "QA", "TR",
    "KZ", "BD", "PK",
}
_US = {"US"}
# North America is folded into "US" for the filter only when it is the US itself; Canada and Mexico
# are "Other" so a US filter means US.
_PREFIXES = {
    "us": "US", "eu": "EU", "europe": "EU", "asia": "Asia", "ap": "Asia", "me": "Asia", "jp": "Asia",
    "in": "Asia", "kr": "Asia", "sg": "Asia",
}


def continent_of(region: str | None) -> str | None:
    """"US", "EU", "Asia" or "Other" for a provider region; None when the region is unknown/empty."""
    if not region:
        return None
    r = region.strip()
    if not r:
        return None
    code = r.split(",")[-1].strip().upper() if "," in r else r.upper()
    if len(code) == 2 and code.isalpha():
        if code in _US:
            return "US"
        if code in _EU:
            return "EU"
        if code in _ASIA:
            return "Asia"
        return "Other"
    head = r.replace("_", "-").split("-")[0].lower()
    if head in _PREFIXES:
        return _PREFIXES[head]
    if head in {"ca", "sa", "af", "au", "australia", "mx", "br", "oc"}:
        return "Other"
    return "Other"


def normalize_continent(value: str) -> str | None:
    """Accept "us", "Europe", "ASIA"... for the filter; None if not one of CONTINENTS."""
    v = (value or "").strip().lower()
    aliases = {"us": "US", "usa": "US", "united states": "US", "north america": "US", "na": "US",
               "eu": "EU", "europe": "EU", "asia": "Asia", "apac": "Asia", "other": "Other"}
    return aliases.get(v)
