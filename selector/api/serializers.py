"""Input validation and documented output shapes for the selector API.

Optional string filters treat "" as not given (forms send blanks). Inputs are strict where DRF is
lenient: a number must be a JSON number (not a string, not
``true``), finite (``NaN``/``Infinity``/``1e400`` rejected) and in range. Form input (a QueryDict:
the browsable API's HTML form) may send numbers as strings; JSON may not. Unknown extra fields are
ignored. ``validated_data`` holds JSON primitives only.

The input serializers hand the views a typed question (``.query()``: ``selector.query``); the page
forms make the same question themselves (``wizard.questions``) and share this module's rules
through ``selector.query`` (the GPU-name check, ``TRAINING_HOURS_MAX``, the electricity default)
and ``selector.workload`` (the workload defaults). The output serializers document the response
for OpenAPI, and ``compare_answer_dict`` / ``instances_answer_dict`` turn the services' typed
answers into it (the pages read the same shape).
"""

from __future__ import annotations

import copy

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from pricing.providers.registry import PROVIDERS
from pricing.regions import CONTINENTS, continent_of, normalize_continent
from selector import engine
from selector.api.estimate import WorkloadSerializer
from selector.api.fields import (  # noqa: F401  (re-exported for the wizard and tests)
    StrictBooleanField,
    StrictIntegerField,
    StrictNumberField,
    _form_input,
)
from selector.engine import SORTS
from selector.query import (
    DEFAULT_ELECTRICITY_USD_PER_KWH,
    LIMIT_MAX,
    TRAINING_HOURS_MAX,
    CompareQuery,
    InstancesQuery,
    gpus_named,
)


def _gpu_names() -> list[str]:
    from pricing.gpus import GPUS

    names = []
    for g in GPUS:
        names += [g.name, g.slug, *g.aliases, *g.families]
    return list(dict.fromkeys(names))


class NamedChoiceFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI enums for the name fields (matching is case-insensitive and alias-aware; the enum
    lists the canonical spellings)."""

    target_class = "selector.api.serializers.StrictCharField"
    match_subclasses = True

    def get_name(self):
        # One named component per choice set, so the enums are not repeated under each field name.
        f = self.target
        base = {GpuModelField: "GpuName", ProviderSlugField: "ProviderSlug", ContinentField: "Continent"}.get(type(f))
        if base is None:
            return None
        return base + ("OrBlank" if f.allow_blank else "")

    def map_serializer_field(self, auto_schema, direction):
        f = self.target
        schema = {"type": "string"}
        if isinstance(f, GpuModelField):
            schema["enum"] = _gpu_names()
        elif isinstance(f, ProviderSlugField):
            schema["enum"] = list(PROVIDERS)
        elif isinstance(f, ContinentField):
            schema["enum"] = list(CONTINENTS)
        elif f.max_length is not None:
            schema["maxLength"] = f.max_length
        if "enum" in schema and f.allow_blank:
            schema["enum"].append("")
        elif not f.allow_blank:
            schema["minLength"] = 1
        return schema


def _known_providers() -> str:
    return ", ".join(PROVIDERS)


class StrictCharField(serializers.CharField):
    """A string: JSON numbers are rejected (DRF would turn 0 into "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, str) and not _form_input(self):
            self.fail("invalid")
        return super().to_internal_value(data)


class GpuModelField(StrictCharField):
    """A GPU name or alias from the catalog ("RTX 4090", "4090", "A100 80GB"). ``family=True``
    accepts a family that means several models ("H100"); otherwise one model must be resolvable."""

    def __init__(self, *, family: bool = False, **kwargs):
        self.family = family
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip()
        if self.max_length is not None and len(value) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        try:
            gpus_named(value, family=self.family)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class ProviderSlugField(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data).strip().lower()
        if value not in PROVIDERS:
            raise serializers.ValidationError(f"Unknown provider {data[:40]!r}. Known providers: {_known_providers()}.")
        return value


class ContinentField(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = normalize_continent(super().to_internal_value(data))
        if value is None:
            raise serializers.ValidationError(f"Unknown continent {data[:40]!r}. Choose one of: {', '.join(CONTINENTS)}.")
        return value


def _shallow(field):
    new = object.__new__(type(field))
    new.__dict__.update(field.__dict__)
    return new


class _CheapFieldCopies(serializers.Serializer):
    """DRF deep-copies every declared field for each serializer instance, re-running each field's
    ``__init__``: most of the time spent validating a compare-costs body. A declared field is never
    bound (DRF binds the copies) and is not changed by validating, so a shallow copy of it is as
    good; a list's child is copied too and made the copy's own (``root`` walks up from it, to tell
    form input from JSON); a nested serializer is deep-copied as DRF does."""

    def get_fields(self):
        out = {}
        for name, f in self._declared_fields.items():
            if isinstance(f, serializers.BaseSerializer):
                out[name] = copy.deepcopy(f)
                continue
            new = out[name] = _shallow(f)
            child = getattr(f, "child", None)
            if child is not None:
                new.child = _shallow(child)
                new.child.parent = new
        return out


class _FilterFields(_CheapFieldCopies):
    gpu_type = GpuModelField(family=True, required=False, allow_null=True, allow_blank=True,
                             help_text='Only this GPU model or family; aliases accepted ("A100 80GB", "H100", "4090").')
    min_memory_gb = StrictNumberField(required=False, min_value=0, max_value=4096, default=0,
                                      help_text="Minimum memory per GPU, GB.")
    region = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=100,
                                   help_text="Only offers in this exact region (as the provider names it).")
    continent = ContinentField(required=False, allow_null=True, allow_blank=True,
                               help_text="US | EU | Asia (| Other); blank: any.")


class _PageFields(serializers.Serializer):
    limit = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=LIMIT_MAX,
        help_text=f"Only the first N (1-{LIMIT_MAX}) in the chosen order; count, summary and excluded stay over "
                  "every match. Default: all.")
    offset = StrictIntegerField(required=False, default=0, min_value=0, max_value=10_000_000,
                                help_text="Skip this many before the first returned (with limit: paging).")


