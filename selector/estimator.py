"""Training-time and memory estimator for transformer training jobs (pure Python, no Django).

Given a workload (model size, method, precision, dataset, batch shape) and a GPU model and count,
estimate the training FLOPs, the throughput and wall-clock hours with a low-high band, the fixed
costs around the training loop (download, load, checkpoint saves, evaluation), the memory each GPU
needs (each part shown) and the smallest GPU count the job fits on.

The throughput model knows what limits a GPU: dense tensor peak per precision, memory bandwidth
(small models, small batches, element-wise kernels, QLoRA dequantisation), per-step overheads and
the GPU-to-GPU link (NVLink vs PCIe, inside and across servers). Its few free constants are fitted
to the published measurements in ``selector/data/throughput_measurements.csv`` by
``bench/fit_throughput.py``; ``docs/estimator.md`` explains the model, the fit and its errors.

Conventions: FLOPs are hardware FLOPs actually executed (recomputation included); memory is in GiB
(the "80 GB" of an A100 80GB is 80 GiB), compared with ``GpuSpec.memory_gb``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from pricing.gpus import GPUS_BY_SLUG, GpuSpec

METHODS = ("pretrain", "full", "lora", "qlora")
PRECISIONS = ("bf16", "fp16", "fp32")
CHECKPOINTING = (True, False, "auto")

GIB = 1024**3

# --- Defaults: the one home the API, the wizard and compare-costs read (through selector.estimates).
# Per method, what the common recipes use: 2048-token sequences; LoRA rank 8-64 (PEFT examples 16).
# Micro-batch: pretraining recipes (llm-foundry, torchtitan) fill memory with 6-40 sequences at 2k,
# and the default stays 8. Fine-tunes: "auto" (AUTO_MICRO_BATCH_TOKENS below): the recipes' 2 x 2048
# tokens per micro-batch, or the largest smaller micro-batch that fits the card (1 where 2 does not),
# as a practitioner whose job runs out of memory lowers it. Published fine-tunes hold ~2-8k tokens
# per micro-batch (torchtune's configs batch_size 2 at 2-4k, NeMo AutoModel's benchmarks 2 x 4096,
# Qwen's scripts 1 x 2048, TRL runs 2-8 x 1024 packed; Answer.AI's memory-filling runs 4-10 x 2048).
# Filling memory instead (up to 16k tokens) was tried and not taken: docs/estimator.md, "Micro-batch".
# Gradient checkpointing is "auto" (AUTO_CHECKPOINTING below): what the method's recipes do.
METHOD_DEFAULTS: dict[str, dict] = {
    "pretrain": {"seq_len": 2048, "micro_batch_size": 8},
    "full": {"seq_len": 2048, "micro_batch_size": "auto"},
    "lora": {"seq_len": 2048, "micro_batch_size": "auto"},
    "qlora": {"seq_len": 2048, "micro_batch_size": "auto"},
}
# "auto" micro-batch: the largest that fits the GPU's memory (checkpointing as resolved), up to this
# many tokens per micro-batch per GPU (2 sequences at 2048, 4 at 1024, 1 at 4096 or more).
AUTO_MICRO_BATCH_TOKENS = 4_096
# What "auto" gradient checkpointing assumes, per method: what the common recipes do. Pretraining
# recipes (llm-foundry, torchtitan, Megatron) turn it on only when the job does not fit without it.
# Fine-tuning recipes turn it on by default whether or not the job would fit: torchtune's configs
# (`enable_activation_checkpointing: True`), Unsloth (`use_gradient_checkpointing="unsloth"`),
# LLaMA-Factory (on unless `disable_gradient_checkpointing`), axolotl's examples
# (`gradient_checkpointing: true`), Qwen's and Answer.AI's fine-tuning scripts. So a fine-tune
# estimated with "auto" is estimated the way it will most likely run; send false for a recipe that
# turns it off (LitGPT's, for one) and the estimate says what that saves.
AUTO_CHECKPOINTING = {"pretrain": "when needed", "full": "on", "lora": "on", "qlora": "on"}
WORKLOAD_DEFAULTS: dict = {
    "method": "lora", "precision": "bf16", "epochs": 1.0, "gradient_checkpointing": "auto",
    "lora_rank": 16, "measured_gpu_count": 1, "save_every_hours": 1.0, "eval_tokens": 0.0, "eval_passes": 0,
}


def workload_defaults(method: str) -> dict:
    """Every default for a workload of ``method`` (its seq_len and micro_batch_size included)."""
    return {**WORKLOAD_DEFAULTS, **METHOD_DEFAULTS.get(method, METHOD_DEFAULTS["lora"]), "method": method}


# --- Fitted constants (bench/fit_throughput.py over the non-holdout rows of the data file). -------
# Keep in step with docs/estimator.md ("How the constants were fitted"); rerun the script after
# changing the model or the data and paste its output here.
FIT = {
    # Best sustained fraction of the dense tensor peak reached by the matmuls of a large, fully
    # compute-bound step (before the roofline, element-wise, overhead and communication terms).
    "matmul_efficiency": 0.85,
    # Bytes moved per token per layer by element-wise kernels (norms, activations, residuals,
    # softmax, dropout, casts), in units of d_model x 2 bytes, per pass (forward, backward, recompute).
    "elementwise_bytes": 118,
    # Effective bytes per parameter QLoRA moves per pass to dequantise its 4-bit base to 16 bits.
    "dequant_bytes": 36.3,
    # Fixed time per layer per micro-batch (kernel launches, Python, framework), seconds.
    "layer_overhead_s": 2.86e-08,
    # Extra fixed time per layer per micro-batch of LoRA adapters (14 small matmuls per layer and pass).
    "adapter_overhead_s": 2.84e-08,
    # Transfer time per byte relative to the link's nominal bandwidth (1: the datasheet figure).
    "exposed_communication": 0.919,
}
# Band around a default estimate, as published / estimated throughput: the 9th and 91st percentile
# of that ratio over the fit rows, rounded outwards, so ~80% of published values fall inside it
# (docs/estimator.md gives the coverage on every split). Fine-tunes scatter more (frameworks,
# kernels and batch sizes differ more than pretraining stacks do), so each kind has its own band;
# BAND is the one over all fit rows. Hours use the inverse factors.
BAND = (0.77, 1.28)
BAND_BY_KIND = {"pretraining": (0.78, 1.26), "fine-tuning": (0.77, 1.34)}


def band_for(method: str) -> tuple[float, float]:
    """The default estimate's band (published / estimated throughput) for a workload of ``method``."""
    return BAND_BY_KIND["pretraining" if method == "pretrain" else "fine-tuning"]

