"""The job pages are the team's (issue 15: "Jobs, provider accounts and budgets belong to a team;
preferences stay per user"): /history/ lists the jobs of the user's teams with estimate vs actual,
/jobs/<id>/ and its actions answer owner / member, 404 for an outsider, the login page for anonymous;
once launched, /jobs/<id>/ redirects to the launch page (one page per job). Comparisons stay personal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from launch import services
from launch.models import Launch
from selector.formatting import hours
from wizard import services as wizard_services
from wizard.models import Comparison, TrainingJob

from .conftest import login, submit

pytestmark = pytest.mark.django_db

CHOSEN = {"id": "lambda:gpu_1x_h100_sxm5:us-east-1:1", "provider": "lambda", "provider_name": "Lambda",
          "gpu_type": "H100 SXM", "gpu_slug": "h100-sxm", "gpu_count": 1, "hourly_rate": 3.29, "total_cost": 32.90,
          "training_hours": 10}


@pytest.fixture
def users(owner, member, outsider):
    return {"owner": owner, "member": member, "outsider": outsider}


@pytest.fixture
def job(team, owner):
    return wizard_services.job_create(user=owner, team=team, configuration={"training_hours": 10}, chosen=CHOSEN,
                                      recommended=None, estimate=None, selection_id=None)


POSTS = ["job_cancel", "job_throughput", "job_delete", "job_again"]


@pytest.mark.parametrize("who,status", [("owner", 200), ("member", 200), ("outsider", 404)])
def test_job_page_access(job, users, who, status):
    assert login(users[who]).get(reverse("job_detail", args=[job.pk])).status_code == status


@pytest.mark.parametrize("name", ["job_detail", *POSTS])
def test_anonymous_is_sent_to_login(client, job, name):
    r = client.post(reverse(name, args=[job.pk])) if name in POSTS else client.get(reverse(name, args=[job.pk]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert TrainingJob.objects.filter(pk=job.pk, status="ready").exists()


def test_history_needs_login(client):
    r = client.get(reverse("history"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


@pytest.mark.parametrize("who,listed", [("owner", True), ("member", True), ("outsider", False)])
def test_history_lists_the_teams_jobs(job, users, who, listed):
    page = login(users[who]).get(reverse("history")).content.decode()
    assert (f'data-job="{job.pk}"' in page) == listed


def test_a_member_sees_who_recorded_it_and_the_estimate(job, member):
    page = login(member).get(reverse("history")).content.decode()
    row = page[page.index(f'data-job="{job.pk}"'):].split("</tr>")[0]
    assert "by owner" in row and "$32.90" in row and "not launched" in row


@pytest.mark.parametrize("who,status", [("owner", 302), ("member", 302), ("outsider", 404)])
def test_notes_access(job, users, who, status):
    r = login(users[who]).post(reverse("job_detail", args=[job.pk]), {"name": f"by {who}", "notes": "n"})
    assert r.status_code == status
    job.refresh_from_db()
    assert (job.name == f"by {who}") == (status == 302)


@pytest.mark.parametrize("who,status", [("owner", 302), ("member", 302), ("outsider", 404)])
def test_throughput_access(job, users, who, status):
    r = login(users[who]).post(reverse("job_throughput", args=[job.pk]),
                               {"tokens_per_second": "5000", "gpu_type": "h100-sxm", "gpu_count": "1"})
    assert r.status_code == status
    job.refresh_from_db()
    assert (job.measured_tokens_per_second == 5000) == (status == 302)


@pytest.mark.parametrize("who,status", [("owner", 302), ("member", 302), ("outsider", 404)])
def test_cancel_access(job, users, who, status):
    assert login(users[who]).post(reverse("job_cancel", args=[job.pk])).status_code == status
    job.refresh_from_db()
    assert (job.status == "cancelled") == (status == 302)


@pytest.mark.parametrize("who,status", [("owner", 302), ("member", 403), ("outsider", 404)])
def test_delete_access(job, users, who, status):
    """Who recorded it, or a team owner; another member may not delete the team's job."""
    assert login(users[who]).post(reverse("job_delete", args=[job.pk])).status_code == status
    assert TrainingJob.objects.filter(pk=job.pk).exists() == (status != 302)


