"""Team notices (budget at 80%, budget stop, launch failed) in the nav badge and on the
notifications page every user already has, beside the price-alert notifications: counted unread per
member, marked read per member. alerts never imports launch: launch registers a notice source
(alerts.notices) in LaunchConfig.ready()."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import notices
from alerts.models import Notification
from launch import services
from launch.models import TeamNotice, TeamNoticeRead

from .conftest import login, submit

pytestmark = pytest.mark.django_db

BADGE = 'Notifications <span class="tag">{}<span class="visually-hidden"> unread</span>'


def _notice(team, title="Job #7 has used 80% of its budget", **kw):
    return TeamNotice.objects.create(team=team, title=title, body="spent $40.00 of $50.00", url="/launch/jobs/",
                                     created_at=kw.pop("created_at", timezone.now()), **kw)


def test_launch_registers_its_notices_with_alerts():
    assert "launch" in notices.source_names()


@pytest.mark.parametrize("who,count", [("owner", 1), ("member", 1), ("outsider", 0)])
def test_the_badge_counts_the_teams_unread_notices(team, owner, member, outsider, who, count):
    _notice(team)
    page = login({"owner": owner, "member": member, "outsider": outsider}[who]).get("/prices/").content.decode()
    assert (BADGE.format(1) in page) == bool(count)
    if not count:
        assert 'Notifications</a>' in page


def test_the_badge_adds_them_to_the_price_alert_notifications(team, owner):
    _notice(team)
    Notification.objects.create(user=owner, title="H100 SXM at $1.99", created_at=timezone.now())
    assert BADGE.format(2) in login(owner).get("/prices/").content.decode()


def test_the_notifications_page_lists_and_marks_them_read_per_member(team, owner, member):
    n = _notice(team)
    Notification.objects.create(user=member, title="H100 SXM at $1.99", created_at=timezone.now() - dt.timedelta(hours=1))
    c = login(member)
    page = c.get(reverse("pricing:notifications")).content.decode()
    assert "Job #7 has used 80% of its budget (ML team)" in page and "See the job" in page and "2 unread" in page
    assert page.index("Job #7 has used 80%") < page.index("H100 SXM at $1.99")  # newest first
    assert 'name="source" value="launch"' in page
    assert c.post(reverse("pricing:notifications"), {"source": "launch", "id": [str(n.pk)]}).status_code == 302
    assert TeamNoticeRead.objects.filter(notice=n, user=member).exists()
    assert BADGE.format(1) in c.get("/prices/").content.decode()  # the price notification is still unread
    assert BADGE.format(1) in login(owner).get("/prices/").content.decode()  # read for the member only
    c.post(reverse("pricing:notifications"), {"source": "launch", "id": [str(n.pk)]})  # a double click
    assert TeamNoticeRead.objects.filter(notice=n, user=member).count() == 1


def test_mark_all_read_includes_team_notices(team, owner):
    _notice(team)
    _notice(team, title="Job #8 terminated: budget reached")
    Notification.objects.create(user=owner, title="H100 SXM at $1.99", created_at=timezone.now())
    c = login(owner)
    assert BADGE.format(3) in c.get("/prices/").content.decode()
    c.post(reverse("pricing:notifications"), {"all": "1"})
    page = c.get("/prices/").content.decode()
    assert 'class="tag">' not in page.split("Notifications")[1][:40]


def test_an_outsider_cannot_mark_a_teams_notice(team, outsider):
    n = _notice(team)
    login(outsider).post(reverse("pricing:notifications"), {"source": "launch", "id": [str(n.pk)]})
    assert not TeamNoticeRead.objects.exists()


def test_an_unknown_source_is_refused(team, owner):
    r = login(owner).post(reverse("pricing:notifications"), {"source": "nosuch", "id": ["1"]})
    assert r.status_code == 400 and "Unknown kind of notice" in r.content.decode()


def test_a_member_sees_notices_from_when_they_joined(team, owner, outsider):
    from teams import services as team_services

    _notice(team, created_at=timezone.now() - dt.timedelta(days=1))
    team_services.member_invite(team=team, by=owner, username="outsider")
    assert BADGE.format(1) not in login(outsider).get("/prices/").content.decode()
    _notice(team, title="Job #9 could not be launched")
    assert BADGE.format(1) in login(outsider).get("/prices/").content.decode()


def test_a_failing_source_never_breaks_the_nav(owner):
    class Broken:
        name = "broken"

        def unread_count(self, user):
            raise RuntimeError("boom")

        def notices(self, user, limit):
            raise RuntimeError("boom")

        def mark_read(self, user, ids):
            return 0

    notices.register(Broken())
    try:
        c = login(owner)
        assert c.get("/prices/").status_code == 200
        assert c.get(reverse("pricing:notifications")).status_code == 200
    finally:
        notices.unregister("broken")


def test_budget_and_failed_launch_notices_reach_the_badge(team, owner, member, connect, polled, fakes):
    connect("runpod", "lambda", "vast")
    fakes.fail_launch["runpod"] = ["balance"]
    failed = services.launch_execute(job_id=submit(team, owner, "runpod", key="f1").pk)
    assert failed.status == "failed"
    assert TeamNotice.objects.filter(launch=failed, title__contains="could not be launched").exists()
    launch = services.launch_execute(job_id=submit(team, owner, "lambda", key="b1", budget=5).pk)
    t0 = timezone.now()
    for minutes in (0, 1, 2):  # booting, then active (Lambda bills from there)
        services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=minutes))
    services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=82))  # $3.29/h: past 80% of $5
    services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=102))  # past 100%: terminated
    titles = set(TeamNotice.objects.filter(team=team).values_list("title", flat=True))
    assert {f"Job #{launch.pk} has used 80% of its budget", f"Job #{launch.pk} terminated: budget reached"} <= titles
    c = login(member)
    assert BADGE.format(len(titles)) in c.get("/prices/").content.decode()
    page = c.get(reverse("pricing:notifications")).content.decode()
    assert f"Job #{launch.pk} terminated: budget reached" in page and reverse("launch:job", args=[launch.pk]) in page
