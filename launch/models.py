"""Launching and following training jobs on the teams' own provider accounts.

- ProviderAccount: a team's API key for one provider, encrypted at rest (launch.crypto), shown only
  as its last four characters. Separate from the operator's polling keys (``*_API_KEY``).
- LaunchTemplate: the team's container image, start command, env vars (encrypted) and disk.
- Launch: one per wizard job (its primary key *is* the job's), from the confirmed budget to the
  final cost. ``idempotency_key`` is unique per team and ``claim_token`` is set by a conditional
  update, so a double click, a retry or a worker restart never launches twice.
- LaunchAttempt: every try on one offer (failover), with the outcome the compare pages count.
- JobEvent: the job's timeline. TeamNotice: in-app notices (budget at 80%, budget stop, launch failed),
  in the nav badge with the price alerts' (TeamNoticeRead: who has read which).
- StrayInstance: an instance carrying our launch tag on a team account with no live job (the sweep
  lists them; a person decides to terminate).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from . import crypto

LAUNCH_PROVIDERS = (("runpod", "RunPod"), ("lambda", "Lambda"), ("vast", "Vast.ai"), ("together", "Together AI"),
                    ("replicate", "Replicate"))
DEFAULT_IMAGE = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"


class ProviderAccount(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="provider_accounts")
    provider = models.CharField(max_length=20, choices=LAUNCH_PROVIDERS)
    api_key_encrypted = models.TextField()
    key_last4 = models.CharField(max_length=4, blank=True)
    ssh_public_key = models.TextField(blank=True)
    checked_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider"]
        constraints = [models.UniqueConstraint(fields=["team", "provider"], name="provideraccount_team_provider_uniq")]

    def __str__(self):
        return f"{self.get_provider_display()} account of {self.team_id} (…{self.key_last4})"

    __repr__ = __str__  # never the key, not even encrypted

    def reveal_api_key(self) -> str:
        """The plaintext key, for the one HTTP request that needs it. Never log or render it."""
        return crypto.decrypt(self.api_key_encrypted)


class LaunchTemplate(models.Model):
    team = models.OneToOneField("teams.Team", on_delete=models.CASCADE, related_name="launch_template")
    image = models.CharField(max_length=300, default=DEFAULT_IMAGE)
    command = models.TextField(blank=True, help_text="Start command run in the container (empty: the image's own).")
    env_encrypted = models.TextField(blank=True)  # JSON object, encrypted
    env_names = models.JSONField(default=list, blank=True)  # the names only, for pages
    disk_gb = models.PositiveIntegerField(default=50)
    # Services that are not containers: {"together": {"model", "training_file"}, "replicate": {"version",
    # "destination", "input"}}.
    provider_options = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"launch template of team {self.team_id}"


class Launch(models.Model):
    class Status(models.TextChoices):
        LAUNCHING = "launching", "Launching"
        PROVISIONING = "provisioning", "Provisioning"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"
        TERMINATED = "terminated", "Terminated"

    LIVE = (Status.LAUNCHING, Status.PROVISIONING, Status.RUNNING)

    job = models.OneToOneField("wizard.TrainingJob", primary_key=True, on_delete=models.CASCADE, related_name="launch")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="launches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    idempotency_key = models.CharField(max_length=80)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.LAUNCHING)
    # The offer being launched (after failover: the one that runs).
    provider = models.CharField(max_length=20)
    provider_sku = models.CharField(max_length=200)
    region = models.CharField(max_length=100, blank=True)
    gpu_count = models.PositiveSmallIntegerField(default=1)
    option = models.JSONField(default=dict)
    candidates = models.JSONField(default=list, blank=True)  # failover order, best first
    usd_per_hour = models.DecimalField(max_digits=12, decimal_places=4)  # the rate at launch
    training_hours = models.DecimalField(max_digits=12, decimal_places=2)
    estimate_usd = models.DecimalField(max_digits=14, decimal_places=2)
    budget_usd = models.DecimalField(max_digits=14, decimal_places=2)
    allow_failover = models.BooleanField(default=True)
    stop_at_budget = models.BooleanField(default=False)  # stop instead of terminate, where the provider can
    image = models.CharField(max_length=300, blank=True)
    command = models.TextField(blank=True)
    env_encrypted = models.TextField(blank=True)
    disk_gb = models.PositiveIntegerField(default=50)
    dry_run = models.BooleanField(default=False)
    account = models.ForeignKey(ProviderAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    instance_id = models.CharField(max_length=120, blank=True)
    provider_status = models.CharField(max_length=40, blank=True)
    connection = models.JSONField(default=dict, blank=True)
    spend_usd = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    billing_started_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)  # first seen running
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    budget_warned_at = models.DateTimeField(null=True, blank=True)
    terminate_requested_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=40, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    measured_hours = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    tokens_per_second = models.FloatField(null=True, blank=True)  # reported by the user or the job's logs
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["team", "idempotency_key"], name="launch_team_idem_uniq")]
        indexes = [models.Index(fields=["status"], name="launch_status")]

    def __str__(self):
        return f"launch of job {self.pk} on {self.provider} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class LaunchAttempt(models.Model):
    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Launched"
        CAPACITY = "capacity", "No capacity"
        FAILED = "failed", "Failed"
        DRY_RUN = "dry_run", "Dry run"

    launch = models.ForeignKey(Launch, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    provider = models.CharField(max_length=20)
    provider_sku = models.CharField(max_length=200)
    region = models.CharField(max_length=100, blank=True)
    usd_per_hour = models.DecimalField(max_digits=12, decimal_places=4)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error = models.TextField(blank=True)
    instance_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["launch", "number"]
        indexes = [models.Index(fields=["provider", "provider_sku", "created_at"], name="attempt_offer_recent")]


class JobEvent(models.Model):
    launch = models.ForeignKey(Launch, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=30)
    message = models.TextField()

    class Meta:
        ordering = ["at", "id"]


class TeamNotice(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="notices")
    launch = models.ForeignKey(Launch, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]


class TeamNoticeRead(models.Model):
    """Who has read a team notice (a notice is the team's; reading it is each member's). The nav
    badge counts the rest (launch.notices, registered with alerts.notices)."""

    notice = models.ForeignKey(TeamNotice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="teamnoticeread_notice_user_uniq")]


class StrayInstance(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        TERMINATED = "terminated", "Terminated"
        KEPT = "kept", "Kept"

    account = models.ForeignKey(ProviderAccount, on_delete=models.CASCADE, related_name="strays")
    instance_id = models.CharField(max_length=120)
    name = models.CharField(max_length=200, blank=True)
    provider_status = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]
        constraints = [models.UniqueConstraint(fields=["account", "instance_id"], name="stray_account_instance_uniq")]