def test_a_member_deletes_a_job_they_recorded(team, member):
    own = wizard_services.job_create(user=member, team=team, configuration={}, chosen=CHOSEN, recommended=None,
                                     estimate=None, selection_id=None)
    assert login(member).post(reverse("job_delete", args=[own.pk])).status_code == 302
    assert not TrainingJob.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("who,status", [("owner", 302), ("member", 302), ("outsider", 404)])
def test_again_access(job, users, who, status):
    r = login(users[who]).post(reverse("job_again", args=[job.pk]))
    assert r.status_code == status
    if status == 302:
        assert r["Location"] == reverse("wizard:providers")


def test_an_id_no_row_can_have_is_a_404(owner):
    assert login(owner).get(f"/jobs/{2**63}/").status_code == 404


@pytest.mark.parametrize("who,status", [("owner", 200), ("member", 404), ("outsider", 404)])
def test_comparisons_stay_personal(team, users, who, status):
    item = Comparison.objects.create(user=users["owner"], kind="comparison", inputs={"training_hours": 10})
    assert login(users[who]).get(reverse("history_item", args=[item.pk])).status_code == status
    assert (f'href="{reverse("history_item", args=[item.pk])}"' in
            login(users[who]).get(reverse("history")).content.decode()) == (who == "owner")


def test_comparison_anonymous_is_sent_to_login(client, owner):
    item = Comparison.objects.create(user=owner, kind="comparison", inputs={})
    assert client.get(reverse("history_item", args=[item.pk])).status_code == 302


# --- launched jobs: one page, estimate vs actual ---------------------------------------------

@pytest.fixture
def finished(team, owner, connect, polled, fakes):
    connect("runpod")
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    t0 = timezone.now()
    services.launch_track(job_id=launch.pk, now=t0)
    services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=1))
    services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(hours=2))
    return services.launch_terminate(launch=Launch.objects.get(pk=launch.pk), reason="terminated by the user",
                                     now=t0 + dt.timedelta(hours=2))


@pytest.mark.parametrize("who,status", [("owner", 302), ("member", 302), ("outsider", 404)])
def test_old_job_links_of_a_launched_job_land_on_its_launch_page(finished, users, who, status):
    r = login(users[who]).get(reverse("job_detail", args=[finished.pk]))
    assert r.status_code == status
    if status == 302:
        assert r["Location"] == reverse("launch:job", args=[finished.pk])


def test_team_history_shows_estimate_vs_actual_of_a_launched_job(finished, member):
    page = login(member).get(reverse("history")).content.decode()
    row = page[page.index(f'data-job="{finished.pk}"'):].split("</tr>")[0]
    actual = finished.spend_usd.quantize(finished.estimate_usd)
    assert f"${finished.estimate_usd:,.2f}" in row and f"${actual:,.2f}" in row
    assert "Terminated" in row and reverse("launch:job", args=[finished.pk]) in row
    assert finished.measured_hours and hours(finished.measured_hours) in row  # measured beside estimated
    assert "10 h" in row  # selector.formatting.hours, the one hours formatter


def test_a_running_job_cannot_be_deleted(team, owner, connect, polled, fakes):
    connect("runpod")
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    r = login(owner).post(reverse("job_delete", args=[launch.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("launch:job", args=[launch.pk])
    assert Launch.objects.filter(pk=launch.pk).exists() and fakes.running("runpod")


def test_a_launched_job_is_not_cancelled_behind_its_launch(team, owner, connect, polled, fakes):
    connect("runpod")
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    login(owner).post(reverse("job_cancel", args=[launch.pk]))
    assert TrainingJob.objects.get(pk=launch.pk).status == "ready" and Launch.objects.get(pk=launch.pk).is_live
