import datetime as dt
import re

import pytest
from django.utils import timezone

from .helpers import offer, poll

pytestmark = pytest.mark.django_db


def _polls():
    now = timezone.now()
    for i, price in enumerate(["2.40", "2.10", "2.55"]):
        poll("runpod", [offer("runpod", "h100-sxm", price, availability="medium")], at=now - dt.timedelta(hours=3 - i))
    poll("lambda", [offer("lambda", "h100-sxm", "2.99", region="us-east-1", availability="unknown")],
         at=now - dt.timedelta(hours=1))


def test_the_gpu_page_draws_one_series_per_provider_and_the_table(client):
    _polls()
    r = client.get("/prices/h100-sxm/")
    assert r.status_code == 200
    html = r.content.decode()
    svg = html[html.index("<svg xmlns"):html.index("</svg>")]
    assert 'role="img"' in svg
    # Two providers, each a lowest and a median line with a title naming it.
    assert len(re.findall(r"<path d=\"M[^\"]+\" fill=\"none\"[^>]*><title>", svg)) == 4
    assert "RunPod lowest" in svg and "Lambda median" in svg
    # Distinct dash patterns: the second provider's lines are dashed, the first's solid.
    assert 'stroke-dasharray="9 4"' in svg
    assert "<details>" in html and "$2.1000" in html and "$2.5500" in html and "$2.9900" in html
    assert "Availability at each poll" in svg and "medium" in svg


def test_range_links_have_real_hrefs_and_htmx_gets_only_the_chart(client):
    _polls()
    html = client.get("/prices/h100-sxm/?range=7d").content.decode()
    for r in ("24h", "7d", "30d", "90d"):
        assert f'href="?range={r}"' in html and f'hx-get="?range={r}"' in html
    part = client.get("/prices/h100-sxm/?range=24h", HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<section id="chart"') and "<html" not in part
    assert "Last 24h" in part


def test_an_unknown_gpu_page_is_404(client):
    assert client.get("/prices/h1000/").status_code == 404


def test_the_index_lists_gpus_with_the_current_lowest_price(client):
    _polls()
    html = client.get("/prices/").content.decode()
    assert "$2.5500" in html  # the latest RunPod poll, not an older one
    assert 'href="/prices/h100-sxm/"' in html


def test_an_empty_range_says_so(client):
    html = client.get("/prices/b200/").content.decode()
    assert "No prices recorded in this range yet." in html


def test_the_y_axis_covers_every_price():
    from pricing.charts import _nice_ticks

    for lo, hi in [(2.61, 5.65), (0.2, 0.31), (1.0, 1.0), (3.99, 4.01), (0.0004, 0.0009)]:
        ticks = _nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi, (lo, hi, ticks)
