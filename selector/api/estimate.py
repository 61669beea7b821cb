"""Estimate API: ``POST /api/cloud/estimate`` (training time and memory per GPU) and
``GET /api/cloud/local-gpu`` (the NVIDIA GPUs of the machine the server runs on).

``WorkloadSerializer`` is shared: compare-costs and the wizard validate their ``workload`` with it.
Numbers are strict: JSON numbers only (no strings, no booleans), finite, within range, so every bad
input is a 400 naming its field, never a 500.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from pricing.gpus import resolve_single_gpu
from pricing.local_gpu import detect_local_gpus
from selector.api.base import ERROR, GET_ERRORS, POST_ERRORS, GpuNameField, PublicApiView
from selector.api.fields import CheckpointingField, StrictIntegerField
from selector.api.fields import StrictNumberField as StrictFloatField
from selector.estimates import estimate
from selector.estimator import MAX_GPUS
from selector.query import gpus_named, unknown_gpu_message
from selector.workload import METHOD_DEFAULTS, METHODS, PRECISIONS, WORKLOAD_DEFAULTS


def _per_method(name: str) -> str:
    return ", ".join(f"{m} {d[name]}" for m, d in METHOD_DEFAULTS.items())


class WorkloadSerializer(serializers.Serializer):
    """A training job: the estimator's inputs. Everything but the model size and the dataset size
    has a default: ``selector.estimator.WORKLOAD_DEFAULTS`` / ``METHOD_DEFAULTS`` (docs/estimator.md says why)."""

    model_params_b = StrictFloatField(min_value=0.001, max_value=100_000, help_text="Model size, billions of parameters (7 for a 7B model).")
    method = serializers.ChoiceField(choices=METHODS, default=WORKLOAD_DEFAULTS["method"], help_text="pretrain, full (full fine-tune), lora or qlora (4-bit NF4 base).")
    precision = serializers.ChoiceField(choices=PRECISIONS, default=WORKLOAD_DEFAULTS["precision"], help_text="Training precision (compute dtype; QLoRA's base is always 4-bit).")
    dataset_tokens = StrictFloatField(required=False, min_value=1, max_value=1e15, help_text="Tokens in one epoch.")
    dataset_examples = StrictFloatField(required=False, min_value=1, max_value=1e9, help_text="Examples in one epoch (with avg_tokens_per_example).")
    avg_tokens_per_example = StrictFloatField(required=False, min_value=1, max_value=1_000_000)
    epochs = StrictFloatField(default=WORKLOAD_DEFAULTS["epochs"], min_value=0.001, max_value=10_000)
    seq_len = StrictIntegerField(required=False, min_value=1, max_value=10_000_000,
                                 help_text=f"Tokens per sequence. Default per method: {_per_method('seq_len')}.")
    micro_batch_size = StrictIntegerField(required=False, min_value=1, max_value=65_536,
                                          help_text=f"Sequences per GPU per step. Default per method: {_per_method('micro_batch_size')}.")
    gradient_checkpointing = CheckpointingField(
        default=WORKLOAD_DEFAULTS["gradient_checkpointing"],
        help_text='true, false or "auto" (default): off when the job fits without it, on when that makes it fit.')
    lora_rank = StrictIntegerField(default=WORKLOAD_DEFAULTS["lora_rank"], min_value=1, max_value=65_536)
    save_every_hours = StrictFloatField(default=WORKLOAD_DEFAULTS["save_every_hours"], min_value=0, max_value=10_000,
                                        help_text="A checkpoint every this many hours of training (0: only the final one).")
    eval_tokens = StrictFloatField(default=WORKLOAD_DEFAULTS["eval_tokens"], min_value=0, max_value=1e13,
                                   help_text="Tokens in one evaluation pass (with eval_passes).")
    eval_passes = StrictIntegerField(default=WORKLOAD_DEFAULTS["eval_passes"], min_value=0, max_value=100_000,
                                     help_text="Evaluation passes over eval_tokens during the run.")
    measured_tokens_per_second = StrictFloatField(required=False, min_value=1e-6, max_value=1e12,
                                                  help_text="Calibration: measured throughput of this workload (all measured GPUs together).")
    measured_hours = StrictFloatField(required=False, min_value=1e-6, max_value=1e7,
                                      help_text="Calibration: hours a past run of this same workload took.")
    measured_gpu_type = GpuNameField(required=False, max_length=100, help_text="GPU the measurement was taken on.")
    measured_gpu_count = StrictIntegerField(default=WORKLOAD_DEFAULTS["measured_gpu_count"], min_value=1, max_value=MAX_GPUS)

    def validate_measured_gpu_type(self, value: str) -> str:
        gpu = resolve_single_gpu(value)
        if gpu is None:
            raise serializers.ValidationError(unknown_gpu_message(value))
        return gpu.slug

    def validate(self, attrs):
        if "dataset_tokens" not in attrs:
            missing = [f for f in ("dataset_examples", "avg_tokens_per_example") if f not in attrs]
            if missing:
                raise serializers.ValidationError(
                    {"dataset_tokens": "Give dataset_tokens, or dataset_examples with avg_tokens_per_example."}
                )
            attrs["dataset_tokens"] = attrs["dataset_examples"] * attrs["avg_tokens_per_example"]
            if attrs["dataset_tokens"] > 1e15:
                raise serializers.ValidationError({"dataset_examples": "Dataset too large (over 10^15 tokens)."})
        measured = "measured_tokens_per_second" in attrs or "measured_hours" in attrs
        if measured and "measured_gpu_type" not in attrs:
            raise serializers.ValidationError({"measured_gpu_type": "Name the GPU the measurement was taken on."})
        if "measured_gpu_type" in attrs and not measured:
            raise serializers.ValidationError(
                {"measured_gpu_type": "Give measured_tokens_per_second or measured_hours with measured_gpu_type."}
            )
        return attrs


def validate_gpu_query(value: str) -> str:
    try:
        gpus_named(value, family=True)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None
    return value


class EstimateInputSerializer(serializers.Serializer):
    """``{"workload": {...}, "gpu_type", "gpu_count"}``; or the workload's fields at the top level
    beside ``gpu_type`` / ``gpu_count`` (``{"model_params_b": 7, "method": "lora", "dataset_tokens":
    1e8, "gpu_type": "RTX 4090", "gpu_count": 1}``), which is read as the same request. A body that
    mixes both is refused, naming the stray fields."""

    workload = WorkloadSerializer()
    gpu_type = GpuNameField(required=False, max_length=100,
                                     help_text="A GPU model or family ('H100' = every H100 variant). Default: every catalog GPU.")
    gpu_count = StrictIntegerField(default=1, min_value=1, max_value=MAX_GPUS)

    def validate_gpu_type(self, value: str) -> str:
        return validate_gpu_query(value)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            flat = [name for name in data if name in WorkloadSerializer._declared_fields]
            if flat and "workload" in data:
                raise serializers.ValidationError(
                    {name: "Give the workload's fields inside workload, or all of them at the top level, not both."
                     for name in flat})
            if flat:
                data = {**{k: v for k, v in data.items() if k not in flat},
                        "workload": {name: data[name] for name in flat}}
        return super().to_internal_value(data)


class MemoryBreakdownSerializer(serializers.Serializer):
    total = serializers.FloatField()
    weights = serializers.FloatField()
    gradients = serializers.FloatField()
    optimizer = serializers.FloatField()
    activations = serializers.FloatField()
    overhead = serializers.FloatField()


class OverheadSerializer(serializers.Serializer):
    hours = serializers.FloatField(help_text="All fixed costs, hours (= overhead_hours).")
    startup = serializers.FloatField()
    download = serializers.FloatField()
    load = serializers.FloatField()
    checkpoints = serializers.FloatField()
    evaluation = serializers.FloatField()
    checkpoint_saves = serializers.IntegerField()


class ScaleOptionSerializer(serializers.Serializer):
    gpu_count = serializers.IntegerField()
    training_hours = serializers.FloatField()
    training_hours_low = serializers.FloatField()
    training_hours_high = serializers.FloatField()
    tokens_per_second = serializers.FloatField()
    gpu_hours = serializers.FloatField()
    cost_usd = serializers.FloatField(allow_null=True, help_text="gpu_hours x usd_per_gpu_hour; null without a current price.")
    cost_usd_low = serializers.FloatField(allow_null=True)
    cost_usd_high = serializers.FloatField(allow_null=True)


class RateSerializer(serializers.Serializer):
    usd = serializers.FloatField(help_text="Lowest current on-demand USD per GPU-hour of this GPU model.")
    provider = serializers.CharField()
    provider_sku = serializers.CharField(allow_blank=True)


class GpuEstimateSerializer(serializers.Serializer):
    gpu_type = serializers.CharField(help_text="Catalog slug.")
    gpu_name = serializers.CharField()
    gpu_count = serializers.IntegerField()
    training_hours = serializers.FloatField(help_text="compute_hours + overhead_hours.")
    training_hours_low = serializers.FloatField()
    training_hours_high = serializers.FloatField()
    compute_hours = serializers.FloatField(help_text="Tokens / throughput.")
    overhead_hours = serializers.FloatField(help_text="Fixed costs: startup, model download and load, checkpoints, evaluation.")
    overhead = OverheadSerializer()
    gradient_checkpointing = serializers.BooleanField(help_text="What the estimate assumed (\"auto\" resolved).")
    tokens_per_second = serializers.FloatField(help_text="All GPUs together.")
    memory_gb_per_gpu = MemoryBreakdownSerializer(help_text="GiB per GPU, by part.")
    memory_gb_available = serializers.IntegerField()
    fits = serializers.BooleanField()
    min_gpus_to_fit = serializers.IntegerField(allow_null=True, help_text="Null: does not fit at any count.")
    scaling = ScaleOptionSerializer(many=True, help_text="At min_gpus_to_fit and twice it (empty when nothing fits).")
    usd_per_gpu_hour = RateSerializer(allow_null=True)
    reason = serializers.CharField(allow_blank=True, help_text="Why it does not fit; empty when it does.")
    assumptions = serializers.DictField(help_text="Utilisation, multi-GPU efficiency, sharding, basis, notes.")


class EstimateOutputSerializer(serializers.Serializer):
    flops = serializers.FloatField(help_text="Training FLOPs executed (recomputation included where requested).")
    flops_detail = serializers.DictField()
    estimates = GpuEstimateSerializer(many=True)
    prices = serializers.ListField(child=serializers.DictField(), help_text="How fresh each provider's prices are.")


class EstimateApi(PublicApiView):
    """Training FLOPs, hours (with a band), memory per GPU and fit, per GPU model and count."""

    InputSerializer = EstimateInputSerializer

    @extend_schema(
        operation_id="cloud_estimate",
        request=EstimateInputSerializer,
        responses={200: EstimateOutputSerializer, **POST_ERRORS},
        examples=[OpenApiExample("7B LoRA on 100M tokens", request_only=True, value={
            "workload": {"model_params_b": 7, "method": "lora", "dataset_tokens": 100_000_000},
            "gpu_type": "H100", "gpu_count": 1,
        }), OpenApiExample("The same, the workload's fields at the top level", request_only=True, value={
            "model_params_b": 7, "method": "lora", "dataset_tokens": 100_000_000, "gpu_type": "H100", "gpu_count": 1,
        })],
    )
    def post(self, request):
        serializer = EstimateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(estimate(serializer.validated_data))


class LocalGpuSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField(help_text="Name NVML reports.")
    gpu_type = serializers.CharField(allow_null=True, help_text="Catalog slug, null when unknown.")
    gpu_name = serializers.CharField(allow_null=True)
    memory_gb = serializers.FloatField()
    power_limit_w = serializers.FloatField(allow_null=True)


class LocalGpuOutputSerializer(serializers.Serializer):
    gpus = LocalGpuSerializer(many=True)
    driver_version = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class SignedInOrDebug(BasePermission):
    """The server's GPU and driver version describe the host: only for signed-in users (anyone
    in debug, i.e. on a developer's own machine)."""

    message = "Sign in to see this server's GPUs (/accounts/login/)."

    def has_permission(self, request, view):
        return bool(settings.DEBUG or (request.user and request.user.is_authenticated))


class LocalGpuApi(PublicApiView):
    """The NVIDIA GPUs of the machine this server runs on (NVML), mapped onto the GPU catalog.
    Signed-in users only (anyone in debug)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [SignedInOrDebug]

    def permission_denied(self, request, message=None, code=None):
        raise PermissionDenied(SignedInOrDebug.message)  # DRF's default says nothing about where

    @extend_schema(operation_id="cloud_local_gpu",
                   responses={200: LocalGpuOutputSerializer, 403: ERROR, **GET_ERRORS})
    def get(self, request):
        return Response(detect_local_gpus().as_dict())
