"""The selector page lists at most SELECTOR_MAX_ROWS options and says how many there are."""

import pytest
from django.test import Client

from tests.selector.conftest import offer, seed_provider

pytestmark = pytest.mark.django_db


def test_it_lists_the_first_rows_and_says_how_many_there_are(settings):
    settings.SELECTOR_MAX_ROWS = 5
    seed_provider("vast", [offer("vast", f"m{i}", "rtx-4090", f"0.{30 + i}", region=f"R{i}") for i in range(12)])
    html = Client().get("/compare/?training_hours=10&view=table").content.decode()
    assert "12 options (showing the first 5" in html
    assert html.count('class="option-card') <= 5


def test_pages_are_gzipped_for_clients_that_accept_it():
    seed_provider("vast", [offer("vast", "m1", "rtx-4090", "0.30")])
    resp = Client().get("/compare/?training_hours=10", HTTP_ACCEPT_ENCODING="gzip")
    assert resp.status_code == 200
    assert resp.headers.get("Content-Encoding") == "gzip"


def test_api_answers_are_not_compressed():
    resp = Client().get("/api/cloud/providers", HTTP_ACCEPT_ENCODING="gzip")
    assert resp.status_code == 200
    assert "Content-Encoding" not in resp.headers
