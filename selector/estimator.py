"""Training-time and memory estimator for transformer training jobs (pure Python, no Django).

Given a workload (model size, method, precision, dataset, batch shape) and a GPU model and count,
estimate the training FLOPs, the wall-clock hours with a low-high band, the memory each GPU needs
(each part shown) and the smallest GPU count the job fits on. The formulas, their sources and the
check against published training runs are in ``docs/estimator.md``; keep the two in step.

Conventions: FLOPs are hardware FLOPs actually executed (recomputation included); memory is in GiB
(the "80 GB" of an A100 80GB is 80 GiB), compared with ``GpuSpec.memory_gb``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pricing.gpus import GPUS_BY_SLUG, GpuSpec

METHODS = ("pretrain", "full", "lora", "qlora")
PRECISIONS = ("bf16", "fp16", "fp32")

GIB = 1024**3

# Sustained utilisation of the peak dense tensor throughput (hardware FLOPs, recomputation
# counted) for a full-parameter 16-bit run on one GPU: (low, typical, high).
# Datacenter: PaLM reports 46.2% MFU (Chowdhery et al. 2022, Table 3); Megatron-LM 52% of A100 peak
# at scale (Narayanan et al. 2021); LLaMA 65B ran at 380 tokens/s/GPU on A100 = ~47% (Touvron et
# al. 2023, sec. 2.4); Llama 3 405B 38-43% BF16 MFU on H100 (Llama 3 Herd paper, Table 4).
# Workstation and consumer cards: lower (GDDR memory bandwidth, small batches that fit in 24-48 GB,
# no NVLink); an engineering assumption, not a sourced figure.
UTILISATION: dict[str, tuple[float, float, float]] = {
    "datacenter": (0.30, 0.42, 0.55),
    "workstation": (0.25, 0.35, 0.45),
    "consumer": (0.20, 0.30, 0.40),
}

# Throughput relative to a full fine-tune at the same FLOPs count. LoRA: the paper measures a 25%
# speed-up on GPT-3 175B against the 50% its FLOPs saving would give (Hu et al. 2021, sec. 4.2),
# i.e. 1.25 / 1.5 = 0.83 of the full-fine-tune utilisation. QLoRA: the 4-bit base is dequantised
# to 16 bits for every matmul, forward and backward (Dettmers et al. 2023, sec. 3); 0.6 is an
# engineering assumption (commonly reported 30-40% slower than 16-bit LoRA), UNCERTAIN.
METHOD_EFFICIENCY = {"pretrain": 1.0, "full": 1.0, "lora": 0.83, "qlora": 0.6}


def multi_gpu_efficiency(gpu_count: int, interconnect: str) -> float:
    """Fraction of linear scaling kept by data-parallel (ZeRO/FSDP) training on ``gpu_count`` GPUs.

    One server (<= 8 GPUs) with NVLink/Infinity Fabric keeps ~95%, with PCIe ~80%; across servers
    ~90% / ~70%. Megatron-LM reports near-linear weak scaling to thousands of A100s with a fast
    fabric (Narayanan et al. 2021); the PCIe figures are an assumption (gradient all-reduce and
    ZeRO-3 parameter gathers go through the host at 32-64 GB/s instead of 600-900 GB/s).
    """
    if gpu_count <= 1:
        return 1.0
    fast = interconnect != "pcie"
    if gpu_count <= 8:
        return 0.95 if fast else 0.80
    return 0.90 if fast else 0.70


# Bytes per parameter for the model states.
_WEIGHT_BYTES = {"bf16": 2, "fp16": 2, "fp32": 4}
# NF4 4-bit weights plus double-quantised constants: 4 + 0.127 bits per parameter
# (Dettmers et al. 2023, sec. 3 "Double Quantization").
QLORA_WEIGHT_BYTES = (4 + 0.127) / 8
# AdamW: two moments, plus an fp32 master copy under mixed precision: 12 bytes per trainable
# parameter (ZeRO, Rajbhandari et al. 2020, sec. 3.1: "K = 12"); pure fp32: 8.
_ADAM_MIXED_BYTES = 12
_ADAM_FP32_BYTES = 8
# LoRA adapters are kept in fp32 (PEFT's default under autocast): weight 4 + grad 4 + Adam 8.
_ADAPTER_BYTES = 4

# Activations stored per transformer layer, per token, in units of hidden size, for 16-bit training
# without attention scores materialised (FlashAttention/SDPA): 34 (Korthikanti et al. 2022,
# "Reducing Activation Recomputation in Large Transformer Models", eq. 1 without the 5as/h term).
# With full activation checkpointing only each layer's 16-bit input (2 bytes x hidden) is kept,
# plus one layer's full activations while it is recomputed.
_ACT_BYTES_PER_HIDDEN = 34
_CKPT_BYTES_PER_HIDDEN = 2
# Logits and their gradient in fp32 for a 32k vocabulary (Llama 2); larger vocabularies need more.
VOCAB_SIZE = 32_000
# CUDA context, cuBLAS/NCCL workspaces (~1 GiB) plus allocator fragmentation (~10% of the rest).
_OVERHEAD_FIXED_GIB = 1.0
_OVERHEAD_FRACTION = 0.10
# Sharded training gathers whole layers before using them; FSDP prefetches the next one: two
# layers of 16-bit weights live unsharded at any time.
_GATHERED_LAYERS = 2
# Largest GPU count searched for min_gpus_to_fit.
MAX_GPUS = 4096

SHARDING_ASSUMPTION = (
    "On more than one GPU the model states (weights, gradients, optimizer) are sharded evenly "
    "across all GPUs (ZeRO-3 / FSDP FULL_SHARD); activations are per GPU (data parallel, no "
    "tensor or pipeline parallelism), and two gathered layers are added to the overhead."
)


@dataclass(frozen=True)
class Workload:
    """One training job. ``dataset_tokens`` is one epoch; every field but the first two has a default."""

    model_params_b: float
    dataset_tokens: float
    method: str = "lora"
    precision: str = "bf16"
    epochs: float = 1.0
    seq_len: int = 2048
    micro_batch_size: int = 4
    gradient_checkpointing: bool = True
    lora_rank: int = 16
    # Calibration: a measured throughput (tokens/s over all measured GPUs) or the hours a past run
    # of this same workload took, on measured_gpu_count GPUs of measured_gpu_type (a catalog slug).
    measured_tokens_per_second: float | None = None
    measured_hours: float | None = None
    measured_gpu_type: str | None = None
    measured_gpu_count: int = 1

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
        for name in ("model_params_b", "dataset_tokens", "epochs"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number")
        for name in ("seq_len", "micro_batch_size", "lora_rank", "measured_gpu_count"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1")
        measured = self.measured_tokens_per_second is not None or self.measured_hours is not None
        if measured and self.measured_gpu_type not in GPUS_BY_SLUG:
            raise ValueError("measured_gpu_type must name a catalog GPU when a measurement is given")

    @property
    def params(self) -> float:
        return self.model_params_b * 1e9

    @property
    def total_tokens(self) -> float:
        return self.dataset_tokens * self.epochs

    @property
    def trains_adapters(self) -> bool:
        return self.method in ("lora", "qlora")


def dataset_tokens_from_examples(examples: float, avg_tokens_per_example: float) -> float:
    return float(examples) * float(avg_tokens_per_example)


@dataclass(frozen=True)
class ModelShape:
    d_model: int
    n_layers: int


def model_shape(params: float) -> ModelShape:
    """Hidden size and depth of a typical dense decoder with ``params`` parameters.

    N ~= 12 x n_layers x d_model^2 (Kaplan et al. 2020, sec. 2.1) with d_model / n_layers ~= 128
    (Llama 2 7B: 4096/32; 13B: 5120/40; GPT-3 175B: 12288/96).
    """
    d = (params * 128 / 12) ** (1 / 3)
    return ModelShape(d_model=max(64, round(d)), n_layers=max(1, round(d / 128)))


def lora_params(w: Workload) -> float:
    """Trainable adapter parameters with LoRA on every linear layer (QLoRA's recommendation).

    Per layer, rank r adds r x (in + out) per matrix: attention q,k,v,o = 4 x 2d, a SwiGLU MLP with
    8/3 d intermediate = 3 x (d + 8/3 d) = 11d, so ~19 d r per layer (Llama 2 7B, r=16: ~40M).
    """
    shape = model_shape(w.params)
    return 19 * shape.d_model * w.lora_rank * shape.n_layers


@dataclass(frozen=True)
class Flops:
    total: float  # hardware FLOPs executed, recomputation included
    model: float  # the same without recomputation ("6ND" style, used for MFU)
    per_token: float
    tokens: float
    formula: str


def training_flops(w: Workload) -> Flops:
    """FLOPs for the whole job.

    Forward per token: 2N + 2 n_layers n_ctx d_model (Kaplan et al. 2020, eq. 2.2: matmuls plus
    attention scores). Full training: backward = 2 x forward, so 6N per token (Kaplan; Hoffmann et
    al. 2022 "Chinchilla", sec. 3 / App. F). LoRA/QLoRA: frozen weights need no weight gradients,
    only activation gradients (1 x forward), so 4N per token plus the adapters' own 6 x N_lora.
    Activation checkpointing reruns the forward: +2N (8N for full training, as in the BigScience
    "handy math" rule).
    """
    shape = model_shape(w.params)
    forward = 2 * w.params + 2 * shape.n_layers * w.seq_len * shape.d_model
    if w.trains_adapters:
        per_token = 2 * forward + 6 * lora_params(w)
        formula = "(2 x forward + 6 x adapter params) per token"
    else:
        per_token = 3 * forward
        formula = "3 x forward (6N) per token"
    model_per_token = per_token
    if w.gradient_checkpointing:
        per_token += forward
        formula += " + 1 forward recomputed (gradient checkpointing)"
    return Flops(
        total=per_token * w.total_tokens,
        model=model_per_token * w.total_tokens,
        per_token=per_token,
        tokens=w.total_tokens,
        formula=formula,
    )


@dataclass(frozen=True)
class MemoryBreakdown:
    weights: float
    gradients: float
    optimizer: float
    activations: float
    overhead: float

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer + self.activations + self.overhead

    def as_dict(self) -> dict[str, float]:
        parts = {
            "total": self.total, "weights": self.weights, "gradients": self.gradients,
            "optimizer": self.optimizer, "activations": self.activations, "overhead": self.overhead,
        }
        return {k: round(v, 2) for k, v in parts.items()}


def memory_per_gpu(w: Workload, gpu_count: int = 1) -> MemoryBreakdown:
    """GiB each GPU needs, by part. See SHARDING_ASSUMPTION for more than one GPU."""
    n = max(1, gpu_count)
    shape = model_shape(w.params)
    wbytes = _WEIGHT_BYTES[w.precision]
    if w.trains_adapters:
        base_bytes = QLORA_WEIGHT_BYTES if w.method == "qlora" else wbytes
        adapters = lora_params(w)
        weights = w.params * base_bytes + adapters * _ADAPTER_BYTES
        gradients = adapters * _ADAPTER_BYTES
        optimizer = adapters * _ADAM_FP32_BYTES
    else:
        weights = w.params * wbytes
        gradients = w.params * wbytes
        optimizer = w.params * (_ADAM_FP32_BYTES if w.precision == "fp32" else _ADAM_MIXED_BYTES)
        base_bytes = wbytes
    weights, gradients, optimizer = weights / n, gradients / n, optimizer / n

    act_scale = 2 if w.precision == "fp32" else 1
    sbd = w.seq_len * w.micro_batch_size * shape.d_model
    if w.gradient_checkpointing:
        layers = shape.n_layers * _CKPT_BYTES_PER_HIDDEN * sbd + _ACT_BYTES_PER_HIDDEN * sbd
    else:
        layers = shape.n_layers * _ACT_BYTES_PER_HIDDEN * sbd
    logits = w.seq_len * w.micro_batch_size * VOCAB_SIZE * 4 * 2
    activations = layers * act_scale + logits

    gathered = 0.0
    if n > 1:
        gathered = _GATHERED_LAYERS * (w.params / shape.n_layers) * base_bytes
    subtotal = (weights + gradients + optimizer + activations) / GIB
    overhead = _OVERHEAD_FIXED_GIB + _OVERHEAD_FRACTION * subtotal + gathered / GIB
    return MemoryBreakdown(
        weights=weights / GIB, gradients=gradients / GIB, optimizer=optimizer / GIB,
        activations=activations / GIB, overhead=overhead,
    )


def fits_on(w: Workload, gpu: GpuSpec, gpu_count: int) -> bool:
    return memory_per_gpu(w, gpu_count).total <= gpu.memory_gb


def min_gpus_to_fit(w: Workload, gpu: GpuSpec) -> int | None:
    """Smallest GPU count (up to MAX_GPUS) the job fits on; None when activations alone are too big."""
    if fits_on(w, gpu, 1):
        return 1
    if not fits_on(w, gpu, MAX_GPUS):
        return None
    lo, hi = 1, MAX_GPUS  # from 2 GPUs on, memory per GPU only shrinks with more GPUs: bisect
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits_on(w, gpu, mid):
            hi = mid
        else:
            lo = mid
    return hi


def peak_tflops(gpu: GpuSpec, precision: str) -> tuple[float, str]:
    """Peak dense TFLOPS for the precision, and the precision really used (V100/T4 have no BF16)."""
    if precision == "fp32":
        return gpu.fp32_tflops, "fp32"
    if precision == "bf16" and gpu.bf16_tflops is not None:
        return gpu.bf16_tflops, "bf16"
    return gpu.fp16_tflops, "fp16"


def _utilisation(gpu: GpuSpec) -> tuple[float, float, float]:
    return UTILISATION.get(gpu.gpu_class, UTILISATION["consumer"])


def _expected_tflops(gpu: GpuSpec, precision: str) -> float:
    """Typical sustained TFLOPS of one GPU: peak x typical utilisation of its class."""
    return peak_tflops(gpu, precision)[0] * _utilisation(gpu)[1]


@dataclass(frozen=True)
class GpuEstimate:
    gpu_slug: str
    gpu_name: str
    gpu_count: int
    training_hours: float
    training_hours_low: float
    training_hours_high: float
    tokens_per_second: float  # all GPUs together
    memory: MemoryBreakdown
    memory_gb_available: int
    fits: bool
    min_gpus_to_fit: int | None
    reason: str
    assumptions: dict = field(default_factory=dict)


# Band around a calibrated estimate: the measured GPU itself, another GPU of the same class,
# a GPU of another class (different memory system, so the peak ratio transfers less well).
_CALIBRATED_BAND = {"same_gpu": (0.9, 1.1), "same_class": (0.8, 1.25), "other_class": (0.7, 1.45)}


def _calibrated_tokens_per_second_per_gpu(w: Workload) -> tuple[float, GpuSpec] | None:
    if w.measured_gpu_type is None:
        return None
    ref = GPUS_BY_SLUG[w.measured_gpu_type]
    eff = multi_gpu_efficiency(w.measured_gpu_count, ref.interconnect)
    if w.measured_tokens_per_second is not None:
        total = w.measured_tokens_per_second
    elif w.measured_hours is not None:
        total = w.total_tokens / (w.measured_hours * 3600)
    else:
        return None
    return total / (w.measured_gpu_count * eff), ref


def estimate_training(w: Workload, gpu: GpuSpec, gpu_count: int = 1) -> GpuEstimate:
    """Hours, band, memory and fit of workload ``w`` on ``gpu_count`` GPUs of model ``gpu``."""
    n = max(1, int(gpu_count))
    flops = training_flops(w)
    peak, used_precision = peak_tflops(gpu, w.precision)
    low_u, typ_u, high_u = _utilisation(gpu)
    method_eff = METHOD_EFFICIENCY[w.method]
    scale_eff = multi_gpu_efficiency(n, gpu.interconnect)
    assumptions: dict = {
        "precision_used": used_precision,
        "peak_tflops_per_gpu": peak,
        "multi_gpu_efficiency": scale_eff,
        "interconnect": gpu.interconnect,
        "method_efficiency": method_eff,
        "sharding": SHARDING_ASSUMPTION if n > 1 else "single GPU, no sharding",
        "notes": [],
    }
    if used_precision != w.precision:
        assumptions["notes"].append(f"{gpu.name} has no BF16 tensor cores; estimated as FP16.")

    calibration = _calibrated_tokens_per_second_per_gpu(w)
    if calibration is not None:
        ref_tps, ref = calibration
        # Scale by relative expected throughput: peak x class utilisation (pure peak ratio when
        # both GPUs are of the same class).
        ratio = _expected_tflops(gpu, w.precision) / _expected_tflops(ref, w.precision)
        tps = ref_tps * ratio * n * scale_eff
        hours = w.total_tokens / tps / 3600
        if gpu.slug == ref.slug:
            band = _CALIBRATED_BAND["same_gpu"]
        elif gpu.gpu_class == ref.gpu_class:
            band = _CALIBRATED_BAND["same_class"]
        else:
            band = _CALIBRATED_BAND["other_class"]
        low, high = hours * band[0], hours * band[1]
        source = "measured throughput" if w.measured_tokens_per_second is not None else "measured hours"
        assumptions.update({
            "basis": f"calibrated from {source} on {w.measured_gpu_count} x {ref.name}",
            "relative_throughput_vs_measured_gpu": round(ratio, 3),
            "utilisation": round(flops.per_token * tps / n / (peak * 1e12), 3),
            "band_factors": list(band),
        })
    else:
        per_gpu = peak * 1e12 * method_eff * scale_eff
        tps = per_gpu * typ_u * n / flops.per_token
        hours = flops.total / (per_gpu * typ_u * n) / 3600
        low = flops.total / (per_gpu * high_u * n) / 3600
        high = flops.total / (per_gpu * low_u * n) / 3600
        assumptions.update({
            "basis": "peak specs x typical utilisation",
            "utilisation": typ_u,
            "utilisation_band": [low_u, high_u],
        })

    memory = memory_per_gpu(w, n)
    fits = memory.total <= gpu.memory_gb
    min_fit = min_gpus_to_fit(w, gpu)
    if fits:
        reason = ""
    elif min_fit is None:
        reason = (
            f"needs about {memory.total:.0f} GB per GPU, has {gpu.memory_gb} GB; activations alone "
            "exceed it at any count (lower micro_batch_size or seq_len, or turn on gradient checkpointing)"
        )
    else:
        reason = (
            f"needs about {memory.total:.0f} GB per GPU, has {gpu.memory_gb} GB; "
            f"fits on {min_fit} x {gpu.name}"
        )
    return GpuEstimate(
        gpu_slug=gpu.slug, gpu_name=gpu.name, gpu_count=n,
        training_hours=hours, training_hours_low=low, training_hours_high=high,
        tokens_per_second=tps, memory=memory, memory_gb_available=gpu.memory_gb,
        fits=fits, min_gpus_to_fit=min_fit, reason=reason, assumptions=assumptions,
    )


__all__ = [
    "GpuEstimate", "MemoryBreakdown", "METHODS", "PRECISIONS", "Workload", "dataset_tokens_from_examples",
    "estimate_training", "fits_on", "memory_per_gpu", "min_gpus_to_fit", "model_shape", "multi_gpu_efficiency",
    "peak_tflops", "training_flops",
]
