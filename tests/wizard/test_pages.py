"""Public pages: home, the standalone selector, setup guides, tips, API examples."""

import pytest

from .prices import fail_provider, seed_prices

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/tips/", "/api-examples/", "/providers/runpod/setup/", "/providers/local/setup/"])
def test_it_serves_public_pages_without_login(client, url):
    r = client.get(url)
    assert r.status_code == 200
    assert b'hx-headers=\'{"x-csrftoken"' in r.content


def test_home_links_every_page(client):
    body = client.get("/").content.decode()
    for href in ("/compare/", "/wizard/", "/tips/", "/api-examples/", "/providers/runpod/setup/",
                 "/providers/lambda/setup/", "/providers/together/setup/"):
        assert f'href="{href}"' in body


def test_setup_page_shows_the_product_documents_steps(client):
    body = client.get("/providers/runpod/setup/").content.decode()
    assert "Select GPU template (PyTorch recommended)" in body
    assert "5-10 minutes" in body


def test_unknown_provider_setup_is_404(client):
    assert client.get("/providers/nope/setup/").status_code == 404


def test_tips_page_lists_cost_tips(client):
    body = client.get("/tips/").content.decode()
    assert "Choose the Right GPU" in body and "Implement early stopping" in body


def test_api_examples_has_the_three_fetches(client):
    body = client.get("/api-examples/").content.decode()
    for url in ("/api/cloud/compare-costs", "/api/cloud/instances", "/api/cloud/setup-instructions/runpod"):
        assert url in body


def test_pages_have_no_inline_script_and_no_cdn(client, prices):
    body = client.get("/compare/").content.decode()
    import re

    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag, tag
    # Every script, stylesheet, image and link points at this site: no CDN host anywhere. (Not a bare
    # "cdn" substring: the page's random CSRF token can contain those three letters.)
    for url in re.findall(r'\ssrc="([^"]*)"', body):
        assert not re.match(r"(?:https?:)?//", url), url  # scripts and images come from this site
    for url in re.findall(r'\shref="([^"]*)"', body):
        assert not (re.match(r"(?:https?:)?//", url) and "cdn" in url.lower()), url
    assert "unpkg" not in body.lower() and "jsdelivr" not in body.lower() and "cdnjs" not in body.lower()
    assert 'style="' not in body


def test_compare_shows_summary_cards_and_every_option(client, prices):
    body = client.get("/compare/").content.decode()
    for title in ("Cheapest", "Quickest to start", "Recommended", "Savings vs local"):
        assert title in body
    assert "Lambda" in body and "Together AI" in body and "RunPod" in body
    assert 'class="view-table-only"' in body and 'class="view-cards-only"' in body


def test_compare_availability_marks_carry_a_word_and_a_shape(client, prices):
    body = client.get("/compare/?include_unavailable=on&sort=cost&view=table").content.decode()
    for level, emoji, word in (("high", "🟢", "High"), ("medium", "🟡", "Medium"), ("low", "🟠", "Low"),
                               ("unavailable", "🔴", "Unavailable")):
        assert f'<span class="avail avail-{level}"' in body  # colour and shape (CSS)
        assert f'<span class="visually-hidden">{emoji} </span>{word}' in body  # the word, and the emoji


def test_compare_refreshes_with_the_configured_interval(client, prices, settings):
    settings.SELECTOR_REFRESH_SECONDS = 7
    body = client.get("/compare/").content.decode()
    assert 'hx-trigger="every 7s"' in body and 'hx-include="#selector-filters"' in body


