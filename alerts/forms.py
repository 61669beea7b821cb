"""The price alert form."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from pricing.models import GpuModel
from pricing.providers.registry import provider_names
from pricing.regions import CONTINENTS
from wizard.models import TrainingJob

from .models import PriceAlert


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
            queryset=TrainingJob.objects.filter(user=user), required=False, label="Saved training job",
            help_text="Only for a job-cost alert.", initial=getattr(self.instance, "job_id", None))

    def clean(self):
        data = super().clean()
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
