"""The provider registry: slug -> adapter module. Adding a provider is one module and one line here.

Each adapter module defines:
    SLUG, NAME                      "runpod", "RunPod"
    SETUP_MINUTES = (min, max)      from the product document
    BILLING_INCREMENT_SECONDS       60 for per-minute billing, 1 for per-second
    SIGNUP_URL, DOCS_URL
    def fetch(client) -> FetchResult           live offers from the provider's API
    def catalog_offers() -> FetchResult        the dated built-in list prices (source "catalog")
"""

from __future__ import annotations

import os
from types import ModuleType

from django.conf import settings

from . import lambda_cloud, modal, replicate, runpod, together, vast

PROVIDERS: dict[str, ModuleType] = {
    "runpod": runpod,
    "lambda": lambda_cloud,
    "together": together,
    "vast": vast,
    "modal": modal,
    "replicate": replicate,
}


def provider_names() -> dict[str, str]:
    return {slug: mod.NAME for slug, mod in PROVIDERS.items()}


def uses_live_api(slug: str) -> bool:
    """Live when not offline and the team gave a key, or pointed the adapter at another server
    (a proxy or a test double) with ``*_API_URL``."""
    if settings.PRICING_OFFLINE:
        return False
    from .http import provider_key

    conf = settings.PROVIDER_SETTINGS.get(slug, {})
    url_env = conf.get("url_env")
    has_key = bool(provider_key(conf)[1]) if conf else False
    url = os.environ.get(url_env, "").strip().rstrip("/") if url_env else ""
    # The real base URL written out (as in .env.example) is not a test double: it needs a key.
    # Nor is the provider's old host (api.together.xyz), written out in an older .env.
    own_hosts = {h.lower() for h in conf.get("redirect_hosts", ())}
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    has_url = bool(url) and url != conf.get("default_url", "").rstrip("/") and host not in own_hosts
    return has_key or has_url
