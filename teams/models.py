"""Teams: who shares jobs, provider accounts and budgets. Depends on auth only.

Every user has a personal team (``Team.personal_for``), made on first use by
``teams.services.personal_team`` (never in a signal). An owner invites members by username.
"""

from django.conf import settings
from django.db import models


class Team(models.Model):
    name = models.CharField(max_length=80)
    # Set for a user's personal team (one per user); None for a shared team.
    personal_for = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                        related_name="personal_team")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "-role", "user__username"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="membership_team_user_uniq")]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"
