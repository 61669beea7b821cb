"""Setup pages show the price range of the prices served now, dated, not the document's quote (issue #13)."""

import pytest

pytestmark = pytest.mark.django_db


def test_setup_page_shows_the_current_range_with_its_date(client, prices):
    body = client.get("/providers/runpod/setup/").content.decode()
    assert "$0.69–$2.99 per GPU-hour" in body  # the seeded RunPod offers, not "$0.44 - $4.25/hr"
    assert "$0.44 - $4.25" not in body and "Per-minute billing" in body
    assert "live prices of " in body


def test_home_lists_each_providers_current_range(client, prices):
    body = client.get("/").content.decode()
    assert "$1.29–$2.49 per GPU-hour" in body  # Lambda's seeded offers
    assert "$0.22" not in body  # Vast's only offer is interruptible: not an hourly price


def test_a_provider_without_prices_says_so(client, db):
    assert "No prices yet" in client.get("/providers/modal/setup/").content.decode()
