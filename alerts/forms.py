"""The price alert form, and which notifications to mark read."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms

from pricing.models import GpuModel
from pricing.providers.registry import provider_names
from pricing.regions import CONTINENTS
from wizard.models import TrainingJob
from wizard.selectors import jobs_visible_to

from .models import PriceAlert

MAX_ALERTS_PER_USER = 100


def job_gpu(job: TrainingJob) -> tuple[GpuModel | None, int | None]:
    """The GPU model and count of a saved job's chosen option."""
    chosen = job.chosen or {}
    gpu = GpuModel.objects.filter(slug=chosen.get("gpu_slug") or "").first()
    return gpu, (int(chosen["gpu_count"]) if chosen.get("gpu_count") else None)


class PriceAlertForm(forms.ModelForm):
    provider = forms.ChoiceField(required=False, label="Provider")
    region = forms.ChoiceField(required=False, label="Region",
                               choices=[("", "Anywhere"), *[(c, c) for c in CONTINENTS]])
    gpu_count = forms.IntegerField(required=False, min_value=1, max_value=64, label="GPU count",
                                   help_text="Leave empty for any number of GPUs.")
    threshold_usd = forms.DecimalField(required=False, min_value=Decimal("0.0001"), max_digits=12,
                                       decimal_places=4, label="Threshold (USD)",
                                       help_text="Per GPU-hour for a price alert; the whole job for a job alert.")

    class Meta:
        model = PriceAlert
        fields = ["gpu", "provider", "region", "gpu_count", "kind", "threshold_usd"]
        labels = {"gpu": "GPU model", "kind": "Notify me when"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["gpu"].queryset = GpuModel.objects.order_by("name")
        # A job-cost alert watches the job's own configuration (its GPU model and count): no GPU to pick.
        self.fields["gpu"].required = False
        self.fields["gpu"].help_text = "For a price or availability alert; a job alert uses the job's own GPU."
        self.fields["provider"].choices = [("", "Any provider"), *provider_names().items()]
        self.fields["job"] = forms.ModelChoiceField(
            queryset=jobs_visible_to(user) if user is not None else TrainingJob.objects.none(), required=False, label="Saved training job",
            help_text="Only for a job-cost alert.", initial=getattr(self.instance, "job_id", None))

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and self.user is not None and \
                PriceAlert.objects.filter(user=self.user).count() >= MAX_ALERTS_PER_USER:
            raise forms.ValidationError(f"You have {MAX_ALERTS_PER_USER} alerts, the most one account can keep. "
                                        "Delete one to add another.")
        kind = data.get("kind")
        if kind in (PriceAlert.Kind.PRICE, PriceAlert.Kind.JOB_COST) and data.get("threshold_usd") is None:
            self.add_error("threshold_usd", "Give the price at or below which you want to hear about it.")
        if kind == PriceAlert.Kind.JOB_COST and not data.get("job"):
            self.add_error("job", "Choose the saved training job to watch.")
        elif kind == PriceAlert.Kind.JOB_COST:
            gpu, count = job_gpu(data["job"])
            if gpu is not None:
                data["gpu"], data["gpu_count"] = gpu, count
            elif not data.get("gpu"):
                self.add_error("job", "That job has no GPU recorded: choose the GPU model to watch.")
        elif not data.get("gpu"):
            self.add_error("gpu", "Choose the GPU model to watch.")
        if kind == PriceAlert.Kind.AVAILABLE:
            data["threshold_usd"] = None
        return data

    def save(self, commit=True):
        alert = super().save(commit=False)
        alert.job = self.cleaned_data.get("job") if alert.kind == PriceAlert.Kind.JOB_COST else None
        return alert


# A database id as typed by a client: 1-18 ASCII digits (fits a signed 64-bit integer). str.isdigit()
# and int() accept far more: "²" and "①" are digits to isdigit() but not to int(), "٣" is 3 to
# int(), and a 5,000-digit string makes int() raise (Python's digit limit). A 30-digit number passes
# both, then overflows the database integer.
ID_PATTERN = r"\A[0-9]{1,18}\Z"
MAX_IDS = 200  # the page lists at most 200 notifications


class IdListField(forms.Field):
    """Every value of a repeated form field (``id=1&id=2``) as a list of bounded ASCII integers."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": "Each id must be a whole number of at most 18 digits (0-9).",
        "too_many": f"At most {MAX_IDS} ids at once.",
    }

    def to_python(self, value):
        values = [value] if isinstance(value, str) else list(value or [])
        if len(values) > MAX_IDS:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        ids = []
        for raw in values:
            if not isinstance(raw, str) or not re.fullmatch(ID_PATTERN, raw):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(int(raw))
        return ids


class MarkNotificationsReadForm(forms.Form):
    all = forms.BooleanField(required=False)
    id = IdListField(required=False)
    # Whose notices the ids are: "" the price-alert notifications, else a registered notice source
    # (alerts.notices, e.g. launch's team notices).
    source = forms.CharField(required=False, max_length=40)

    def clean_source(self) -> str:
        from .notices import source_names

        value = self.cleaned_data["source"]
        if value and value not in source_names():
            raise forms.ValidationError("Unknown kind of notice.")
        return value

    def ids(self) -> list[int] | None:
        """None: every notification; else the ids given (validated)."""
        return None if self.cleaned_data["all"] else self.cleaned_data["id"]
