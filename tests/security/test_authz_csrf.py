"""Cross-cutting authorization and CSRF (reliability.md S3/S4).

Every URL of the project is discovered from the URLconf, so a new per-user page or form is
covered without editing this file (a per-user URL with an unknown object kind fails loudly).

- Owner / other user / anonymous on every URL that takes an object id: the owner gets it, the
  other user gets 404 (never 403: no hint that the id exists), anonymous gets a login redirect;
  a write by the other user changes nothing.
- Per-user lists (history, jobs, alerts, notifications, preferences) never show another user's rows.
- CSRF: a logged-in POST without a token to every non-API URL is refused (403), or the URL does
  not accept POST at all (405).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

MARK = "zq-owned-by-alice-7c1"


def _walk(patterns, prefix="", ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            sub_ns = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _walk(p.url_patterns, prefix + str(p.pattern), sub_ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{ns}{p.name}" if p.name else "", p


def all_urls():
    return list(_walk(get_resolver().url_patterns))


def object_urls():
    return [(route, name) for route, name, p in all_urls() if "<int:pk>" in route and not route.startswith("admin/")]


# URL name -> the kind of object its pk names. New per-user URLs must be added here.
KIND_BY_NAME = {
    "history_item": "comparison", "history_item_delete": "comparison", "history_item_again": "comparison",
    "job_again": "job",
    "job_detail": "job", "job_cancel": "job", "job_delete": "job", "job_throughput": "job",
    "pricing:alert_edit": "alert", "pricing:alert_pause": "alert", "pricing:alert_delete": "alert",
    "teams:detail": "team", "teams:switch": "team", "teams:member_remove": "team",
    "launch:account_delete": "account", "launch:job": "launch", "launch:terminate": "launch",
    "launch:throughput": "launch", "launch:calibrate": "launch", "launch:start": "job", "launch:stray_action": "stray",
}
# Other ids in a route: filled from the objects (a membership of alice's team).
EXTRA_IDS = {"<int:membership_id>": "membership"}


def _objects(user):
    from alerts.models import Notification, PriceAlert
    from pricing.models import GpuModel
    from pricing.services import gpu_catalog_sync
    from wizard.models import Comparison, TrainingJob, UserPreferences

    gpu_catalog_sync()
    comparison = Comparison.objects.create(user=user, kind="comparison", name=MARK, notes=MARK,
                                           inputs={"training_hours": 10})
    job = TrainingJob.objects.create(user=user, selection=comparison, name=MARK, notes=MARK, provider="runpod",
                                     usd_per_hour=Decimal("2.5"), total_cost_usd=Decimal("25"),
                                     training_hours=Decimal("10"))
    alert = PriceAlert.objects.create(user=user, gpu=GpuModel.objects.get(slug="h100-sxm"),
                                      threshold_usd=Decimal("1.2345"))
    Notification.objects.create(user=user, alert=alert, title=MARK, body=MARK, created_at=timezone.now())
    UserPreferences.objects.update_or_create(user=user, defaults={"local_gpu_type": "RTX 4090",
                                                                  "min_memory_gb": 77})
    from teams import services as team_services

    team = team_services.team_create(owner=user, name=MARK)
    User.objects.create_user("carol", password="carol-password-1")
    membership = team_services.member_invite(team=team, by=user, username="carol")
    from launch import crypto
    from launch.models import Launch, ProviderAccount, StrayInstance

    personal = team_services.personal_team(user)
    account = ProviderAccount.objects.create(team=personal, provider="runpod", api_key_encrypted=crypto.encrypt("k" * 20),
                                             key_last4="kkkk", checked_at=timezone.now())
    launched_job = TrainingJob.objects.create(user=user, team=personal, name=MARK, provider="runpod",
                                              usd_per_hour=Decimal("2.5"), total_cost_usd=Decimal("25"),
                                              training_hours=Decimal("10"))
    launch = Launch.objects.create(job=launched_job, team=personal, idempotency_key=MARK, provider="runpod",
                                   provider_sku="x", usd_per_hour=Decimal("2.5"), training_hours=Decimal("10"),
                                   estimate_usd=Decimal("25"), budget_usd=Decimal("30"), status="finished")
    stray = StrayInstance.objects.create(account=account, instance_id="pod-1", name="cps-1-1", seen_at=timezone.now())
    return {"comparison": comparison, "job": job, "alert": alert, "team": team, "membership": membership,
            "account": account, "launch": launch, "stray": stray}


@pytest.fixture
def world(db):
    alice = User.objects.create_user("alice", password="alice-password-1")
    bob = User.objects.create_user("bob", password="bob-password-1")
    objs = _objects(alice)

    def login(user):
        c = Client()
        c.force_login(user)
        return c

    return {"alice": login(alice), "bob": login(bob), "anonymous": Client(), "objs": objs}


def _path(route: str, pk: int, objs: dict | None = None) -> str:
    for placeholder, kind in EXTRA_IDS.items():
        if objs and placeholder in route:
            route = route.replace(placeholder, str(objs[kind].pk))
    return "/" + route.replace("<int:pk>", str(pk)).lstrip("^").rstrip("$")


def _snapshot(obj):
    model = type(obj)
    row = model.objects.filter(pk=obj.pk).values().first()
    return row and {k: v for k, v in row.items() if k not in ("updated_at", "last_evaluated_at")}


def test_every_per_user_url_has_a_known_object_kind():
    unknown = [name for _, name in object_urls() if name not in KIND_BY_NAME]
    assert not unknown, f"add these per-user URLs to KIND_BY_NAME so the matrix covers them: {unknown}"
    assert object_urls(), "no per-user URLs found"


@pytest.mark.django_db
@pytest.mark.parametrize("route,name", object_urls())
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_owner_reaches_an_object(route, name, method, world):
    obj = world["objs"][KIND_BY_NAME[name]]
    path = _path(route, obj.pk, world["objs"])
    before = _snapshot(obj)

    bob = getattr(world["bob"], method)(path)
    assert bob.status_code in (404, 405), (path, method, bob.status_code)
    assert _snapshot(obj) == before, "another user's request changed the object"

    anon = getattr(world["anonymous"], method)(path)
    assert anon.status_code in (302, 404, 405), (path, method, anon.status_code)
    if anon.status_code == 302:
        assert "/accounts/login/" in anon["Location"]
    assert _snapshot(obj) == before, "an anonymous request changed the object"

    owner = getattr(world["alice"], method)(path)
    assert owner.status_code in (200, 302, 405), (path, method, owner.status_code)
    if bob.status_code == 405:  # a POST-only URL: 405 for everyone, so the status tells nothing
        assert owner.status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("route,name", object_urls())
def test_ids_that_do_not_exist_are_404(route, name, world):
    for pk in (0, 999999, 2**63 - 1):
        resp = world["alice"].get(_path(route, pk))
        assert resp.status_code in (404, 405), (route, pk, resp.status_code)
    huge = "/" + route.replace("<int:pk>", "9" * 30)
    assert world["alice"].get(huge).status_code in (404, 405)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/history/", "/preferences/", "/prices/alerts/", "/prices/notifications/",
                                  "/wizard/providers/"])
def test_lists_never_show_another_users_rows(path, world):
    bob = world["bob"].get(path, follow=True)
    assert bob.status_code == 200, (path, bob.status_code)
    assert MARK.encode() not in bob.content
    assert b'value="77"' not in bob.content  # alice's preferences
    anon = world["anonymous"].get(path)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"], (path, anon.status_code)


def _csrf_targets():
    out = []
    for route, name, _ in all_urls():
        if route.startswith(("api/", "admin/")) or route in ("healthz",):
            continue  # the JSON API has no session auth (CSRF-free by design); admin: Django's own
        out.append((route, name))
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("route,name", _csrf_targets())
def test_every_state_changing_form_needs_a_csrf_token(route, name, world):
    from django.contrib.auth.models import User as U

    alice = U.objects.get(username="alice")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    kind = KIND_BY_NAME.get(name)
    pk = world["objs"][kind].pk if kind else 1
    path = "/" + route.replace("<int:pk>", str(pk)).replace("<slug:slug>", "runpod").replace(
        "<slug:gpu_slug>", "h100-sxm")
    path = path.replace("^", "").replace("$", "")
    if "<" in path:
        pytest.skip(f"unfilled URL parameter in {route}")
    snapshot = {k: _snapshot(o) for k, o in world["objs"].items()}
    resp = client.post(path, {"name": "forged", "threshold_usd": "0.01", "local_gpu_type": "A40"})
    assert resp.status_code in (403, 405), (path, resp.status_code)
    assert {k: _snapshot(o) for k, o in world["objs"].items()} == snapshot
    # The same POST from another site, with a stale/forged token, is refused too.
    forged = client.post(path, {"csrfmiddlewaretoken": "x" * 64}, HTTP_ORIGIN="https://evil.example",
                         HTTP_X_CSRFTOKEN="y" * 64)
    assert forged.status_code in (403, 405), (path, forged.status_code)
