"""Reads: a user's teams, their role in one, and the team a request acts for."""

from __future__ import annotations

from .models import Membership, Team
from .services import personal_team

SESSION_KEY = "current_team_id"


def teams_for(user) -> list[Team]:
    personal_team(user)
    return list(Team.objects.filter(memberships__user=user).order_by("personal_for", "name", "id").distinct())


def role_in(user, team: Team | int) -> str | None:
    """"owner", "member" or None (an outsider or anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    team_id = team.pk if isinstance(team, Team) else team
    return Membership.objects.filter(team_id=team_id, user=user).values_list("role", flat=True).first()


def team_for_member(user, team_id) -> Team | None:
    """The team when ``user`` is in it, else None (callers answer 404: outsiders learn nothing)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        team_id = int(team_id)
    except (TypeError, ValueError):
        return None
    return Team.objects.filter(pk=team_id, memberships__user=user).first()


def current_team(request) -> Team:
    """The team the user acts for: the one chosen on the teams page (kept in the session) while the
    user is still in it, else their personal team."""
    team = team_for_member(request.user, request.session.get(SESSION_KEY))
    return team or personal_team(request.user)


def members_of(team: Team) -> list[Membership]:
    return list(team.memberships.select_related("user").order_by("-role", "user__username"))