class CompareCostsInputSerializer(_FilterFields, _PageFields):
    training_hours = StrictNumberField(gt=0, max_value=TRAINING_HOURS_MAX, required=False,
                                       help_text=f"Hours of training (> 0, at most {TRAINING_HOURS_MAX}), excluding setup; "
                                                 "on the reference GPU if given.")
    local_gpu_type = GpuModelField(required=False, allow_null=True, allow_blank=True,
                                   help_text='Your own GPU ("RTX 4090"): adds the "local" option.')
    local_electricity_cost = StrictNumberField(required=False, min_value=0, max_value=10, default=DEFAULT_ELECTRICITY_USD_PER_KWH,
                                               help_text="USD per kWh.")
    local_power_watts = StrictNumberField(required=False, allow_null=True, gt=0, max_value=10000,
                                          help_text="Power draw of the local GPU, W (> 0; default: its board power).")
    gpu_count = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=64,
        help_text="GPUs per instance. Without it: 1, or with a workload (or any_gpu_count) each GPU model at the "
                  "smallest count the job fits on (the other counts are listed in excluded).")
    any_gpu_count = StrictBooleanField(
        required=False, default=False,
        help_text="Without gpu_count and workload: each GPU model at its smallest offered count instead of 1.")
    providers = serializers.ListField(child=ProviderSlugField(min_length=1), required=False, allow_null=True, allow_empty=False,
                                      min_length=1, max_length=20, help_text="Only these providers (slugs).")
    reference_gpu = GpuModelField(required=False, allow_null=True, allow_blank=True,
                                  help_text="The GPU on which training_hours holds; other GPUs and counts scale by "
                                            "the estimator's relative throughput (for a 7B LoRA job).")
    include_unavailable = StrictBooleanField(required=False, default=True)
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="cost", error_messages={
        "invalid_choice": '"{input}" is not a valid sort. Choose one of: ' + ", ".join(SORTS) + "."})
    allow_interruptible = StrictBooleanField(
        required=False, default=False,
        help_text="Let interruptible (bid) offers be picked as cheapest/fastest/recommended.")

    workload = WorkloadSerializer(
        required=False, allow_null=True,
        help_text="Optional: estimate training hours per GPU model and count from the job (replaces training_hours). "
                  "A fine-tune (method lora, qlora or full) also lists Together's fine-tuning, priced per token.")
    include_inference_endpoints = StrictBooleanField(
        required=False, default=False,
        help_text="List Together's dedicated inference endpoints too. They serve a hosted model and cannot run a "
                  "training job, so they are left out (see excluded) unless asked for.")
    validation_tokens = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**13,
        help_text="Fine-tune: tokens in the validation set (counted once per evaluation by per-token services).")
    evaluations = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=10000,
        help_text="Fine-tune: how many times the validation set is evaluated (Together's n_evals).")

    def validate_providers(self, value):
        return list(dict.fromkeys(value)) if value else value

    def validate(self, attrs):
        if attrs.get("training_hours") is None and not attrs.get("workload"):
            raise serializers.ValidationError({"training_hours": "This field is required (or give a workload)."})
        return attrs

    def query(self) -> CompareQuery:
        return CompareQuery.from_validated(self.validated_data)


