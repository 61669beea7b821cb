"""HTML forms. They parse, check and render; ``SelectorForm.to_query()`` and
``ConfigureForm.to_workload()`` hand the pages the same typed question the API's serializers make
(``wizard.questions``). The rules they share with the API have one home each: the workload defaults
(``selector.workload.WORKLOAD_DEFAULTS``), the GPU-name check and its message (``selector.query``),
the range of training hours (``selector.query.TRAINING_HOURS_MAX``)."""

from __future__ import annotations

from django import forms

from pricing.gpus import GPUS
from pricing.providers.registry import provider_names
from pricing.regions import CONTINENTS
from selector.query import TRAINING_HOURS_MAX, CompareQuery, gpus_named
from selector.workload import WORKLOAD_DEFAULTS, Workload

from . import questions
from .models import SortChoice, UserPreferences, ViewMode
from .questions import SAME_HOURS
from .services import NOTES_MAX_CHARS

METHOD_CHOICES = [
    ("lora", "LoRA fine-tuning"),
    ("qlora", "QLoRA (4-bit base model + LoRA)"),
    ("full", "Full fine-tuning"),
    ("pretrain", "Pre-training from scratch"),
]
PRECISION_CHOICES = [("bf16", "BF16"), ("fp16", "FP16"), ("fp32", "FP32")]

# Column sorts of the table: presentation only (the engine's sorts are cost, speed, availability).
COLUMN_SORTS = {
    "provider": "Provider", "gpu": "GPU", "tier": "Tier", "count": "GPUs", "memory": "Memory", "rate": "Hourly rate",
    "hours": "Training hours", "total": "Total cost", "setup": "Setup time", "availability": "Availability",
    "region": "Region",
}


def gpu_choices(blank: str = "Any GPU") -> list[tuple[str, str]]:
    return [("", blank)] + [(g.name, f"{g.name} ({g.memory_gb} GB)") for g in GPUS]


class GpuChoiceField(forms.ChoiceField):
    """A catalog GPU from a list, checked by the one GPU-name check the API uses
    (``selector.query.gpus_named``) with its one message. A name or alias that is not in the list but
    names one model ("4090") is taken as that model's ``to`` ("name" or "slug"); ``family=True`` also
    takes a family ("H100", a filter). Choices that are not GPUs (blank, "same") pass as they are."""

    def __init__(self, *, family: bool = False, to: str = "name", **kwargs):
        self.family, self.to = family, to
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value or self.valid_value(value):
            return value
        try:
            found = gpus_named(value, family=self.family)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid_choice") from None
        return getattr(found[0], self.to) if len(found) == 1 else value

    def validate(self, value):
        forms.Field.validate(self, value)  # to_python has checked the name


def measured_on_choices() -> list[tuple[str, str]]:
    return ([("", "My local GPU, if set"), (SAME_HOURS, "The same on every GPU")]
            + [(g.name, g.name) for g in GPUS])


def local_power_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Local GPU power (watts)", min_value=1, max_value=10000, required=False,
        help_text="Empty: the GPU's board power (e.g. 450 W for an RTX 4090).",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


def provider_choices() -> list[tuple[str, str]]:
    return list(provider_names().items())


