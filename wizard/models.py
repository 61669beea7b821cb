"""Per-user data: saved preferences, the history of comparisons/selections, and training jobs.

Option dicts are stored as JSON exactly as the comparison returned them at that moment, so the
history shows the prices then, whatever the prices are now.
"""

from django.conf import settings
from django.db import models


class ViewMode(models.TextChoices):
    AUTO = "auto", "Automatic (cards on phones, table on wider screens)"
    TABLE = "table", "Table"
    CARDS = "cards", "Cards"


class SortChoice(models.TextChoices):
    COST = "cost", "Cost (cheapest first)"
    SPEED = "speed", "Quickest to start (shortest setup first)"
    FINISH = "finish", "Finishes first (setup plus training)"
    AVAILABILITY = "availability", "Availability (most available first)"


class UserPreferences(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="selector_preferences")
    local_gpu_type = models.CharField(max_length=60, blank=True)
    local_electricity_cost = models.DecimalField(
        "electricity price (USD per kWh)", max_digits=6, decimal_places=3, null=True, blank=True)
    min_memory_gb = models.PositiveIntegerField(null=True, blank=True)
    local_power_watts = models.PositiveIntegerField("local GPU power (watts)", null=True, blank=True)
    preferred_providers = models.JSONField(default=list, blank=True)
    view_mode = models.CharField(max_length=10, choices=ViewMode.choices, default=ViewMode.AUTO)
    sort = models.CharField(max_length=20, choices=SortChoice.choices, default=SortChoice.COST)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user preferences"

    def __str__(self):
        return f"preferences of {self.user}"


class Comparison(models.Model):
    """A comparison the user kept (from /compare/) or a selection made in the wizard."""

    class Kind(models.TextChoices):
        COMPARISON = "comparison", "Comparison"
        SELECTION = "selection", "Selection"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="selector_comparisons")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    inputs = models.JSONField(default=dict)  # the comparison request as sent to the engine
    recommended = models.JSONField(null=True, blank=True)  # option dict at that moment
    recommendation_reason = models.TextField(blank=True)
    chosen = models.JSONField(null=True, blank=True)  # option dict at that moment (selections)
    summary = models.JSONField(default=dict, blank=True)
    option_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return self.name or f"{self.get_kind_display()} #{self.pk}"


class TrainingJob(models.Model):
    class Status(models.TextChoices):
        READY = "ready", "Ready to launch"
        CANCELLED = "cancelled", "Cancelled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_jobs")
    # The team the job belongs to (its members see it); the user is who recorded it. Null only for a
    # job written without a team (the service always sets it; migration 0002 filled old jobs).
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    selection = models.ForeignKey(Comparison, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")
    name = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.READY)
    configuration = models.JSONField(default=dict)  # the wizard's step 1, as entered
    chosen = models.JSONField(default=dict)  # the option dict at launch time
    recommended = models.JSONField(null=True, blank=True)
    estimate = models.JSONField(null=True, blank=True)  # the estimator's answer at launch time
    provider = models.CharField(max_length=20)
    usd_per_hour = models.DecimalField(max_digits=12, decimal_places=4)
    total_cost_usd = models.DecimalField(max_digits=14, decimal_places=2)
    training_hours = models.DecimalField(max_digits=12, decimal_places=2)
    price_as_of = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What the run really did (reported by the user, or by a launcher): the estimator is calibrated
    # from it when the user plans the next job (wizard step 1 offers it first).
    measured_tokens_per_second = models.FloatField(null=True, blank=True)  # all GPUs together
    measured_gpu_type = models.CharField(max_length=40, blank=True)  # catalog slug
    measured_gpu_count = models.PositiveSmallIntegerField(null=True, blank=True)
    measured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return self.name or f"Training job #{self.pk}"