class InstancesInputSerializer(_FilterFields, _PageFields):
    provider = ProviderSlugField(required=False, allow_null=True, allow_blank=True)
    gpu_count = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=64,
                                   help_text="GPUs per instance (default: any).")
    available_only = StrictBooleanField(required=False, default=False)

    def query(self) -> InstancesQuery:
        return InstancesQuery.from_validated(self.validated_data)


# --- Output shapes (OpenAPI) ------------------------------------------------------------------------

class MinutesRangeSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()


class HoursRangeSerializer(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()


AVAILABILITY_CHOICES = ("high", "medium", "low", "unavailable")


class OptionSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='Stable: "<provider>:<sku>:<region>:<count>" or "local:<gpu slug>".')
    provider = serializers.CharField()
    provider_name = serializers.CharField()
    gpu_type = serializers.CharField(help_text="Catalog name.")
    gpu_slug = serializers.CharField()
    gpu_count = serializers.IntegerField()
    gpu_memory_gb = serializers.IntegerField(help_text="Per GPU.")
    hourly_rate = serializers.FloatField(help_text="USD per hour for the whole offer (local: electricity; per_token: "
                                                   "total_cost over the estimated training hours).")
    billing = serializers.ChoiceField(choices=("per_hour", "per_second", "per_token", "local"), help_text=(
        "per_hour: priced per hour, billed per minute or hour; per_second; per_token: a managed service priced per "
        "token processed (total_cost = tokens x price); local: your electricity."))
    tokens = serializers.DictField(allow_null=True, required=False, help_text=(
        "per_token only: tokens_processed (dataset x epochs + validation x evaluations) and usd_per_million_tokens."))
    training_hours = serializers.FloatField(help_text="Training hours on this option's GPUs.")
    training_hours_range = HoursRangeSerializer(allow_null=True)
    overhead_hours = serializers.FloatField(
        allow_null=True, help_text="With a workload: the fixed costs (download, load, checkpoints, evaluation) inside training_hours.")
    gpus_needed = serializers.IntegerField(
        allow_null=True, help_text="With a workload: the fewest GPUs of this model the job fits on (null: none).")
    setup_minutes = MinutesRangeSerializer()
    setup_time = serializers.CharField(help_text='Words, e.g. "5-10 minutes", "Immediate (if available)".')
    finish_hours = serializers.FloatField(help_text="setup_minutes.max / 60 + training_hours.")
    total_cost = serializers.FloatField(help_text="USD, rounded half-up to cents.")
    availability = serializers.ChoiceField(choices=AVAILABILITY_CHOICES)
    availability_reported = serializers.BooleanField(
        help_text="False: the provider did not report stock (built-in list prices, or no stock data); availability "
                  "is then its typical level, not live, and is never ranked as live stock.")
    region = serializers.CharField(allow_blank=True)
    any_region = serializers.BooleanField(required=False,
                                          help_text="A list price not tied to a region; region filters let it through.")
    tier = serializers.CharField(allow_blank=True, required=False, help_text="community | secure | blank.")
    continent = serializers.CharField(allow_null=True)
    interruptible = serializers.BooleanField()
    source = serializers.CharField(help_text="live | catalog | local")
    as_of = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    provider_sku = serializers.CharField(allow_blank=True)
    pros = serializers.ListField(child=serializers.CharField())
    cons = serializers.ListField(child=serializers.CharField())
    trend = serializers.CharField(
        allow_null=True, required=False,
        help_text='From the price history: "lowest in 30 days", "up 12% this week", ...; null if nothing to say.')


