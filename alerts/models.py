"""Price alerts and the in-app notifications they send. The tables keep the names they had when
these models lived in ``pricing`` (``pricing_pricealert``, ``pricing_notification``): moving the
models moved no data (see migrations/0001_initial.py)."""

from django.db import models

from pricing.models import GpuModel


class PriceAlert(models.Model):
    """A user's watch on a GPU model. Fires once per crossing: ``is_active_crossing`` is set by a
    conditional update when the condition starts holding and cleared when it stops, so a poll
    that sees the same low price again does not notify again."""

    class Kind(models.TextChoices):
        PRICE = "price_at_or_below", "Price per GPU-hour at or below"
        AVAILABLE = "becomes_available", "Becomes available"
        JOB_COST = "job_cost_at_or_below", "Saved job's total cost at or below"

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="price_alerts")
    gpu = models.ForeignKey(GpuModel, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=20, blank=True)  # "" = any provider
    region = models.CharField(max_length=8, blank=True)  # "" = anywhere, else a continent
    gpu_count = models.PositiveSmallIntegerField(null=True, blank=True)  # None = any count
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.PRICE)
    # USD per GPU-hour for PRICE, USD for the whole job for JOB_COST; unused for AVAILABLE.
    threshold_usd = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    # For JOB_COST: the saved wizard job whose cost is recomputed at each poll's prices.
    job = models.ForeignKey("wizard.TrainingJob", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="price_alerts")
    is_paused = models.BooleanField(default=False)
    is_active_crossing = models.BooleanField(default=False)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    # What the last evaluation saw (lowest price or job cost), for the list page.
    last_value_usd = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "pricing_pricealert"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["is_paused", "kind"], name="pricealert_active")]

    def __str__(self):
        return f"alert {self.pk} {self.kind} {self.gpu_id}"


class Notification(models.Model):
    """In-app copy of a fired alert (the e-mail is the other copy)."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="price_notifications")
    alert = models.ForeignKey(PriceAlert, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "pricing_notification"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.title
