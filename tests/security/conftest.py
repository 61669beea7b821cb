import pytest


@pytest.fixture
def offline_prices(db, settings):
    """The built-in dated price list, stored as polls, so the API has offers to answer with."""
    from pricing import services
    from pricing.providers.registry import PROVIDERS

    settings.PRICING_OFFLINE = True
    for slug in PROVIDERS:
        services.poll_provider(slug)