class SavingsSerializer(serializers.Serializer):
    amount = serializers.FloatField(help_text="Local total_cost minus recommended total_cost, USD.")
    percent = serializers.FloatField(allow_null=True, help_text="amount / local total_cost x 100.")
    local_saves = serializers.FloatField(allow_null=True, required=False,
                                         help_text="best_cloud total_cost minus local total_cost, USD (> 0: local is cheaper).")
    local_extra_hours = serializers.FloatField(allow_null=True, required=False,
                                               help_text="How much later the local GPU finishes than best_cloud, hours.")


class SummarySerializer(serializers.Serializer):
    cheapest = OptionSerializer(allow_null=True)
    fastest = OptionSerializer(allow_null=True, help_text="Quickest setup (shown as 'Quickest to start').")
    finishes_first = OptionSerializer(allow_null=True, required=False,
                                      help_text="Earliest finish: setup_minutes.max / 60 + training_hours.")
    recommended = OptionSerializer(allow_null=True)
    recommendation_reason = serializers.CharField()
    local = OptionSerializer(allow_null=True)
    best_cloud = OptionSerializer(allow_null=True, required=False, help_text="The cheapest cloud option that may be chosen.")
    savings_vs_local = SavingsSerializer(allow_null=True)
    local_excluded = serializers.CharField(allow_null=True, required=False,
                                           help_text="Why the local GPU is not an option (memory, does not fit).")


class ExcludedSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=(
        "memory", "provider", "gpu_type", "gpu_count", "region", "continent", "unavailable", "does_not_fit",
        "no_prices", "inference_endpoint", "per_token_service"))
    reason = serializers.CharField()
    count = serializers.IntegerField(help_text="How many offers this reason left out.")
    ids = serializers.ListField(child=serializers.CharField(), help_text="The first 20 of them.")


