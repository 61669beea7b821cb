"""Launch -> running -> terminate in Chromium against fake RunPod (a local server in RunPod's
shapes): connect the team's account, launch a recorded job from its page with a confirmed budget,
watch the job page refresh itself (htmx) to running with spend, terminate, see actual vs estimate."""

from __future__ import annotations

import os
import re
import threading

import pytest
from django.contrib.auth import get_user_model

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fakes(monkeypatch):
    from tests.launch.fake_providers import FakeProviders

    fake = FakeProviders().start()
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    yield fake
    fake.stop()


def test_launch_run_terminate_in_the_browser(live_server, page_factory, fakes, monkeypatch):
    from launch import services
    from launch.models import Launch
    from pricing.services import poll_provider
    from teams.services import personal_team
    from tests.launch.conftest import PAYLOAD
    from tests.launch.fake_providers import KEYS
    from wizard import selectors as wizard_selectors
    from wizard import services as wizard_services
    from wizard.models import Comparison

    # The worker: run the queued launch in a thread, as Celery would.
    monkeypatch.setattr(services, "enqueue", lambda name, pk: threading.Thread(
        target=services.launch_execute, kwargs={"job_id": pk}).start())
    user = get_user_model().objects.create_user("alice", password="alice-pass-1234")
    poll_provider("runpod")
    result = wizard_selectors.run_comparison(PAYLOAD).result
    option = next(o for o in result["options"] if o["provider"] == "runpod")
    sel = Comparison.objects.create(user=user, kind="selection", inputs=PAYLOAD, chosen=option)
    job = wizard_services.job_create(user=user, team=personal_team(user), configuration={"training_hours": 10},
                                     chosen=option, recommended=None, estimate=None, selection_id=sel.pk)

    base = live_server.url
    page = page_factory(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/accounts/login/?next=/launch/accounts/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-pass-1234")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/launch/accounts/$"))
    page.get_by_label("Provider").select_option("runpod")
    page.get_by_label("API key").fill(KEYS["runpod"])
    page.get_by_role("button", name="Check and save").click()
    page.wait_for_selector("text=RunPod connected")
    assert KEYS["runpod"] not in page.content()

    page.goto(f"{base}/jobs/{job.pk}/")
    page.locator("#launch-on-provider").click()
    page.wait_for_selector("#launch-price")
    assert "$2.99" in page.locator("#launch-price").inner_text()
    page.locator("#confirm-launch").click()  # without the confirm box: the browser refuses (required)
    assert not Launch.objects.exists()
    page.get_by_label("I confirm this launch and its budget").check()
    page.locator("#confirm-launch").click()
    page.wait_for_url(re.compile(rf"/launch/jobs/{job.pk}/$"))
    page.wait_for_selector('#job-status[data-status="provisioning"]', timeout=15_000)
    services.launch_track(job_id=job.pk)  # the tracker's passes (PROVISIONING, then RUNNING)
    services.launch_track(job_id=job.pk)
    page.wait_for_selector('#job-status[data-status="running"]', timeout=15_000)  # htmx refreshed it
    assert "ssh.runpod.io" in page.locator("#conn-ssh").inner_text()
    page.locator("#terminate").click()
    page.wait_for_selector('#job-status[data-status="terminated"]')
    assert "vs" in page.locator("#actual-vs-estimate").inner_text()
    assert not fakes.running() and len(fakes.launches()) == 1
    assert page.csp_errors == []
    assert KEYS["runpod"] not in page.content()
