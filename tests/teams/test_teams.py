"""Teams: personal team on first use, shared teams, invitations by username; every URL checked
for owner / member / outsider / anonymous."""

from decimal import Decimal

import pytest
from django.urls import reverse

from teams import selectors, services
from teams.models import Membership, Team
from wizard import services as wizard_services

from .conftest import login

pytestmark = pytest.mark.django_db


def test_it_makes_one_personal_team_on_first_use(owner):
    a = services.personal_team(owner)
    b = services.personal_team(owner)
    assert a.pk == b.pk and a.personal_for == owner
    assert Membership.objects.get(team=a).role == "owner"


def test_it_invites_by_username(team, member):
    assert selectors.role_in(member, team) == "member"


def test_it_refuses_unknown_username_and_double_invite(team, owner):
    with pytest.raises(services.TeamError, match="no user called"):
        services.member_invite(team=team, by=owner, username="nobody")
    with pytest.raises(services.TeamError, match="already"):
        services.member_invite(team=team, by=owner, username="member")


def test_a_member_cannot_invite(team, member, outsider):
    with pytest.raises(services.TeamError, match="Only an owner"):
        services.member_invite(team=team, by=member, username="outsider")


def test_personal_team_takes_no_members(owner, outsider):
    with pytest.raises(services.TeamError, match="personal"):
        services.member_invite(team=services.personal_team(owner), by=owner, username="outsider")


def test_last_owner_cannot_be_removed(team, owner):
    m = Membership.objects.get(team=team, user=owner)
    with pytest.raises(services.TeamError, match="last owner"):
        services.member_remove(team=team, by=owner, membership_id=m.pk)


def test_job_create_puts_the_job_in_the_personal_team(owner):
    job = wizard_services.job_create(user=owner, configuration={}, chosen={"provider": "lambda", "hourly_rate": 1.29,
                                     "total_cost": 4.47, "training_hours": 3.4}, recommended=None, estimate=None,
                                     selection_id=None)
    assert job.team == services.personal_team(owner)
    assert job.total_cost_usd == Decimal("4.47")


# --- access on every URL --------------------------------------------------------------------

def test_team_list_requires_login(client):
    r = client.get(reverse("teams:list"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_team_list_shows_own_teams_only(team, owner, outsider):
    assert "ML team" in login(owner).get(reverse("teams:list")).content.decode()
    assert "ML team" not in login(outsider).get(reverse("teams:list")).content.decode()


def test_create_team(owner):
    r = login(owner).post(reverse("teams:list"), {"name": "Research"})
    team = Team.objects.get(name="Research")
    assert r.status_code == 302 and selectors.role_in(owner, team) == "owner"


@pytest.mark.parametrize("who,status", [("owner", 200), ("member", 200), ("outsider", 404)])
def test_team_detail_access(team, owner, member, outsider, who, status):
    user = {"owner": owner, "member": member, "outsider": outsider}[who]
    assert login(user).get(reverse("teams:detail", args=[team.pk])).status_code == status


def test_team_detail_anonymous_redirects(client, team):
    assert client.get(reverse("teams:detail", args=[team.pk])).status_code == 302


@pytest.mark.parametrize("who,status", [("owner", 302), ("member", 403), ("outsider", 404)])
def test_invite_access(team, owner, member, outsider, who, status):
    user = {"owner": owner, "member": member, "outsider": outsider}[who]
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("newbie", password="x-pass-1234")
    r = login(user).post(reverse("teams:detail", args=[team.pk]), {"username": "newbie"})
    assert r.status_code == status
    assert Membership.objects.filter(team=team, user__username="newbie").exists() == (who == "owner")


def test_invite_anonymous_redirects(client, team):
    r = client.post(reverse("teams:detail", args=[team.pk]), {"username": "outsider"})
    assert r.status_code == 302 and not Membership.objects.filter(team=team, user__username="outsider").exists()


@pytest.mark.parametrize("who,status,removed", [("owner", 302, True), ("member", 403, False), ("outsider", 404, False)])
def test_remove_access(team, owner, member, outsider, who, status, removed):
    user = {"owner": owner, "member": member, "outsider": outsider}[who]
    m = Membership.objects.get(team=team, user=member)
    r = login(user).post(reverse("teams:member_remove", args=[team.pk, m.pk]))
    assert r.status_code == status
    assert Membership.objects.filter(pk=m.pk).exists() != removed


def test_remove_anonymous_redirects(client, team, member):
    m = Membership.objects.get(team=team, user=member)
    assert client.post(reverse("teams:member_remove", args=[team.pk, m.pk])).status_code == 302
    assert Membership.objects.filter(pk=m.pk).exists()


@pytest.mark.parametrize("who,status", [("owner", 302), ("member", 302), ("outsider", 404)])
def test_switch_access(team, owner, member, outsider, who, status):
    user = {"owner": owner, "member": member, "outsider": outsider}[who]
    c = login(user)
    assert c.post(reverse("teams:switch", args=[team.pk])).status_code == status
    if status == 302:
        assert c.session[selectors.SESSION_KEY] == team.pk


def test_switch_anonymous_redirects(client, team):
    assert client.post(reverse("teams:switch", args=[team.pk])).status_code == 302


def test_team_pages_need_csrf(team, owner):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(owner)
    assert c.post(reverse("teams:detail", args=[team.pk]), {"username": "outsider"}).status_code == 403
