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


def _on_postgres() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    """Tests marked needs_postgres run a second process against the test database, which needs a
    server database: SQLite's test database lives in the test process. CI runs on Postgres."""
    if _on_postgres():
        return
    skip = pytest.mark.skip(reason="runs a second process against the test database: needs Postgres (DATABASE_URL)")
    for item in items:
        if item.get_closest_marker("needs_postgres"):
            item.add_marker(skip)