class PriceFreshnessSerializer(serializers.Serializer):
    provider = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=("ok", "failing", "suspect", "no data", "polling"))
    source = serializers.ChoiceField(choices=("live", "catalog"), allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    stale_reason = serializers.CharField(allow_null=True, help_text=(
        "Why the prices are stale: the failed or suspect poll's reason, or their age. A suspect poll "
        "(prices jumped, came back empty, lost most GPU types) is held back until an operator accepts it."))
    age_seconds = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    offer_count = serializers.IntegerField()
    state = serializers.ChoiceField(choices=("live", "list", "stale", "failed", "none"), required=False)
    list_age_days = serializers.IntegerField(allow_null=True, required=False,
                                             help_text="Built-in price lists: days since the list's date.")
    list_stale = serializers.BooleanField(required=False, help_text="Older than CATALOG_STALE_DAYS.")


class CompareCostsOutputSerializer(serializers.Serializer):
    options = OptionSerializer(many=True, help_text="Every option, or the page asked for with limit/offset.")
    count = serializers.IntegerField(help_text="How many options match (all of them, whatever the limit).")
    summary = SummarySerializer()
    excluded = ExcludedSerializer(many=True)
    prices = PriceFreshnessSerializer(many=True)
    estimate = serializers.DictField(required=False, help_text="With a workload: the training-time estimate.")
    notes = serializers.ListField(child=serializers.CharField(), required=False,
                                  help_text="With a workload: how the estimated hours shaped the ranking.")


class InstanceSerializer(serializers.Serializer):
    id = serializers.CharField()
    provider = serializers.CharField()
    provider_name = serializers.CharField()
    gpu_type = serializers.CharField()
    gpu_slug = serializers.CharField()
    gpu_count = serializers.IntegerField()
    gpu_memory_gb = serializers.IntegerField()
    hourly_rate = serializers.FloatField()
    price_per_gpu_hour = serializers.FloatField()
    availability = serializers.ChoiceField(choices=AVAILABILITY_CHOICES)
    availability_reported = serializers.BooleanField()
    region = serializers.CharField(allow_blank=True)
    continent = serializers.CharField(allow_null=True)
    interruptible = serializers.BooleanField()
    source = serializers.ChoiceField(choices=("live", "catalog"))
    as_of = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    provider_sku = serializers.CharField()
    tier = serializers.CharField(allow_blank=True, required=False)
    any_region = serializers.BooleanField(required=False)
    setup_minutes = MinutesRangeSerializer()
    setup_time = serializers.CharField()


class InstancesOutputSerializer(serializers.Serializer):
    instances = InstanceSerializer(many=True, help_text="Every match, or the page asked for with limit/offset.")
    count = serializers.IntegerField(help_text="How many instances match (all of them, whatever the limit).")
    prices = PriceFreshnessSerializer(many=True)


class SetupInstructionsSerializer(serializers.Serializer):
    provider = serializers.CharField()
    name = serializers.CharField()
    estimated_time = serializers.CharField()
    estimated_minutes = MinutesRangeSerializer()
    steps = serializers.ListField(child=serializers.CharField())
    signup_url = serializers.CharField(allow_blank=True)
    docs_url = serializers.CharField(allow_blank=True)


class DroppedRowSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="unknown GPU | unpriced SKU | bad row | failed check")
    item = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)


class PollRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="running | ok | failed | suspect")
    source = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    request_count = serializers.IntegerField(help_text="HTTP requests the poll made (retries included).")
    offer_count = serializers.IntegerField()
    complete = serializers.BooleanField(help_text="False when the poll could not see everything.")
    coverage_note = serializers.CharField(allow_null=True)
    suspect_reason = serializers.CharField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    dropped_count = serializers.IntegerField()
    dropped_by_reason = serializers.DictField(child=serializers.IntegerField())
    dropped = DroppedRowSerializer(many=True)
    unknown_gpus = serializers.ListField(child=serializers.CharField())


class ProviderStatusSerializer(PriceFreshnessSerializer):
    last_poll = PollRecordSerializer(allow_null=True, help_text="The provider's latest poll attempt.")
    setup_minutes = MinutesRangeSerializer()
    setup_time = serializers.CharField()
    billing_increment_seconds = serializers.IntegerField()


class ProvidersOutputSerializer(serializers.Serializer):
    providers = ProviderStatusSerializer(many=True)
    count = serializers.IntegerField()


class GpuSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    vendor = serializers.CharField()
    memory_gb = serializers.IntegerField()
    board_power_w = serializers.IntegerField()
    bf16_tflops = serializers.FloatField(allow_null=True)
    fp16_tflops = serializers.FloatField()
    peak_tflops = serializers.FloatField()
    gpu_class = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    families = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField()


class GpusOutputSerializer(serializers.Serializer):
    gpus = GpuSerializer(many=True)
    count = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    detail = serializers.CharField()
    example = serializers.DictField(help_text="An example request body.")


from .base import ErrorSerializer  # noqa: E402,F401  (shared with the other API modules)

# --- Typed answers -> the documented JSON shapes ------------------------------------------------------

