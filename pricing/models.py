"""Price history: one PollRun per poll, the offers it saw, and a pointer per provider to its
latest good poll.

Readers find the latest prices through ``ProviderState.current_poll`` (one row per provider), so
reading the latest prices costs the same whatever the history holds. A poll's offers and the
pointer move in one transaction: readers see the previous complete poll or the new one.
"""

from django.db import models


class Availability(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    UNAVAILABLE = "unavailable", "Unavailable"
    UNKNOWN = "unknown", "Unknown"


class Source(models.TextChoices):
    LIVE = "live", "Live API"
    CATALOG = "catalog", "Built-in price list"


class GpuModel(models.Model):
    """Mirror of pricing.gpus.GPUS (the code is the source of truth; synced on migrate/refresh)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    vendor = models.CharField(max_length=20)
    memory_gb = models.PositiveIntegerField()
    board_power_w = models.PositiveIntegerField()
    bf16_tflops = models.FloatField(null=True, blank=True)
    fp16_tflops = models.FloatField()
    gpu_class = models.CharField(max_length=20)
    aliases = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["memory_gb", "name"]
        verbose_name = "GPU model"

    def __str__(self):
        return self.name


class PollRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "OK"
        FAILED = "failed", "Failed"
        # Answered, but failed the checks of pricing.poll_checks: stored, not served, until an
        # operator accepts it (admin action or ``refresh_prices --accept-suspect``).
        SUSPECT = "suspect", "Suspect"

    provider = models.CharField(max_length=20, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    source = models.CharField(max_length=10, choices=Source.choices)
    # For catalog polls: the date of the built-in price list the offers come from.
    catalog_date = models.DateField(null=True, blank=True)
    offer_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    unknown_gpus = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # HTTP requests the poll made (retries and redirects included): rate limits are per request.
    request_count = models.PositiveIntegerField(default=0)
    # False when the adapter could not see everything (a rate limit or a budget stopped it).
    complete = models.BooleanField(default=True)
    coverage_note = models.TextField(blank=True)
    # The rows this poll dropped and why: [{"reason", "item", "detail"}] (the first 200).
    dropped = models.JSONField(default=list, blank=True)
    # Why the checks found the poll suspect (status "suspect"), kept after an operator accepts it.
    suspect_reason = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["provider", "-started_at"])]

    def __str__(self):
        return f"{self.provider} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class Offer(models.Model):
    """One offer as seen by one poll. Never updated or deleted: the history."""

    poll = models.ForeignKey(PollRun, on_delete=models.PROTECT, related_name="offers")
    provider = models.CharField(max_length=20)
    provider_sku = models.CharField(max_length=200)
    gpu = models.ForeignKey(GpuModel, on_delete=models.PROTECT, related_name="offers")
    gpu_count = models.PositiveSmallIntegerField()
    gpu_memory_gb = models.PositiveIntegerField()
    usd_per_hour = models.DecimalField(max_digits=12, decimal_places=4)
    usd_per_gpu_hour = models.DecimalField(max_digits=12, decimal_places=4)
    region = models.CharField(max_length=100, blank=True)
    availability = models.CharField(max_length=12, choices=Availability.choices)
    interruptible = models.BooleanField(default=False)
    tier = models.CharField(max_length=20, blank=True)
    # "instance" (run your own code) or "dedicated endpoint" (Together's inference endpoints).
    kind = models.CharField(max_length=24, default="instance")
    observed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # History queries: one GPU over a time range.
            models.Index(fields=["gpu", "observed_at"], name="offer_gpu_observed"),
        ]

    def __str__(self):
        return f"{self.provider} {self.provider_sku} ${self.usd_per_hour}/h"


class ProviderState(models.Model):
    """Per provider: the latest good poll (what readers serve) and the latest attempt."""

    provider = models.CharField(max_length=20, unique=True)
    current_poll = models.ForeignKey(PollRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_attempt = models.ForeignKey(PollRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Claim for "two polls of the same provider never run at once": a conditional update sets it.
    locked_until = models.DateTimeField(null=True, blank=True)
    lock_token = models.CharField(max_length=40, blank=True)

    def __str__(self):
        return self.provider


class PriceHistoryPoint(models.Model):
    """One poll's on-demand offers for one GPU model (or family), summarised: the rollup the
    history charts, the history API, trend marks and alerts read instead of scanning Offer.

    Written in the poll's own transaction (pricing.services.snapshot_record), so a poll's offers and its
    rollup appear together; rebuilt from Offer by ``manage.py rebuild_price_history``. Never
    deleted, like Offer.

    Dimensions, all in one table so every read is one index range scan:
    - ``gpu_key``: a GPU slug ("h100-sxm"), or for a family of several models the sorted slugs
      joined with "+" ("h100-nvl+h100-pcie+h100-sxm"), so "H100" has an exact median per poll.
    - ``region``: "" for every region, else a continent ("US", "EU", "Asia", "Other").
    - ``gpu_count``: 0 for every count, else offers of exactly that many GPUs (all regions only).
    """

    # No separate poll index: the unique constraint starts with poll.
    poll = models.ForeignKey(PollRun, on_delete=models.PROTECT, related_name="+", db_index=False)
    provider = models.CharField(max_length=20)
    gpu_key = models.CharField(max_length=200)
    region = models.CharField(max_length=8, blank=True)
    gpu_count = models.PositiveSmallIntegerField(default=0)
    observed_at = models.DateTimeField()
    min_usd_per_gpu_hour = models.DecimalField(max_digits=12, decimal_places=4)
    median_usd_per_gpu_hour = models.DecimalField(max_digits=12, decimal_places=4)
    best_availability = models.CharField(max_length=12, choices=Availability.choices)
    offer_count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "gpu_key", "region", "gpu_count"], name="pricehistory_poll_key_uniq"),
        ]
        indexes = [
            # Covering (Postgres INCLUDE): a series is read by an index-only scan, without visiting
            # one random heap page per poll (bench/history_scale.py).
            models.Index(fields=["gpu_key", "region", "gpu_count", "observed_at"], name="pricehistory_series",
                         include=["provider", "min_usd_per_gpu_hour", "median_usd_per_gpu_hour",
                                  "best_availability", "offer_count"]),
        ]

    def __str__(self):
        return f"{self.provider} {self.gpu_key} {self.observed_at:%Y-%m-%d %H:%M} ${self.min_usd_per_gpu_hour}"
