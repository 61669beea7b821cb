"""The whole wizard in a real browser (Debian's Chromium through Playwright's sync API) against
the live server: log in, configure, compare, sort, switch views, select, review, launch; then
history, preferences, the in-place price refresh, and the phone layout. Screenshots of each step go
to test-artifacts/screenshots/ (gitignored)."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.wizard.prices import seed_prices

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("alice", password="alice-pass-1234")


def log_in(page, base: str, next_url: str = "/wizard/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-pass-1234")
    page.get_by_role("button", name="Log in").click()


def test_the_whole_wizard(live_server, page_factory, user, settings):
    settings.SELECTOR_REFRESH_SECONDS = 600  # no refresh while this test clicks
    seed_prices()
    base = live_server.url
    page = page_factory(viewport={"width": 1280, "height": 900})

    page.goto(f"{base}/")
    shot(page, "00-home")
    log_in(page, base)
    page.wait_for_url(re.compile(r"/wizard/configure/$"))

    # Step 1: the estimate follows the form (htmx, no reload).
    page.evaluate("window.__noReload = true")
    page.get_by_label("GPU count").fill("2")
    page.get_by_label("GPU count").dispatch_event("change")
    page.wait_for_selector("#estimate >> text=with 2 GPUs of each type")
    page.get_by_label("GPU count").fill("1")
    page.get_by_label("GPU count").dispatch_event("change")
    page.wait_for_selector("#estimate >> text=with 1 GPU of each type")
    page.get_by_label("Your local GPU").select_option("RTX 4090")
    page.get_by_label("Electricity price (USD per kWh)").fill("0.30")
    assert page.evaluate("window.__noReload") is True
    shot(page, "01-configure")
    page.get_by_role("button", name="Next: choose a provider").click()

    # Step 2: sort by a column, switch views, select.
    page.wait_for_url(re.compile(r"/wizard/providers/"))
    page.wait_for_selector("#results table.results")
    shot(page, "02-providers-table")
    page.locator("th a", has_text="Total cost").click()
    page.wait_for_selector('th[aria-sort="ascending"] >> text=Total cost')
    assert "order=total" in page.url  # the sort is in the URL (hx-push-url), so back/forward keep it
    page.locator("th a", has_text="Total cost").click()
    page.wait_for_selector('th[aria-sort="descending"] >> text=Total cost')
    page.locator(".toolbar a", has_text="Cards").click()
    page.wait_for_selector("#results.view-cards")
    assert page.locator(".view-cards-only").is_visible() and not page.locator(".view-table-only").is_visible()
    page.locator(".option-card details summary").first.click()
    shot(page, "03-providers-cards")
    page.locator(".toolbar a", has_text="Table").click()
    page.wait_for_selector("#results.view-table")
    page.get_by_role("button", name=re.compile(r"^Select Lambda 1× A100 80GB SXM in us-east-1")).first.click()

    # Step 3: review.
    page.wait_for_url(re.compile(r"/wizard/review/"))
    body = page.content()
    assert "than the recommended option" in body and "Select instance type" in body
    shot(page, "04-review")
    page.get_by_role("button", name="Record the job and launch").click()

    # Step 4: launch.
    page.wait_for_url(re.compile(r"/wizard/launch/"))
    assert "Ready to launch" in page.content() and "SSH into instance" in page.content()
    shot(page, "05-launch")

    # History and preferences.
    page.get_by_role("link", name="See your history").click()
    page.wait_for_url(re.compile(r"/history/"))
    assert page.locator("text=Lambda 1× A100 80GB SXM").count() >= 1
    assert "$1.29/h" in page.content()
    shot(page, "06-history")
    page.goto(f"{base}/preferences/")
    page.get_by_label("View mode").select_option("cards")
    page.get_by_label("Sort by").select_option("availability")
    page.get_by_label("RunPod").check()
    page.get_by_role("button", name="Save preferences").click()
    page.wait_for_selector("text=Preferences saved")
    shot(page, "07-preferences")
    page.goto(f"{base}/compare/")
    assert page.locator('#results input[name="view"]').get_attribute("value") == "cards"
    assert page.csp_errors == [], page.csp_errors


def test_prices_refresh_in_place(live_server, page_factory, settings):
    settings.SELECTOR_REFRESH_SECONDS = 1
    seed_prices()
    page = page_factory(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/compare/?providers=lambda&sort=cost&view=table&order=-rate")
    page.wait_for_selector("#results >> text=$1.29/h")
    page.evaluate("window.__noReload = true")
    seed_prices(providers=("lambda",), price_factor=Decimal(2))
    page.wait_for_selector("#results >> text=$2.58/h", timeout=15_000)
    assert page.evaluate("window.__noReload") is True  # no page load happened
    # sort, filters and view survived the refresh
    assert page.locator('th[aria-sort="descending"]').count() == 1
    assert page.locator("#results.view-table").count() == 1
    assert "RunPod" not in page.locator("#results tbody").inner_text()
    shot(page, "08-refreshed")


def test_phone_width_shows_cards(live_server, page_factory, settings):
    settings.SELECTOR_REFRESH_SECONDS = 600
    seed_prices()
    page = page_factory(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    sizes = []
    page.on("response", lambda r: sizes.append((r.url, len(r.body()) if r.ok else 0)))
    page.goto(f"{live_server.url}/compare/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".view-cards-only").is_visible()
    assert not page.locator(".view-table-only").is_visible()
    # nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "09-phone-full")
    page.locator(".summary").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "10-phone-summary.png"))
    page.locator(".option-card").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "11-phone-cards.png"))
    total = sum(n for _, n in sizes)
    assert len(sizes) <= 5 and total < 150_000, sizes


def test_keyboard_reaches_the_skip_link_first(live_server, page_factory):
    page = page_factory()
    page.goto(f"{live_server.url}/compare/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
