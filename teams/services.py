"""Writes: personal teams (made on first use), shared teams, invitations, removals."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from .models import Membership, Team


class TeamError(Exception):
    """A refused team change, in words for the user."""


def personal_team(user) -> Team:
    """The user's personal team, created (with the user as owner) the first time it is needed."""
    team = Team.objects.filter(personal_for=user).first()
    if team is not None:
        return team
    try:
        with transaction.atomic():
            team = Team.objects.create(name=f"{user.get_username()} (personal)"[:80], personal_for=user)
            Membership.objects.create(team=team, user=user, role=Membership.Role.OWNER)
    except IntegrityError:  # two first requests at once: the other one made it
        team = Team.objects.get(personal_for=user)
    return team


@transaction.atomic
def team_create(*, owner, name: str) -> Team:
    name = name.strip()[:80]
    if not name:
        raise TeamError("Give the team a name.")
    team = Team.objects.create(name=name)
    Membership.objects.create(team=team, user=owner, role=Membership.Role.OWNER)
    return team


@transaction.atomic
def member_invite(*, team: Team, by, username: str) -> Membership:
    """An owner adds a user by username (the user sees the team at once)."""
    if not Membership.objects.filter(team=team, user=by, role=Membership.Role.OWNER).exists():
        raise TeamError("Only an owner of the team can invite members.")
    if team.personal_for_id:
        raise TeamError("A personal team has one member. Create a shared team to invite people.")
    user = get_user_model().objects.filter(username=username.strip()).first()
    if user is None:
        raise TeamError(f"There is no user called “{username.strip()}”.")
    membership, created = Membership.objects.get_or_create(team=team, user=user,
                                                          defaults={"role": Membership.Role.MEMBER})
    if not created:
        raise TeamError(f"{user.get_username()} is already in the team.")
    return membership


@transaction.atomic
def member_remove(*, team: Team, by, membership_id: int) -> None:
    if not Membership.objects.filter(team=team, user=by, role=Membership.Role.OWNER).exists():
        raise TeamError("Only an owner of the team can remove members.")
    membership = Membership.objects.filter(team=team, pk=membership_id).first()
    if membership is None:
        raise TeamError("That person is not in the team.")
    if membership.role == Membership.Role.OWNER and team.memberships.filter(role=Membership.Role.OWNER).count() == 1:
        raise TeamError("The last owner cannot be removed.")
    membership.delete()
