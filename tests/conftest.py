import pytest

from pricing.providers import http as provider_http


@pytest.fixture(autouse=True)
def _no_retry_sleep(monkeypatch):
    """Provider retries never really sleep in tests."""
    monkeypatch.setattr(provider_http, "sleep", lambda s: None)


@pytest.fixture(autouse=True)
def _clean_provider_env(monkeypatch):
    """Tests decide themselves which provider keys/URLs exist."""
    for var in ("RUNPOD", "LAMBDA", "TOGETHER", "VAST", "REPLICATE"):
        monkeypatch.delenv(f"{var}_API_KEY", raising=False)
        monkeypatch.delenv(f"{var}_API_URL", raising=False)
    monkeypatch.delenv("PRICING_OFFLINE", raising=False)