class ConfigureForm(forms.Form):
    """Step 1: the job, the hours (estimated or known) and the local GPU. ``runs``: the user's jobs
    with a measured throughput (wizard.selectors.measured_runs), offered first to calibrate."""

    calibrate_from = forms.ChoiceField(
        label="Calibrate from one of your runs", required=False, choices=[],
        help_text="Its measured speed corrects the estimate for every GPU (scaled to this job).")

    model_params_b = forms.FloatField(
        label="Model size (billions of parameters)", min_value=0.001, max_value=10000,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    method = forms.ChoiceField(label="Training method", choices=METHOD_CHOICES, initial=WORKLOAD_DEFAULTS["method"])
    precision = forms.ChoiceField(label="Precision", choices=PRECISION_CHOICES, initial=WORKLOAD_DEFAULTS["precision"])
    dataset_tokens = forms.IntegerField(
        label="Dataset size (tokens)", min_value=1, max_value=10**15, required=False,
        help_text="Or give the number of examples and their average length below.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    dataset_examples = forms.IntegerField(label="Examples", min_value=1, max_value=10**9, required=False)
    avg_tokens_per_example = forms.IntegerField(label="Average tokens per example", min_value=1, max_value=1_000_000,
                                                required=False)
    epochs = forms.FloatField(label="Epochs", min_value=0.01, max_value=1000, initial=WORKLOAD_DEFAULTS["epochs"],
                              widget=forms.NumberInput(attrs={"step": "any"}))
    gpu_count = forms.IntegerField(label="GPU count", min_value=1, max_value=64, required=False,
                                   help_text="Empty: whatever fits (each GPU at the smallest count the job fits on).")
    min_memory_gb = forms.IntegerField(label="Minimum memory per GPU (GB)", min_value=1, max_value=1024, required=False)
    training_hours = forms.FloatField(
        label="I know my hours (overrides the estimate)", min_value=0.01, max_value=TRAINING_HOURS_MAX, required=False,
        help_text="Leave empty to use the estimate for each GPU.",
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    hours_measured_on = GpuChoiceField(
        label="Hours measured on", choices=measured_on_choices, required=False,
        help_text="With your hours: the GPU they hold on; other GPUs and counts scale by relative throughput.")
    local_gpu_type = GpuChoiceField(label="Your local GPU", choices=gpu_choices("No local GPU"), required=False)
    local_electricity_cost = forms.DecimalField(
        label="Electricity price (USD per kWh)", min_value=0, max_value=10, decimal_places=3, required=False,
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}))
    local_power_watts = local_power_field()

    def __init__(self, *args, runs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.runs = {str(r.job_id): r for r in runs}
        self.fields["calibrate_from"].choices = [(k, r.label) for k, r in self.runs.items()] + [
            ("", "Don't calibrate: use the model fitted to published runs")]

    def clean(self):
        data = super().clean()
        if not data.get("dataset_tokens") and not (data.get("dataset_examples") and data.get("avg_tokens_per_example")):
            if not data.get("training_hours"):
                raise forms.ValidationError(
                    "Give the dataset size (tokens, or examples and their average length), or the training hours you know.")
        elif not self.errors and not data.get("training_hours"):
            try:
                questions.workload_of(data)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return data

    def to_workload(self) -> Workload:
        """The job as a typed ``Workload`` (the form must be valid and give a dataset size)."""
        return questions.workload_of(self.cleaned_data)


class SelectorForm(forms.Form):
    """The selector's filters, sort and view: GET parameters, so every state has a URL."""

    # The job (standalone page only; the wizard takes these from step 1).
    training_hours = forms.FloatField(label="Training hours", min_value=0.01, max_value=TRAINING_HOURS_MAX, required=False,
                                      widget=forms.NumberInput(attrs={"step": "any"}))
    hours_measured_on = GpuChoiceField(label="Hours measured on", choices=measured_on_choices, required=False)
    gpu_count = forms.IntegerField(label="GPU count", min_value=1, max_value=64, required=False,
                                   widget=forms.NumberInput(attrs={"placeholder": "whatever fits"}))
    local_gpu_type = GpuChoiceField(label="Local GPU", choices=gpu_choices("No local GPU"), required=False)
    local_electricity_cost = forms.DecimalField(label="Electricity (USD/kWh)", min_value=0, max_value=10,
                                                decimal_places=3, required=False,
                                                widget=forms.NumberInput(attrs={"step": "0.001"}))
    local_power_watts = local_power_field()
    # Filters.
    gpu_type = GpuChoiceField(family=True, label="GPU type", choices=gpu_choices(), required=False)
    min_memory_gb = forms.IntegerField(label="Minimum memory (GB)", min_value=1, max_value=1024, required=False)
    providers = forms.MultipleChoiceField(label="Providers", choices=provider_choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    continent = forms.ChoiceField(label="Continent", choices=[("", "Anywhere")] + [(c, c) for c in CONTINENTS],
                                  required=False)
    region = forms.CharField(label="Region", max_length=60, required=False)
    include_unavailable = forms.BooleanField(label="Include unavailable options", required=False)
    allow_interruptible = forms.BooleanField(label="Allow interruptible (spot) offers", required=False)
    # Presentation.
    sort = forms.ChoiceField(choices=SortChoice.choices, required=False)
    order = forms.ChoiceField(choices=[("", "")] + [(k, k) for k in COLUMN_SORTS] + [(f"-{k}", k) for k in COLUMN_SORTS],
                              required=False)
    view = forms.ChoiceField(choices=ViewMode.choices, required=False)

    def to_query(self) -> CompareQuery:
        """The standalone selector's question (the form must be valid)."""
        return questions.compare_query(self.cleaned_data)


class PreferencesForm(forms.ModelForm):
    local_gpu_type = GpuChoiceField(label="Local GPU", choices=gpu_choices("No local GPU"), required=False)
    preferred_providers = forms.MultipleChoiceField(
        label="Preferred providers", choices=provider_choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="The selector starts filtered to these; none ticked means all.")
    local_electricity_cost = forms.DecimalField(
        label="Electricity price (USD per kWh)", min_value=0, max_value=10, decimal_places=3, required=False,
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}))
    min_memory_gb = forms.IntegerField(label="Minimum memory per GPU (GB)", min_value=1, max_value=1024, required=False)
    local_power_watts = local_power_field()

    class Meta:
        model = UserPreferences
        fields = ["local_gpu_type", "local_electricity_cost", "local_power_watts", "min_memory_gb", "preferred_providers",
                  "view_mode", "sort"]
        labels = {"min_memory_gb": "Minimum memory per GPU (GB)", "view_mode": "View mode", "sort": "Sort by"}


class NotesForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120, required=False)
    notes = forms.CharField(label="Notes", required=False, max_length=NOTES_MAX_CHARS,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ThroughputForm(forms.Form):
    """What a run really did, to calibrate the next estimate (wizard step 1 offers it first)."""

    tokens_per_second = forms.FloatField(
        label="Measured throughput (tokens per second, all GPUs together)", min_value=0.001, max_value=1e12,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    gpu_type = GpuChoiceField(to="slug", label="On GPU", choices=[(g.slug, g.name) for g in GPUS], required=False)
    gpu_count = forms.IntegerField(label="GPUs", min_value=1, max_value=4096, required=False)
