import logging

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


@pytest.fixture(autouse=True)
def _root_logging_restored():
    """A test that reconfigures logging (a Celery worker started in-process hijacks the root logger
    with a handler on the test's captured stderr) leaves it as it found it: otherwise later tests'
    log records go to a closed capture stream ("--- Logging error --- I/O operation on closed file")."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


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