def option_dict(a, *, hours_band: bool = False) -> dict:
    """One ``AnsweredOption`` (an engine Option and its trend word) as OptionSerializer's shape."""
    o = a.option
    i = o.input
    band = {"low": o.hours_low, "high": o.hours_high} if o.hours_low is not None and o.hours_high is not None else None
    d = {
        "id": i.id,
        "provider": i.provider,
        "provider_name": i.provider_name,
        "gpu_type": i.gpu_type,
        "gpu_slug": i.gpu_slug,
        "gpu_count": i.gpu_count,
        "gpu_memory_gb": i.gpu_memory_gb,
        "hourly_rate": float(o.hourly_rate.quantize(engine.RATE_PLACES)),
        "billing": i.billing,
        "tokens": ({"tokens_processed": i.tokens, "usd_per_million_tokens": float(i.usd_per_million_tokens)}
                   if i.billing == "per_token" and i.tokens is not None and i.usd_per_million_tokens is not None
                   else None),
        "training_hours": o.training_hours,
        "training_hours_range": band,
        "overhead_hours": o.overhead_hours,
        "gpus_needed": o.min_gpu_count,
        "setup_minutes": {"min": i.setup_minutes[0], "max": i.setup_minutes[1]},
        "setup_time": i.setup_time,
        "finish_hours": round(o.finish_hours, 3),
        "total_cost": float(o.total_cost),
        "availability": i.availability,
        "availability_reported": i.availability_reported,
        "region": i.region,
        "continent": continent_of(i.region) if i.region else None,
        "interruptible": i.interruptible,
        "source": i.source,
        "as_of": i.as_of,
        "stale": i.stale,
        "provider_sku": i.provider_sku,
        "tier": i.tier,
        "any_region": i.any_region,
        "pros": list(i.pros),
        "cons": list(i.cons),
    }
    if hours_band:
        d["training_hours_low"] = o.hours_low if band else None
        d["training_hours_high"] = o.hours_high if band else None
    d["trend"] = a.trend
    return d


def compare_answer_dict(answer) -> dict:
    """A ``selector.compare.CompareAnswer`` as CompareCostsOutputSerializer's shape."""
    band = answer.hours_band

    def pick(a):
        return option_dict(a, hours_band=band) if a is not None else None

    savings = None
    if answer.savings_amount is not None:
        savings = {"amount": float(answer.savings_amount),
                   "percent": float(answer.savings_percent) if answer.savings_percent is not None else None,
                   "local_saves": float(answer.local_saves) if answer.local_saves is not None else None,
                   "local_extra_hours": answer.local_extra_hours}
    out = {
        "options": [option_dict(a, hours_band=band) for a in answer.options],
        "summary": {
            "cheapest": pick(answer.cheapest), "fastest": pick(answer.fastest),
            "finishes_first": pick(answer.finishes_first), "recommended": pick(answer.recommended),
            "recommendation_reason": answer.recommendation_reason, "local": pick(answer.local),
            "best_cloud": pick(answer.best_cloud), "savings_vs_local": savings,
            "local_excluded": answer.local_excluded,
        },
        "excluded": [dict(g) for g in answer.excluded],
        "prices": [f.as_dict() for f in answer.prices],
    }
    if answer.estimate is not None:
        out["estimate"] = answer.estimate
    if answer.notes is not None:
        out["notes"] = list(answer.notes)
    out["count"] = answer.count
    return out


def instances_answer_dict(answer) -> dict:
    """A ``selector.instances.InstancesAnswer`` as InstancesOutputSerializer's shape."""
    rows = []
    for i in answer.instances:
        rows.append({
            "id": i.id, "provider": i.provider, "provider_name": i.provider_name, "gpu_type": i.gpu_type,
            "gpu_slug": i.gpu_slug, "gpu_count": i.gpu_count, "gpu_memory_gb": i.gpu_memory_gb,
            "hourly_rate": float(i.hourly_rate.quantize(engine.RATE_PLACES)),
            "price_per_gpu_hour": float((i.hourly_rate / i.gpu_count).quantize(engine.RATE_PLACES)),
            "availability": i.availability, "availability_reported": i.availability_reported, "region": i.region,
            "continent": continent_of(i.region) if i.region else None, "interruptible": i.interruptible,
            "source": i.source, "as_of": i.as_of, "stale": i.stale, "provider_sku": i.provider_sku,
            "tier": i.tier, "any_region": i.any_region,
            "setup_minutes": {"min": i.setup_minutes[0], "max": i.setup_minutes[1]}, "setup_time": i.setup_time,
        })
    return {"instances": rows, "count": answer.count, "prices": [f.as_dict() for f in answer.prices]}
