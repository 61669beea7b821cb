"""Launch -> provisioning -> running -> terminate against fake RunPod, Lambda and Vast.ai servers
(real shapes), failover on each provider's capacity error, refusals that stop at once, budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from launch import services
from launch.models import Launch, LaunchAttempt, StrayInstance, TeamNotice

from .conftest import quote_for, submit
from .fake_providers import KEYS

pytestmark = pytest.mark.django_db


def test_it_launches_runs_and_terminates_on_runpod(team, owner, connect, polled, fakes):
    connect("runpod")
    launch = submit(team, owner, "runpod")
    assert launch.status == "launching" and not fakes.launches()
    launch = services.launch_execute(job_id=launch.pk)
    assert launch.status == "provisioning" and launch.instance_id
    sent = fakes.launches("runpod")[0]
    assert sent["auth"] == f"Bearer {KEYS['runpod']}"
    assert sent["body"]["gpu"] == {"id": "NVIDIA H100 80GB HBM3", "count": 1}
    assert sent["body"]["cloud"] == "SECURE" and sent["body"]["dataCenterIds"] == ["US-KS-2"]
    assert sent["body"]["name"] == f"cps-{launch.pk}-1"
    t0 = timezone.now()
    services.launch_track(job_id=launch.pk, now=t0)  # PROVISIONING read
    launch = services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=1))
    assert launch.status == "running"
    assert "ssh.runpod.io" in launch.connection["ssh"]
    later = services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=31))
    assert later.spend_usd > launch.spend_usd > 0  # spend ticks
    done = services.launch_terminate(launch=later, reason="terminated by the user", by=owner)
    assert done.status == "terminated" and done.ended_at
    assert not fakes.running("runpod")
    assert done.spend_usd > 0 and done.estimate_usd > 0


def test_capacity_error_on_first_choice_launches_the_second(team, owner, connect, polled, fakes):
    connect("runpod", "lambda", "vast")
    fakes.fail_launch["vast"] = ["capacity"]  # vast is the cheapest H100 in the fake
    launch = submit(team, owner, "vast")
    launch = services.launch_execute(job_id=launch.pk)
    assert launch.status == "provisioning"
    attempts = list(launch.attempts.values_list("provider", "outcome"))
    assert attempts[0] == ("vast", "capacity") and attempts[1][1] == "succeeded"
    assert launch.provider == attempts[1][0] != "vast"
    assert "no capacity" in launch.events.get(kind="attempt_capacity").message
    assert not fakes.running("vast")


@pytest.mark.parametrize("provider,kind", [("runpod", "capacity"), ("lambda", "capacity"), ("vast", "capacity"),
                                           ("vast", "gone410")])
def test_every_capacity_signature_fails_over(team, owner, connect, polled, fakes, provider, kind):
    connect("runpod", "lambda", "vast")
    fakes.fail_launch[provider] = [kind]
    launch = services.launch_execute(job_id=submit(team, owner, provider).pk)
    assert launch.status == "provisioning" and launch.provider != provider
    assert launch.attempts.first().outcome == "capacity"


@pytest.mark.parametrize("kind,words", [("auth", "refused the team's API key"), ("balance", "balance is too low"),
                                        ("invalid", "invalid")])
def test_non_capacity_errors_stop_at_once_with_the_fix(team, owner, connect, polled, fakes, kind, words):
    connect("runpod", "lambda", "vast")
    fakes.fail_launch["runpod"] = [kind]
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    assert launch.status == "failed"
    assert words in launch.end_reason
    assert len(fakes.launches()) == 1  # no failover on a refusal
    assert "Fix:" in launch.events.get(kind="attempt_failed").message
    assert not fakes.running()


def test_lambda_account_inactive_stops(team, owner, connect, polled, fakes):
    connect("lambda")
    fakes.fail_launch["lambda"] = ["balance"]
    launch = services.launch_execute(job_id=submit(team, owner, "lambda").pk)
    assert launch.status == "failed" and "payment method" in launch.end_reason


def test_a_lost_create_answer_is_cleaned_up_before_failover(team, owner, connect, polled, fakes):
    connect("runpod", "lambda")
    fakes.fail_launch["runpod"] = ["5xx_created"]
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    assert launch.status == "provisioning" and launch.provider == "lambda"
    assert not fakes.running("runpod")  # the half-created pod was found by its tag and terminated
    assert "cleaned up" in launch.events.get(kind="attempt_failed").message


def test_failed_launch_leaves_nothing_running(team, owner, connect, polled, fakes):
    connect("runpod", "lambda", "vast")
    fakes.fail_launch = {"runpod": ["capacity"], "lambda": ["capacity"], "vast": ["capacity"]}
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    assert launch.status == "failed" and "No offer could be launched" in launch.end_reason
    assert launch.attempts.count() == 3 and not fakes.running()


def test_no_failover_when_not_allowed(team, owner, connect, polled, fakes):
    connect("runpod", "lambda", "vast")
    fakes.fail_launch["runpod"] = ["capacity"]
    launch = services.launch_execute(job_id=submit(team, owner, "runpod", allow_failover=False).pk)
    assert launch.status == "failed" and len(fakes.launches()) == 1


def test_lambda_and_vast_requests_have_the_real_shapes(team, owner, connect, polled, fakes):
    connect("lambda", "vast")
    services.launch_execute(job_id=submit(team, owner, "lambda", key="a").pk)
    services.launch_execute(job_id=submit(team, owner, "vast", key="b").pk)
    lam = fakes.launches("lambda")[0]["body"]
    assert lam["region_name"] == "us-east-1" and lam["instance_type_name"] == "gpu_1x_h100_sxm5"
    assert lam["ssh_key_names"] == ["compute-provider-selector"]
    vast = fakes.launches("vast")[0]
    assert vast["path"].endswith("/asks/9001/") and vast["method"] == "PUT"
    assert vast["body"]["image"].startswith("pytorch/") and vast["body"]["label"].startswith("cps-")


def test_budget_warns_at_80_and_terminates_at_100(team, owner, connect, polled, fakes,
                                                  django_capture_on_commit_callbacks):
    connect("runpod")
    launch = submit(team, owner, "runpod", budget=Decimal("1.00"))  # $2.99/h: 80% after ~16 min
    launch = services.launch_execute(job_id=launch.pk)
    start = launch.billing_started_at
    services.launch_track(job_id=launch.pk, now=start + dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.launch_track(job_id=launch.pk, now=start + dt.timedelta(minutes=17))
    assert TeamNotice.objects.filter(team=team, title__contains="80%").count() == 1
    warned = [m for m in mail.outbox if "80%" in m.subject]
    assert len(warned) == 1 and set(warned[0].to) == {"owner@example.com", "member@example.com"}
    services.launch_track(job_id=launch.pk, now=start + dt.timedelta(minutes=18))
    assert TeamNotice.objects.filter(team=team, title__contains="80%").count() == 1  # once
    done = services.launch_track(job_id=launch.pk, now=start + dt.timedelta(minutes=21))
    assert done.status == "terminated" and done.end_reason == "budget reached"
    assert not fakes.running("runpod")
    assert TeamNotice.objects.filter(team=team, title__contains="budget reached").exists()


def test_budget_stop_can_stop_instead(team, owner, connect, polled, fakes):
    connect("runpod")
    launch = services.launch_execute(job_id=submit(team, owner, "runpod", budget=Decimal("0.50"), stop_at_budget=True).pk)
    done = services.launch_track(job_id=launch.pk, now=launch.billing_started_at + dt.timedelta(minutes=15))
    assert done.status == "terminated" and "stopped" in done.end_reason
    assert fakes.instances[done.instance_id]["status"] == "EXITED"


def test_no_launch_without_confirmation_or_budget(team, owner, connect, polled, fakes):
    connect("runpod")
    q = quote_for(team, "runpod")
    with pytest.raises(services.NotConfirmed, match="Would launch 1x H100"):
        services.launch_submit(team=team, user=owner, quote=q, budget_usd=q.default_budget_usd, confirm=False,
                               idempotency_key="x")
    for budget in (None, "", 0, "-3"):
        with pytest.raises(services.LaunchInputError) as exc:
            services.launch_submit(team=team, user=owner, quote=q, budget_usd=budget, confirm=True, idempotency_key="y")
        assert exc.value.field == "budget_usd"
    assert not Launch.objects.exists() and not fakes.launches()


def test_it_never_launches_twice(team, owner, connect, polled, fakes):
    connect("runpod")
    q = quote_for(team, "runpod")
    a, created_a = services.launch_submit(team=team, user=owner, quote=q, budget_usd=10, confirm=True, idempotency_key="same")
    b, created_b = services.launch_submit(team=team, user=owner, quote=q, budget_usd=10, confirm=True, idempotency_key="same")
    assert a.pk == b.pk and created_a and not created_b
    services.launch_execute(job_id=a.pk)
    assert services.launch_execute(job_id=a.pk) is None  # a retried task / restarted worker: not claimed again
    services.track_live()
    assert len(fakes.launches()) == 1


def test_dry_run_launches_nothing(team, owner, connect, polled, fakes, settings):
    settings.LAUNCH_DRY_RUN = "1"
    connect("runpod")
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    assert launch.dry_run and launch.status == "finished" and "dry run" in launch.end_reason
    assert not fakes.launches()
    assert launch.attempts.get().outcome == LaunchAttempt.Outcome.DRY_RUN


def test_auto_dry_run_until_an_account_is_connected(team, owner, polled, fakes):
    q = quote_for(team, "runpod")
    assert q.dry_run


def test_provider_side_end_is_noticed(team, owner, connect, polled, fakes):
    connect("vast")
    launch = services.launch_execute(job_id=submit(team, owner, "vast").pk)
    services.launch_track(job_id=launch.pk)
    fakes.set_status(launch.instance_id and next(i["id"] for i in fakes.instances.values() if i["provider"] == "vast"),
                     "exited")
    done = services.launch_track(job_id=launch.pk)
    assert done.status == "finished" and "provider's side" in done.end_reason


def test_instance_gone_on_the_provider_closes_the_job(team, owner, connect, polled, fakes):
    connect("lambda")
    launch = services.launch_execute(job_id=submit(team, owner, "lambda").pk)
    fakes.set_status(launch.instance_id, "terminated")
    done = services.launch_track(job_id=launch.pk)
    assert done.status == "terminated" and "provider's side" in done.end_reason


def test_price_moved_more_than_5_percent_asks_again(team, owner, connect, polled, fakes):
    connect("runpod")
    q = quote_for(team, "runpod")
    fakes.prices["runpod"] = 3.29  # +10%
    again = services.launch_quote(team=team, payload=q.payload, option_id=q.option_id,
                                  shown_usd_per_hour=q.usd_per_hour)
    assert again.moved and "moved 10%" in again.note()
    small = services.launch_quote(team=team, payload=q.payload, option_id=q.option_id,
                                  shown_usd_per_hour=Decimal("3.20"))
    assert not small.moved


def test_sweep_lists_tagged_strays_and_never_terminates_silently(team, owner, connect, polled, fakes):
    connect("runpod")
    fakes._new("runpod", "cps-999-1", "RUNNING")
    fakes._new("runpod", "someone-elses-pod", "RUNNING")
    assert services.sweep_strays() == 1
    stray = StrayInstance.objects.get()
    assert stray.name == "cps-999-1" and len(fakes.running("runpod")) == 2
    services.stray_terminate(stray=stray)
    assert len(fakes.running("runpod")) == 1


def test_key_check_refuses_a_bad_key_and_stores_nothing(team, owner, fakes):
    with pytest.raises(services.AccountError) as exc:
        services.account_connect(team=team, user=owner, provider="runpod", api_key="rp-WRONG-KEY-000000")
    assert "WRONG" not in str(exc.value) and "refused the key" in str(exc.value)
    assert not team.provider_accounts.exists()


@pytest.mark.parametrize("provider", ["runpod", "lambda", "vast", "together", "replicate"])
def test_key_is_checked_and_stored_encrypted(team, owner, fakes, provider):
    account = services.account_connect(team=team, user=owner, provider=provider, api_key=KEYS[provider])
    assert KEYS[provider] not in account.api_key_encrypted
    assert account.reveal_api_key() == KEYS[provider] and account.key_last4 == KEYS[provider][-4:]
    assert KEYS[provider] not in repr(account) and KEYS[provider] not in str(account)
    check = fakes.requests[-1]
    assert check["auth"] == f"Bearer {KEYS[provider]}" and check["method"] == "GET"


def test_together_and_replicate_launch_through_their_job_apis(team, owner, fakes):
    from launch.providers import replicate, together
    from launch.providers.base import LaunchSpec
    from launch.providers.client import launch_client

    spec = LaunchSpec(tag="cps-1-1", provider_sku="x", region="", gpu_count=1, usd_per_hour=Decimal(1),
                      interruptible=False, image="", command="",
                      options={"model": "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", "training_file": "file-abc",
                               "version": "ostris/flux-dev-lora-trainer:e440909d", "destination": "team/model"})
    t = together.launch(launch_client("together", KEYS["together"]), spec)
    assert fakes.launches("together")[0]["body"]["training_file"] == "file-abc"
    state = together.status(launch_client("together", KEYS["together"]), t.instance_id)
    assert state.status == "running" and state.spend_usd == Decimal("12.5")
    r = replicate.launch(launch_client("replicate", KEYS["replicate"]), spec)
    assert fakes.launches("replicate")[0]["path"].endswith("/models/ostris/flux-dev-lora-trainer/versions/e440909d/trainings")
    replicate.terminate(launch_client("replicate", KEYS["replicate"]), r.instance_id)


def test_a_provider_echoing_the_key_never_gets_it_stored_or_shown(team, owner, connect, polled, fakes, caplog):
    connect("runpod")
    fakes.fail_launch["runpod"] = ["echo"]
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    assert launch.status == "failed"
    stored = [launch.end_reason, *launch.events.values_list("message", flat=True),
              *launch.attempts.values_list("error", flat=True), caplog.text]
    assert all(KEYS["runpod"] not in text for text in stored)
    assert "[redacted]" in launch.attempts.get().error