# GPU-to-GPU bandwidth across servers, GB/s per GPU and direction: 200 Gbit/s per GPU (the 1600
# Gbps RoCE per 8-GPU node of llm-foundry's tables; 400G-per-GPU H100 clusters are faster).
INTER_NODE_GBPS = 25.0
GPUS_PER_NODE = 8


@dataclass(frozen=True)
class Workload:
    """One training job. ``dataset_tokens`` is one epoch; every field but the first two has a default.

    ``seq_len`` and ``micro_batch_size`` default per method (METHOD_DEFAULTS) when left as None.
    ``micro_batch_size`` may be "auto" (the fine-tunes' default): the largest that fits the GPU
    estimated (``resolve_micro_batch``), up to AUTO_MICRO_BATCH_TOKENS tokens.
    ``gradient_checkpointing``: True, False or "auto" (fine-tunes: on, as their recipes run;
    pretraining: off when the job fits without it on the GPU and count estimated, on when that makes
    it fit).
    """

    model_params_b: float
    dataset_tokens: float
    method: str = "lora"
    precision: str = "bf16"
    epochs: float = 1.0
    seq_len: int | None = None
    micro_batch_size: int | str | None = None
    gradient_checkpointing: bool | str = "auto"
    lora_rank: int = 16
    # Calibration: a measured throughput (tokens/s over all measured GPUs) or the hours a past run
    # of this same workload took, on measured_gpu_count GPUs of measured_gpu_type (a catalog slug).
    measured_tokens_per_second: float | None = None
    measured_hours: float | None = None
    measured_gpu_type: str | None = None
    measured_gpu_count: int = 1
    # Fixed costs: a checkpoint every save_every_hours of training (0: only the final one) and
    # eval_passes evaluations over eval_tokens tokens each.
    save_every_hours: float = 1.0
    eval_tokens: float = 0.0
    eval_passes: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
        if self.gradient_checkpointing not in CHECKPOINTING or (
                isinstance(self.gradient_checkpointing, int) and not isinstance(self.gradient_checkpointing, bool)):
            raise ValueError("gradient_checkpointing must be true, false or \"auto\"")
        defaults = METHOD_DEFAULTS[self.method]
        if self.seq_len is None:
            object.__setattr__(self, "seq_len", defaults["seq_len"])
        if self.micro_batch_size is None:
            object.__setattr__(self, "micro_batch_size", defaults["micro_batch_size"])
        for name in ("model_params_b", "dataset_tokens", "epochs"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number")
        if self.micro_batch_size == "auto":
            pass
        elif isinstance(self.micro_batch_size, bool) or not isinstance(self.micro_batch_size, int):
            raise ValueError('micro_batch_size must be a whole number or "auto"')
        for name in ("seq_len", "micro_batch_size", "lora_rank", "measured_gpu_count"):
            if getattr(self, name) != "auto" and int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("save_every_hours", "eval_tokens", "eval_passes"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be zero or a positive finite number")
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

    @property
    def checkpointing(self) -> bool:
        """Recomputation on? "auto" is on for fine-tunes (AUTO_CHECKPOINTING); for pretraining, not
        yet resolved for a GPU, it counts as off."""
        if self.gradient_checkpointing == "auto":
            return AUTO_CHECKPOINTING[self.method] == "on"
        return self.gradient_checkpointing is True


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


def _forward_flops_per_token(w: Workload) -> float:
    shape = model_shape(w.params)
    return 2 * w.params + 2 * shape.n_layers * w.seq_len * shape.d_model


def training_flops(w: Workload) -> Flops:
    """FLOPs for the whole job.

    Forward per token: 2N + 2 n_layers n_ctx d_model (Kaplan et al. 2020, eq. 2.2: matmuls plus
    attention scores). Full training: backward = 2 x forward, so 6N per token (Kaplan; Hoffmann et
    al. 2022 "Chinchilla", sec. 3 / App. F). LoRA/QLoRA: frozen weights need no weight gradients,
    only activation gradients (1 x forward), so 4N per token plus the adapters' own 6 x N_lora.
    Activation checkpointing reruns the forward: +2N (8N for full training, as in the BigScience
    "handy math" rule). "auto" counts it for fine-tunes (AUTO_CHECKPOINTING); for pretraining,
    not yet resolved for a GPU, no recomputation is counted (each estimate says whether it assumed it).
    """
    forward = _forward_flops_per_token(w)
    if w.trains_adapters:
        per_token = 2 * forward + 6 * lora_params(w)
        formula = "(2 x forward + 6 x adapter params) per token"
    else:
        per_token = 3 * forward
        formula = "3 x forward (6N) per token"
    model_per_token = per_token
    if w.checkpointing:
        per_token += forward
        formula += " + 1 forward recomputed (gradient checkpointing)"
    elif w.gradient_checkpointing == "auto":
        formula += " (+ 1 forward where gradient checkpointing is needed to fit: see each estimate)"
    return Flops(
        total=per_token * w.total_tokens,
        model=model_per_token * w.total_tokens,
        per_token=per_token,
        tokens=w.total_tokens,
        formula=formula,
    )


# --- Memory ----------------------------------------------------------------------------------------

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
REPLICATED_ASSUMPTION = (
    "On more than one GPU each GPU holds the whole frozen model and its adapters (DDP, the default "
    "of accelerate/TRL, axolotl and LLaMA-Factory when the model fits one GPU); only the adapters' "
    "gradients are exchanged, so memory per GPU is the single-GPU figure."
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


def _with_checkpointing(w: Workload, on: bool) -> Workload:
    return w if w.gradient_checkpointing is on else replace(w, gradient_checkpointing=on)


def _micro_batch(w: Workload) -> int:
    """The micro-batch as a number: an unresolved "auto" counts as 1 (the smallest footprint)."""
    return 1 if w.micro_batch_size == "auto" else int(w.micro_batch_size)


def memory_per_gpu(w: Workload, gpu_count: int = 1) -> MemoryBreakdown:
    """GiB each GPU needs, by part. See SHARDING_ASSUMPTION for more than one GPU.

    With "auto" checkpointing or micro-batch (not resolved for a GPU) this is the smallest footprint,
    checkpointing on and one sequence per micro-batch: what the job needs at least."""
    n = max(1, gpu_count)
    ckpt = w.gradient_checkpointing is not False
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
    mb = _micro_batch(w)
    sbd = w.seq_len * mb * shape.d_model
    if ckpt:
        layers = shape.n_layers * _CKPT_BYTES_PER_HIDDEN * sbd + _ACT_BYTES_PER_HIDDEN * sbd
    else:
        layers = shape.n_layers * _ACT_BYTES_PER_HIDDEN * sbd
    logits = w.seq_len * mb * VOCAB_SIZE * 4 * 2
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




def resolve_checkpointing(w: Workload, gpu: GpuSpec, gpu_count: int) -> Workload:
    """``w`` with its "auto" choices decided for ``gpu_count`` x ``gpu``: gradient checkpointing
    (AUTO_CHECKPOINTING: fine-tunes on, as their recipes run; pretraining off when the job fits
    without it, on otherwise: it is what makes it fit, or the smallest footprint when nothing fits),
    then an "auto" micro-batch (``resolve_micro_batch``)."""
    if w.gradient_checkpointing == "auto":
        if AUTO_CHECKPOINTING[w.method] == "on":
            w = _with_checkpointing(w, True)
        else:
            w = _with_checkpointing(w, not fits_on(_with_checkpointing(w, False), gpu, gpu_count))
    return resolve_micro_batch(w, gpu, gpu_count)


def auto_micro_batch_cap(w: Workload) -> int:
    """The most sequences an "auto" micro-batch takes at ``w.seq_len`` (AUTO_MICRO_BATCH_TOKENS)."""
    return max(1, AUTO_MICRO_BATCH_TOKENS // int(w.seq_len))


def resolve_micro_batch(w: Workload, gpu: GpuSpec, gpu_count: int) -> Workload:
    """``w`` with an "auto" micro-batch decided: the largest, up to ``auto_micro_batch_cap``, whose
    memory per GPU fits ``gpu`` at ``gpu_count`` (a LoRA/QLoRA replicated across GPUs must fit one;
    a sharded job its share), with checkpointing as ``w`` has it ("auto" counts as on); 1 when
    none larger fits (the job may then not fit at all: ``min_gpus_to_fit`` says where it does)."""
    if w.micro_batch_size != "auto":
        return w
    one = replace(w, micro_batch_size=1)
    n = max(1, int(gpu_count))
    share = 1 if data_parallel_mode(one, gpu, n) == "replicated" else n
    for mb in range(auto_micro_batch_cap(w), 1, -1):
        candidate = replace(w, micro_batch_size=mb)
        if memory_per_gpu(candidate, share).total <= gpu.memory_gb:
            return candidate
    return one


# --- Throughput ------------------------------------------------------------------------------------


def peak_tflops(gpu: GpuSpec, precision: str) -> tuple[float, str]:
    """Peak dense TFLOPS for the precision, and the precision really used (V100/T4 have no BF16)."""
    if precision == "fp32":
        return gpu.fp32_tflops, "fp32"
    if precision == "bf16" and gpu.bf16_tflops is not None:
        return gpu.bf16_tflops, "bf16"
    return gpu.fp16_tflops, "fp16"


@dataclass(frozen=True)
class StepTime:
    """Seconds per token on one GPU, by what takes the time (resolved workload, one GPU of many)."""

    matmul: float
    elementwise: float
    weights: float
    overhead: float
    communication: float
    matmul_efficiency: float  # achieved fraction of the peak by the matmuls (roofline included)

    @property
    def total(self) -> float:
        return self.matmul + self.elementwise + self.weights + self.overhead + self.communication

    @property
    def limited_by(self) -> str:
        parts = {"compute": self.matmul, "memory bandwidth": self.elementwise + self.weights,
                 "per-step overhead": self.overhead, "GPU-to-GPU communication": self.communication}
        return max(parts, key=parts.get)


def data_parallel_mode(w: Workload, gpu: GpuSpec, gpu_count: int) -> str:
    """How ``gpu_count`` GPUs share a (resolved) job: "single"; "replicated" (DDP: a LoRA/QLoRA job
    whose frozen model fits one GPU, the default of accelerate/TRL, axolotl and LLaMA-Factory);
    "sharded" (FSDP / ZeRO-3 for everything else: full fine-tunes, pretraining, adapters too big
    for one GPU)."""
    if gpu_count <= 1:
        return "single"
    if w.trains_adapters and fits_on(w, gpu, 1):
        return "replicated"
    return "sharded"


def link_gbps(gpu: GpuSpec, gpu_count: int) -> float:
    """GPU-to-GPU bandwidth a data-parallel job sees: the server's link, capped across servers."""
    if gpu_count <= GPUS_PER_NODE:
        return gpu.interconnect_gbps
    return min(gpu.interconnect_gbps, INTER_NODE_GBPS)


# Sharpness of the overlap of communication with compute (4: nearly a max).
_OVERLAP_P = 4


def step_time(w: Workload, gpu: GpuSpec, gpu_count: int = 1, fit: dict | None = None) -> StepTime:
    """Seconds per training token on one of ``gpu_count`` GPUs for a resolved workload.

    - matmuls: hardware FLOPs / (peak x matmul_efficiency x roofline), with the roofline of a
      d x d GEMM over the micro-batch's T tokens: intensity I = T d / (2T + d) FLOP/byte (16-bit),
      achieved fraction I / (I + peak/bandwidth): small models and small micro-batches are
      bandwidth-bound, more so on GPUs whose peak grew faster than their memory (H100, L40S, L4).
    - element-wise kernels: elementwise_bytes x d x 2 bytes per layer per token per pass / bandwidth.
    - weights read per micro-batch (each pass) / bandwidth; QLoRA dequantises its 4-bit base each
      pass (dequant_bytes per parameter).
    - fixed overhead per layer per micro-batch (+ adapter kernels for LoRA).
    - communication (more than one GPU): ZeRO-3/FSDP gathers the weights twice and reduce-scatters
      the gradients every micro-batch (3 x weight bytes x (n-1)/n, 4-bit for QLoRA), over the
      server's link or, past 8 GPUs, the network; it overlaps with the matmuls (a smooth max).
    """
    f = FIT if fit is None else fit
    n = max(1, int(gpu_count))
    w = resolve_micro_batch(w, gpu, n)
    shape = model_shape(w.params)
    d, layers = shape.d_model, shape.n_layers
    peak_t, used = peak_tflops(gpu, w.precision)
    peak = peak_t * 1e12
    bandwidth = gpu.memory_bandwidth_gbps * 1e9
    elem_bytes = 4 if used == "fp32" else 2
    tokens = float(w.seq_len * w.micro_batch_size)  # per micro-batch per GPU
    passes = 3 if w.checkpointing else 2

    flops = training_flops(w).per_token
    intensity = tokens * d / (2 * tokens + d) * (2 / elem_bytes)
    roofline = intensity / (intensity + peak / bandwidth)
    matmul = flops / (peak * f["matmul_efficiency"] * roofline)

    elementwise = f["elementwise_bytes"] * layers * d * elem_bytes * passes / bandwidth
    if w.method == "qlora":
        weight_bytes = w.params * f["dequant_bytes"]
    else:
        weight_bytes = w.params * elem_bytes
    weight_passes = passes + (0 if w.trains_adapters else 1)  # + weight gradients written
    weights = weight_bytes * weight_passes / tokens / bandwidth

    overhead = f["layer_overhead_s"] * layers / tokens
    if w.trains_adapters:
        overhead += f["adapter_overhead_s"] * layers / tokens

    communication = 0.0
    mode = data_parallel_mode(w, gpu, n)
    if mode == "replicated":
        # DDP (accelerate / TRL, axolotl, LLaMA-Factory by default when the model fits one GPU):
        # each GPU holds the whole frozen model and only the adapters' fp32 gradients are
        # all-reduced (2 x bytes x (n-1)/n, ring), at most once per micro-batch.
        moved = 2 * lora_params(w) * _ADAPTER_BYTES * (n - 1) / n / tokens
    elif mode == "sharded":
        # Sharded data parallel (FSDP / ZeRO-3, also torchtune's multi-GPU recipes and the
        # FSDP+QLoRA recipe): weights gathered for forward and backward, gradients reduce-scattered,
        # per micro-batch.
        base = QLORA_WEIGHT_BYTES if w.method == "qlora" else elem_bytes
        moved = 3 * w.params * base * (n - 1) / n / tokens
    if mode != "single":
        transfer = f["exposed_communication"] * moved / (link_gbps(gpu, n) * 1e9)
        # Both overlap the transfer with the matmuls (FSDP prefetches the next layer, DDP buckets
        # gradients during backward): it hides until it is as long as they are (a smooth max).
        communication = (matmul**_OVERLAP_P + transfer**_OVERLAP_P) ** (1 / _OVERLAP_P) - matmul
    return StepTime(matmul=matmul, elementwise=elementwise, weights=weights, overhead=overhead,
                    communication=communication, matmul_efficiency=f["matmul_efficiency"] * roofline)


def tokens_per_second(w: Workload, gpu: GpuSpec, gpu_count: int = 1, fit: dict | None = None) -> float:
    """Model throughput of all ``gpu_count`` GPUs together, tokens/s ("auto" checkpointing resolved)."""
    n = max(1, int(gpu_count))
    resolved = resolve_checkpointing(w, gpu, n)
    return n / step_time(resolved, gpu, n, fit).total


def scaling_efficiency(w: Workload, gpu: GpuSpec, gpu_count: int) -> float:
    """Fraction of linear scaling kept on ``gpu_count`` GPUs (1.0 on one GPU)."""
    n = max(1, int(gpu_count))
    if n == 1:
        return 1.0
    one = resolve_checkpointing(w, gpu, n)  # the same checkpointing and micro-batch on one GPU
    return tokens_per_second(one, gpu, n) / (n * tokens_per_second(one, gpu, 1))


def relative_throughput(w: Workload, gpu: GpuSpec, gpu_count: int, reference_gpu: GpuSpec,
                        reference_count: int = 1) -> float:
    """Throughput of ``w`` on ``gpu_count`` x ``gpu`` relative to ``reference_count`` x ``reference_gpu``
    (2.0: twice as many tokens per second). Pure; what the /compare/ page and calibration use."""
    return tokens_per_second(w, gpu, gpu_count) / tokens_per_second(w, reference_gpu, reference_count)


# --- Fixed costs -----------------------------------------------------------------------------------

# Engineering assumptions, not fitted (docs/estimator.md, "Fixed costs"):
STARTUP_SECONDS = 60.0  # interpreter, imports, CUDA/NCCL init, dataset and tokenizer setup
DOWNLOAD_GB_PER_S = 0.25  # Hugging Face Hub to a cloud VM, ~2 Gbit/s
LOAD_GB_PER_S = 1.0  # safetensors from local disk into GPU memory (QLoRA also quantises: x1.5)
SAVE_GB_PER_S = 1.0  # checkpoint writes per server (local NVMe or network volume)
# A checkpoint: full/pretrain save weights + fp32 master + Adam moments (2 + 4 + 8 bytes per
# parameter, Hugging Face Trainer / FSDP state dicts); LoRA saves adapters and their optimizer.
_SAVE_BYTES_FULL = 14
_SAVE_BYTES_ADAPTER = 12


@dataclass(frozen=True)
class Overhead:
    startup: float
    download: float
    load: float
    checkpoints: float
    evaluation: float
    saves: int

    @property
    def total(self) -> float:
        return self.startup + self.download + self.load + self.checkpoints + self.evaluation

    def as_dict(self) -> dict:
        hours = {k: round(getattr(self, k) / 3600, 4) for k in ("startup", "download", "load", "checkpoints", "evaluation")}
        return {"hours": round(self.total / 3600, 4), **hours, "checkpoint_saves": self.saves}


def overhead_seconds(w: Workload, gpu_count: int, compute_hours: float, seconds_per_token: float) -> Overhead:
    """Wall-clock seconds outside the training loop: startup, model download and load (fine-tunes),
    checkpoint saves (one per save_every_hours of training, plus the final one) and evaluation."""
    n = max(1, int(gpu_count))
    weights_gb = w.params * 2 / 1e9
    download = load = 0.0
    if w.method != "pretrain":
        download = weights_gb / DOWNLOAD_GB_PER_S
        load = weights_gb / LOAD_GB_PER_S * (1.5 if w.method == "qlora" else 1.0)
    saves = 1 + (math.floor(compute_hours / w.save_every_hours) if w.save_every_hours > 0 else 0)
    per_save = (lora_params(w) * _SAVE_BYTES_ADAPTER if w.trains_adapters else w.params * _SAVE_BYTES_FULL) / 1e9
    nodes = math.ceil(n / GPUS_PER_NODE)
    checkpoints = saves * per_save / (SAVE_GB_PER_S * nodes)
    evaluation = 0.0
    if w.eval_tokens and w.eval_passes:
        forward_share = _forward_flops_per_token(w) / training_flops(w).per_token
        evaluation = w.eval_tokens * w.eval_passes * seconds_per_token * forward_share / n
    return Overhead(startup=STARTUP_SECONDS, download=download, load=load, checkpoints=checkpoints,
                    evaluation=evaluation, saves=saves)


# --- The estimate ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleOption:
    gpu_count: int
    training_hours: float
    training_hours_low: float
    training_hours_high: float
    tokens_per_second: float
    gpu_hours: float


@dataclass(frozen=True)
class GpuEstimate:
    gpu_slug: str
    gpu_name: str
    gpu_count: int
    training_hours: float  # compute + overhead
    training_hours_low: float
    training_hours_high: float
    tokens_per_second: float  # all GPUs together
    memory: MemoryBreakdown
    memory_gb_available: int
    fits: bool
    min_gpus_to_fit: int | None
    reason: str
    assumptions: dict = field(default_factory=dict)
    compute_hours: float = 0.0
    overhead_hours: float = 0.0
    overhead: Overhead | None = None
    gradient_checkpointing: bool = False
    scaling: tuple[ScaleOption, ...] = ()


# Band around a calibrated estimate: the measured GPU itself, another GPU of the same class,
# a GPU of another class (different memory system, so the ratio transfers less well).
_CALIBRATED_BAND = {"same_gpu": (0.9, 1.1), "same_class": (0.8, 1.25), "other_class": (0.7, 1.45)}


def _measured_tokens_per_second(w: Workload) -> tuple[float, GpuSpec] | None:
    """The measurement as tokens/s over all measured GPUs (measured hours less that run's overhead)."""
    if w.measured_gpu_type is None:
        return None
    ref = GPUS_BY_SLUG[w.measured_gpu_type]
    if w.measured_tokens_per_second is not None:
        return w.measured_tokens_per_second, ref
    if w.measured_hours is None:
        return None
    n = w.measured_gpu_count
    total_s = w.measured_hours * 3600
    seconds = w.total_tokens / tokens_per_second(w, ref, n)
    for _ in range(4):  # the saves depend on the training time: settle it
        over = overhead_seconds(w, n, seconds / 3600, n * seconds / w.total_tokens).total
        seconds = max(total_s - over, total_s * 0.5)
    return w.total_tokens / seconds, ref


def _checkpointing_note(w: Workload, resolved: Workload, gpu: GpuSpec, n: int) -> str:
    if w.gradient_checkpointing != "auto":
        return f"gradient checkpointing {'on' if resolved.checkpointing else 'off'} (as requested)"
    if not resolved.checkpointing:
        return "gradient checkpointing off: the job fits without it"
    off_tps = n / step_time(_with_checkpointing(w, False), gpu, n).total
    on_tps = n / step_time(resolved, gpu, n).total
    cost = off_tps / on_tps - 1
    need = memory_per_gpu(_with_checkpointing(w, False), n).total
    if need <= gpu.memory_gb and AUTO_CHECKPOINTING[w.method] == "on":
        return (f"gradient checkpointing on: fine-tuning recipes (torchtune, Unsloth, LLaMA-Factory, axolotl) "
                f"turn it on by default; the job would fit without it (about {need:.0f} GB per GPU, has "
                f"{gpu.memory_gb} GB), and recomputing activations costs about {cost:.0%} more time: send "
                "gradient_checkpointing false if your recipe turns it off")
    return (f"gradient checkpointing on: without it the job needs about {need:.0f} GB per GPU "
            f"(has {gpu.memory_gb} GB); recomputing activations costs about {cost:.0%} more time")


def _micro_batch_note(w: Workload, resolved: Workload, gpu: GpuSpec, n: int) -> str:
    if w.micro_batch_size != "auto":
        return f"micro-batch {resolved.micro_batch_size} x {resolved.seq_len} tokens (as requested or the method's default)"
    cap = auto_micro_batch_cap(w)
    share = 1 if data_parallel_mode(resolved, gpu, n) == "replicated" else n
    need = memory_per_gpu(resolved, share).total
    if resolved.micro_batch_size == cap:
        why = f"the recipes' {AUTO_MICRO_BATCH_TOKENS:,} tokens per micro-batch"
    else:
        why = f"the largest that fits {gpu.memory_gb} GB (up to {cap})"
    return (f"micro-batch {resolved.micro_batch_size} x {resolved.seq_len} tokens (auto): {why}, about {need:.0f} GB "
            "per GPU; send micro_batch_size for your recipe's (a larger one is faster per token where per-step "
            "costs dominate, e.g. QLoRA's dequantisation)")


def _hours(w: Workload, gpu: GpuSpec, n: int, tps: float, band: tuple[float, float]) -> tuple[float, float, float, Overhead]:
    compute = w.total_tokens / tps / 3600
    over = overhead_seconds(w, n, compute, n / tps)
    over_h = over.total / 3600
    return compute + over_h, compute * band[0] + over_h, compute * band[1] + over_h, over


def estimate_training(w: Workload, gpu: GpuSpec, gpu_count: int = 1) -> GpuEstimate:
    """Hours, band, fixed costs, memory and fit of workload ``w`` on ``gpu_count`` GPUs of model ``gpu``."""
    n = max(1, int(gpu_count))
    resolved = resolve_checkpointing(w, gpu, n)
    flops = training_flops(resolved)
    peak, used_precision = peak_tflops(gpu, w.precision)
    st = step_time(resolved, gpu, n)
    dp_mode = data_parallel_mode(resolved, gpu, n)
    scale_eff = scaling_efficiency(w, gpu, n)
    assumptions: dict = {
        "precision_used": used_precision,
        "peak_tflops_per_gpu": peak,
        "memory_bandwidth_gbps": gpu.memory_bandwidth_gbps,
        "interconnect": gpu.interconnect,
        "interconnect_gbps": link_gbps(gpu, n),
        "multi_gpu_efficiency": round(scale_eff, 3),
        "gradient_checkpointing": resolved.checkpointing,
        "gradient_checkpointing_note": _checkpointing_note(w, resolved, gpu, n),
        "seq_len": resolved.seq_len,
        "micro_batch_size": resolved.micro_batch_size,
        "micro_batch_size_note": _micro_batch_note(w, resolved, gpu, n),
        "limited_by": st.limited_by,
        "sharding": {"single": "single GPU, no sharding", "replicated": REPLICATED_ASSUMPTION,
                     "sharded": SHARDING_ASSUMPTION}[dp_mode],
        "notes": [],
    }
    if used_precision != w.precision:
        assumptions["notes"].append(f"{gpu.name} has no BF16 tensor cores; estimated as FP16.")

    measured = _measured_tokens_per_second(w)
    if measured is not None:
        ref_tps, ref = measured
        ratio = relative_throughput(w, gpu, n, ref, w.measured_gpu_count)
        tps = ref_tps * ratio
        if gpu.slug == ref.slug:
            band = _CALIBRATED_BAND["same_gpu"]
        elif gpu.gpu_class == ref.gpu_class:
            band = _CALIBRATED_BAND["same_class"]
        else:
            band = _CALIBRATED_BAND["other_class"]
        source = "measured throughput" if w.measured_tokens_per_second is not None else "measured hours"
        assumptions.update({
            "basis": f"calibrated from {source} on {w.measured_gpu_count} x {ref.name}",
            "relative_throughput_vs_measured_gpu": round(ratio, 3),
            "band_factors": list(band),
        })
    else:
        tps = n / st.total
        band = band_for(w.method)
        assumptions.update({
            "basis": "throughput model fitted to published measurements (docs/estimator.md)",
            "band_factors": list(band),
        })
    assumptions["utilisation"] = round(flops.per_token * tps / n / (peak * 1e12), 3)
    hours, low, high, over = _hours(w, gpu, n, tps, (1 / band[1], 1 / band[0]))

    memory = memory_per_gpu(resolved, 1 if dp_mode == "replicated" else n)
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
    scaling: list[ScaleOption] = []
    if min_fit is not None:
        for count in (min_fit, 2 * min_fit):
            if count > MAX_GPUS:
                break
            c_tps = tps * relative_throughput(w, gpu, count, gpu, n) if count != n else tps
            c_hours, c_low, c_high, _ = _hours(w, gpu, count, c_tps, (1 / band[1], 1 / band[0]))
            scaling.append(ScaleOption(gpu_count=count, training_hours=c_hours, training_hours_low=c_low,
                                       training_hours_high=c_high, tokens_per_second=c_tps,
                                       gpu_hours=c_hours * count))
    return GpuEstimate(
        gpu_slug=gpu.slug, gpu_name=gpu.name, gpu_count=n,
        training_hours=hours, training_hours_low=low, training_hours_high=high,
        tokens_per_second=tps, memory=memory, memory_gb_available=gpu.memory_gb,
        fits=fits, min_gpus_to_fit=min_fit, reason=reason, assumptions=assumptions,
        compute_hours=hours - over.total / 3600, overhead_hours=over.total / 3600, overhead=over,
        gradient_checkpointing=resolved.checkpointing, scaling=tuple(scaling),
    )


__all__ = [
    "AUTO_CHECKPOINTING", "BAND", "BAND_BY_KIND", "CHECKPOINTING", "FIT", "REPLICATED_ASSUMPTION", "SHARDING_ASSUMPTION",
    "data_parallel_mode", "GpuEstimate", "METHOD_DEFAULTS", "MemoryBreakdown", "METHODS", "Overhead",
    "PRECISIONS", "ScaleOption", "StepTime", "AUTO_MICRO_BATCH_TOKENS", "auto_micro_batch_cap", "resolve_micro_batch", "WORKLOAD_DEFAULTS", "Workload", "dataset_tokens_from_examples",
    "band_for", "estimate_training", "fits_on", "link_gbps", "memory_per_gpu", "min_gpus_to_fit", "model_shape",
    "overhead_seconds", "peak_tflops", "relative_throughput", "resolve_checkpointing", "scaling_efficiency",
    "step_time", "tokens_per_second", "training_flops", "workload_defaults",
]