def test_htmx_request_gets_only_the_results_fragment(client, prices):
    r = client.get("/compare/?sort=speed&view=cards", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body
    assert 'name="sort" value="speed"' in body and 'name="view" value="cards"' in body


def test_column_headers_are_real_links_that_sort_server_side(client, prices):
    body = client.get("/compare/?order=-total&view=table").content.decode()
    assert 'aria-sort="descending"' in body
    first_rows = body[body.index("<tbody>"):]
    # the dearest offer (Together H100, $3.36/h) comes before the cheapest (Vast 3090) when descending
    assert first_rows.index("Together AI") < first_rows.index("Vast.ai")
    assert 'href="/compare/?' in body and 'hx-get="/compare/?' in body


def test_regions_of_one_offer_fold_under_its_cheapest_row(client, prices):
    body = client.get("/compare/?view=table").content.decode()
    assert "+1 more region" in body
    assert "US-KS-2: $" in body


def test_filters_narrow_the_options(client, prices):
    body = client.get("/compare/?providers=lambda&sort=cost").content.decode()
    table = body[body.index("<tbody>"):body.index("</tbody>")]
    assert "Lambda" in table and "RunPod" not in table


def test_no_option_with_enough_memory_says_adjust_memory(client, prices):
    body = client.get("/compare/?min_memory_gb=500").content.decode()
    assert "No providers available" in body
    assert "Adjust minimum memory requirements" in body and "Try different GPU types" in body


def test_no_prices_at_all_says_check_backend(client):
    fail_provider("runpod")
    body = client.get("/compare/").content.decode()
    assert "No providers available" in body
    assert "Check if backend services are running" in body and "Verify API connectivity" in body
    assert "answered 503" in body


def test_filters_excluding_everything_name_the_filter(client, prices):
    body = client.get("/compare/?continent=Asia").content.decode()
    assert "No providers available" in body
    assert "Your filters excluded every option: continent" in body


def test_failing_provider_is_named_with_its_last_error(client, prices):
    fail_provider("lambda", "lambda: the provider refused our credentials (HTTP 401); check LAMBDA_API_KEY")
    body = client.get("/compare/").content.decode()
    assert '<li class="fresh-failed"' in body and "<strong>Lambda</strong> <span class=\"state\">failed</span>" in body
    assert "credentials refused" in body  # the cause in our words; the admin has the detail


def test_freshness_says_live_or_catalog_and_age(client, db):
    seed_prices(source="catalog")
    body = client.get("/compare/").content.decode()
    assert "built-in price list" in body and '<span class="state">list price</span>' in body


def test_invalid_filter_value_is_reported_not_500(client, prices):
    r = client.get("/compare/?min_memory_gb=-4&training_hours=abc")
    assert r.status_code == 200


def test_anonymous_cannot_save_a_comparison(client, prices):
    r = client.post("/compare/save/", {"training_hours": "5"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_saving_a_comparison_keeps_it_in_history(owner_client, owner, prices):
    r = owner_client.post("/compare/save/", {"training_hours": "5", "sort": "cost"})
    assert r.status_code == 302
    from wizard.models import Comparison

    item = Comparison.objects.get(user=owner)
    assert item.kind == "comparison" and item.recommended and item.option_count > 0


def test_an_old_price_list_shows_its_date_age_and_is_stale(client, db, settings):
    import datetime as dt

    from django.utils import timezone

    from tests.pricing.test_catalog_freshness import _catalog_poll

    settings.CATALOG_STALE_DAYS = 30
    _catalog_poll("lambda", timezone.now().date() - dt.timedelta(days=72))
    body = client.get("/compare/?providers=lambda&view=table").content.decode()
    assert '<li class="fresh-stale"' in body and "<span class=\"state\">stale</span>" in body
    assert "built-in price list of " in body and "2 months old" in body
    assert body.count("list price, not live") >= 2  # the row and the card of the one option
    assert "Last updated" in body


def test_phone_filter_panel_and_nav_toggle_are_in_the_page(client, prices):
    body = client.get("/compare/?training_hours=12").content.decode()
    assert 'class="nav-toggle"' in body and 'aria-controls="main-nav"' in body
    assert 'data-applied="true"' in body and "12 h" in body
    assert 'data-applied="false"' in client.get("/compare/").content.decode()


@pytest.mark.parametrize("hours", ["137001", "100000", "10000.5", "1e308"])
def test_hours_beyond_the_apis_range_are_an_error_on_the_page_not_a_500(client, prices, hours):
    """Found by bench/memory_distinct.py: the form allowed up to 100,000 h, the API 10,000 h."""
    r = client.get("/compare/", {"training_hours": hours, "min_memory_gb": "24"})
    assert r.status_code == 200
