"""Setup instructions, providers, GPUs, throttling, OpenAPI and the browsable API."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings

from pricing.gpus import GPUS
from selector.setup_guides import COST_TIPS, GUIDES


def test_setup_instructions_seed_example(db, api):
    r = api.get("/api/cloud/setup-instructions/runpod")
    assert r.status_code == 200
    data = r.json()
    assert data["estimated_time"] == "5-10 minutes"
    assert data["estimated_minutes"] == {"min": 5, "max": 10}
    assert data["steps"] == [
        "Create account at runpod.io", "Add payment method and credits", "Select GPU template (PyTorch recommended)",
        "Deploy pod and wait for initialization", "Connect via SSH or Jupyter notebook",
        "Upload your dataset and training script",
    ]
    assert data["signup_url"].startswith("https://") and data["docs_url"].startswith("https://")
    assert data["provider"] == "runpod" and data["name"] == "RunPod"


@pytest.mark.parametrize("slug, words, steps", [
    ("lambda", "Immediate (if available)", 6), ("together", "1-2 minutes", 5), ("vast", "2-10 minutes", 6),
    ("local", "Immediate (your own GPU)", 5), ("modal", "1-3 minutes", 5), ("replicate", "1-5 minutes", 5),
])
def test_setup_instructions_for_every_provider(db, api, slug, words, steps):
    data = api.get(f"/api/cloud/setup-instructions/{slug}/").json()
    assert data["estimated_time"] == words and len(data["steps"]) == steps


def test_unknown_provider_is_a_json_404(db, api):
    r = api.get("/api/cloud/setup-instructions/aws")
    assert r.status_code == 404
    assert "aws" in r.json()["detail"] and "runpod" in r.json()["detail"]


def test_cost_tips_are_data():
    assert [t["title"] for t in COST_TIPS][:2] == ["Choose the Right GPU", "Optimize Training Time"]
    assert "Implement early stopping" in COST_TIPS[1]["tips"]
    assert set(GUIDES) >= {"runpod", "lambda", "together", "vast", "local", "modal", "replicate"}


def test_providers_lists_freshness(seeded, api):
    data = api.get("/api/cloud/providers").json()
    by = {p["provider"]: p for p in data["providers"]}
    assert by["runpod"]["status"] == "ok" and by["runpod"]["source"] == "live" and by["runpod"]["stale"] is False
    assert by["together"]["source"] == "catalog"
    assert by["modal"]["status"] == "no data" and by["modal"]["stale"] is True
    assert {"name", "status", "source", "as_of", "stale", "last_error"} <= set(by["runpod"])


def test_gpus_lists_the_catalog(db, api):
    data = api.get("/api/cloud/gpus").json()
    assert data["count"] == len(GPUS)
    h100 = next(g for g in data["gpus"] if g["slug"] == "h100-sxm")
    assert h100["memory_gb"] == 80 and h100["bf16_tflops"] == 989.4 and "h100" in h100["families"]
    assert {"slug", "name", "memory_gb", "board_power_w", "bf16_tflops", "fp16_tflops", "aliases", "families",
            "source"} <= set(h100)


@pytest.mark.parametrize("method, url, body", [
    ("post", "/api/cloud/compare-costs", {"training_hours": 1}),
    ("post", "/api/cloud/instances", {}),
    ("get", "/api/cloud/setup-instructions/runpod", None),
    ("get", "/api/cloud/providers", None),
])
def test_it_throttles_each_client(db, api, method, url, body):
    rf = {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": {"anon": "3/min"}}
    with override_settings(REST_FRAMEWORK=rf):
        call = lambda **kw: getattr(api, method)(url, body, format="json", **kw)  # noqa: E731
        assert [call().status_code for _ in range(3)] == [200, 200, 200]
        r = call()
        assert r.status_code == 429
        assert int(r["Retry-After"]) > 0
        assert "throttled" in r.json()["detail"].lower()
        # another client has its own budget
        assert call(REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_default_rate_comes_from_the_setting(settings):
    from selector.api.base import PublicApiThrottle

    assert settings.API_THROTTLE_ANON == "120/min"
    assert PublicApiThrottle().get_rate() == "10000/min"  # settings_test


def test_openapi_schema_documents_the_endpoints(db, api):
    r = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    schema = r.json()
    paths = schema["paths"]
    compare = paths["/api/cloud/compare-costs"]["post"]
    assert set(compare["responses"]) >= {"200", "400", "413", "415", "429"}
    assert set(paths["/api/cloud/instances"]["post"]["responses"]) >= {"200", "400", "413", "415", "429"}
    assert "404" in paths["/api/cloud/setup-instructions/{provider}"]["get"]["responses"]
    comps = schema["components"]["schemas"]
    req = comps["CompareCostsInput"]["properties"]
    assert {"training_hours", "local_gpu_type", "local_electricity_cost", "local_power_watts", "min_memory_gb",
            "gpu_type", "gpu_count", "providers", "reference_gpu", "include_unavailable", "sort", "region",
            "continent", "allow_interruptible"} <= set(req)
    option = comps["Option"]["properties"]
    assert {"id", "total_cost", "setup_minutes", "setup_time", "availability", "pros", "cons", "as_of"} <= set(option)
    assert {"/api/cloud/providers", "/api/cloud/gpus"} <= set(paths)


def test_swagger_ui_uses_no_cdn(db, api):
    r = api.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/static/") or u.startswith("/api/") for u in urls), urls
    assert "cdn" not in html.lower()


@pytest.mark.parametrize("url", ["/api/cloud/providers", "/api/cloud/gpus", "/api/cloud/setup-instructions/vast"])
def test_get_endpoints_render_the_browsable_api(db, api, url):
    r = api.get(url, HTTP_ACCEPT="text/html")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("url", ["/api/cloud/compare-costs", "/api/cloud/instances"])
def test_post_endpoints_show_the_form(db, api, url):
    r = api.get(url, HTTP_ACCEPT="text/html")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<form" in html and "POST" in html and "_content" in html
    r = api.post(url, {"training_hours": 1}, format="json", HTTP_ACCEPT="text/html")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")


def test_the_browsable_form_is_prefilled_with_the_product_documents_example(db, api):
    """Issue #13: pressing POST on the form as shown answers 200, not 400 for nulls."""
    import html as html_lib
    import json as json_lib

    from tests.wizard.prices import seed_prices

    seed_prices()
    for url, example in (("/api/cloud/compare-costs", {"training_hours": 10.0, "local_gpu_type": "RTX 4090",
                                                       "local_electricity_cost": 2.5, "min_memory_gb": 24}),
                         ("/api/cloud/instances", {"gpu_type": "A100 80GB", "min_memory_gb": 40})):
        page = api.get(url, HTTP_ACCEPT="text/html").content.decode()
        body = re.search(r'<textarea[^>]*name="_content"[^>]*>(.*?)</textarea>', page, re.S).group(1)
        sent = json_lib.loads(html_lib.unescape(body))
        assert sent == example and "null" not in body
        assert api.post(url, sent, format="json").status_code == 200
