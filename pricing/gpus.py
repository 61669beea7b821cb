"""The GPU catalog: canonical GPU models every provider's names map onto.

Pure Python (no Django), so the estimator and the cost engine can use it without a database.
The database table ``pricing.GpuModel`` is kept in sync with this list (see
``pricing.services.gpu_catalog_sync``) so the admin and SQL joins can use it too.

Figures: memory per GPU (GB), board power (W, TDP/TGP ceiling), peak *dense* tensor throughput
(no 2:4 sparsity) with FP32 accumulation for BF16 and FP16, in TFLOPS. Sources are named per model;
see also ``../shared/reference/provider-apis.md`` section 9.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NVIDIA_DS = "NVIDIA datasheet"


@dataclass(frozen=True)
class GpuSpec:
    slug: str
    name: str
    vendor: str
    memory_gb: int
    board_power_w: int
    bf16_tflops: float | None  # None: no BF16 tensor cores (V100, T4)
    fp16_tflops: float
    fp32_tflops: float
    # "datacenter" | "workstation" | "consumer": drives the estimator's utilisation assumptions.
    gpu_class: str
    families: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    source: str = NVIDIA_DS
    # How GPUs of one server talk to each other: "nvlink" (NVLink/NVSwitch, SXM boards and NVL
    # bridges), "infinity-fabric" (AMD xGMI) or "pcie". Drives the estimator's multi-GPU efficiency.
    # Sources: the same datasheets (SXM/OAM form factors, NVLink bridge support).
    interconnect: str = "pcie"
    # Peak memory bandwidth, GB/s (datasheet figure). What limits small models, small batches,
    # the element-wise kernels of every step and QLoRA's per-step dequantisation.
    memory_bandwidth_gbps: float = 0.0
    # GPU-to-GPU bandwidth inside one server, GB/s per direction per GPU: NVLink/xGMI total / 2,
    # PCIe 3.0/4.0/5.0 x16 = 16/32/64. GeForce cards have peer-to-peer disabled over PCIe, so
    # transfers are staged through host memory: counted at half the PCIe figure.
    interconnect_gbps: float = 16.0
    bandwidth_source: str = ""

    @property
    def peak_tflops(self) -> float:
        """Peak dense 16-bit tensor TFLOPS used for training (BF16 where present, else FP16)."""
        return self.bf16_tflops if self.bf16_tflops is not None else self.fp16_tflops


GPUS: tuple[GpuSpec, ...] = (
    GpuSpec(
        "rtx-3090", "RTX 3090", "NVIDIA", 24, 350, 71.0, 71.0, 35.6, "consumer",
        families=("3090",),
        aliases=("NVIDIA GeForce RTX 3090", "GeForce RTX 3090", "RTX3090", "3090"),
        source="NVIDIA Ampere GA102 whitepaper (dense FP16/BF16 tensor, FP32 accumulate)",
        memory_bandwidth_gbps=936, interconnect_gbps=16,
        bandwidth_source="GA102 whitepaper: 936 GB/s GDDR6X; PCIe 4.0 x16, no P2P on GeForce (host-staged, half of 32 GB/s)",
    ),
    GpuSpec(
        "rtx-4090", "RTX 4090", "NVIDIA", 24, 450, 165.2, 165.2, 82.6, "consumer",
        families=("4090",),
        aliases=("NVIDIA GeForce RTX 4090", "GeForce RTX 4090", "RTX4090", "4090"),
        source="NVIDIA Ada Lovelace architecture whitepaper (dense, FP32 accumulate)",
        memory_bandwidth_gbps=1008, interconnect_gbps=16,
        bandwidth_source="Ada Lovelace whitepaper: 1008 GB/s GDDR6X; PCIe 4.0 x16, no P2P on GeForce (host-staged)",
    ),
    GpuSpec(
        "rtx-5090", "RTX 5090", "NVIDIA", 32, 575, 209.5, 209.5, 104.8, "consumer",
        families=("5090",),
        aliases=("NVIDIA GeForce RTX 5090", "GeForce RTX 5090", "RTX5090", "5090"),
        source="NVIDIA RTX Blackwell GPU architecture whitepaper (dense, FP32 accumulate)",
        memory_bandwidth_gbps=1792, interconnect_gbps=32,
        bandwidth_source="RTX Blackwell whitepaper: 1792 GB/s GDDR7; PCIe 5.0 x16, no P2P on GeForce (host-staged)",
    ),
    GpuSpec(
        "rtx-a6000", "RTX A6000", "NVIDIA", 48, 300, 154.8, 154.8, 38.7, "workstation",
        families=("a6000",),
        aliases=("NVIDIA RTX A6000", "A6000", "RTX A6000"),
        source="NVIDIA RTX A6000 datasheet (309.7 sparse -> 154.8 dense)",
        memory_bandwidth_gbps=768, interconnect_gbps=32,
        bandwidth_source="RTX A6000 datasheet: 768 GB/s GDDR6; PCIe 4.0 x16 (optional 2-way NVLink bridge not assumed)",
    ),
    GpuSpec(
        "rtx-6000-ada", "RTX 6000 Ada", "NVIDIA", 48, 300, 364.2, 364.2, 91.1, "workstation",
        families=("6000 ada",),
        aliases=("NVIDIA RTX 6000 Ada Generation", "RTX 6000 Ada Generation", "RTX 6000 Ada"),
        source="NVIDIA RTX 6000 Ada datasheet (728.5 sparse -> 364.2 dense)",
        memory_bandwidth_gbps=960, interconnect_gbps=32,
        bandwidth_source="RTX 6000 Ada datasheet: 960 GB/s GDDR6; PCIe 4.0 x16, no NVLink",
    ),
    GpuSpec(
        "a10", "A10", "NVIDIA", 24, 150, 125.0, 125.0, 31.2, "datacenter",
        families=("a10",),
        aliases=("NVIDIA A10", "A10 24GB", "A10 24GB PCIe", "A10 PCIe"),
        source="NVIDIA A10 datasheet",
        memory_bandwidth_gbps=600, interconnect_gbps=32,
        bandwidth_source="A10 datasheet: 600 GB/s GDDR6; PCIe 4.0 x16",
    ),
    # AWS's variant of the A10 (EC2 G5): the same 24 GB at 600 GB/s, but about half the tensor
    # throughput (GeForce-like FP32-accumulate rate), so it trains well below an A10. Sources: Baseten,
    # "NVIDIA A10 vs A10G for ML model inference" (2023-11-28): "the standard A10 boasts 125 TF of
    # compute, while the A10G only has 70 TF" (FP16 tensor); Full Stack Deep Learning's cloud GPU
    # table (fullstackdeeplearning.com/cloud-gpus): A10G 35 FP32 / 70 FP16; both from AWS's A10G
    # datasheet. Board power: no citable A10G figure; the A10's 150 W is used (only the local
    # electricity estimate reads it, and the A10G is a cloud-only part).
    GpuSpec(
        "a10g", "A10G", "NVIDIA", 24, 150, 70.0, 70.0, 35.0, "datacenter",
        families=("a10g",),
        aliases=("NVIDIA A10G", "A10G 24GB", "A10G (24 GB)"),
        source=("Baseten, 'NVIDIA A10 vs A10G for ML model inference': the A10G has 70 TF FP16 tensor (A10: 125); "
                "Full Stack Deep Learning cloud GPU table: 35 FP32 / 70 FP16 (both from AWS's A10G datasheet); "
                "power: the A10's (no A10G figure)"),
        memory_bandwidth_gbps=600, interconnect_gbps=32,
        bandwidth_source="Baseten (above): 'the A10 and A10G share ... 24 gigabytes of GDDR6 VRAM with a memory bandwidth of 600 gigabytes per second'; PCIe 4.0 x16 (EC2 G5)",
    ),
    GpuSpec(
        "a40", "A40", "NVIDIA", 48, 300, 149.7, 149.7, 37.4, "datacenter",
        families=("a40",),
        aliases=("NVIDIA A40", "A40 48GB"),
        source="NVIDIA A40 datasheet (299.4 sparse -> 149.7 dense)",
        memory_bandwidth_gbps=696, interconnect_gbps=32,
        bandwidth_source="A40 datasheet: 696 GB/s GDDR6; PCIe 4.0 x16 (NVLink bridge optional, not assumed)",
    ),
    GpuSpec(
        "l4", "L4", "NVIDIA", 24, 72, 121.0, 121.0, 30.3, "datacenter",
        families=("l4",),
        aliases=("NVIDIA L4", "L4 24GB"),
        source="NVIDIA L4 datasheet (242 sparse -> 121 dense)",
        memory_bandwidth_gbps=300, interconnect_gbps=32,
        bandwidth_source="L4 datasheet: 300 GB/s GDDR6; PCIe 4.0 x16",
    ),
    GpuSpec(
        "t4", "T4", "NVIDIA", 16, 70, None, 65.0, 8.1, "datacenter",
        families=("t4",),
        aliases=("NVIDIA T4", "Tesla T4", "T4 16GB"),
        source="NVIDIA T4 datasheet (FP16 tensor 65 TFLOPS; no BF16)",
        memory_bandwidth_gbps=320, interconnect_gbps=16,
        bandwidth_source="T4 datasheet: 320 GB/s GDDR6; PCIe 3.0 x16",
    ),
    GpuSpec(
        "rtx-pro-6000", "RTX PRO 6000", "NVIDIA", 96, 600, 503.8, 503.8, 125.0, "workstation",
        families=("rtx pro 6000", "pro 6000"),
        aliases=("NVIDIA RTX PRO 6000 Blackwell Server Edition", "NVIDIA RTX PRO 6000 Blackwell", "RTX PRO 6000",
                 "RTX-PRO-6000", "RTX PRO 6000 Blackwell", "RTX PRO 6000 WS", "RTX PRO 6000 S"),
        source=("NVIDIA RTX PRO 6000 Blackwell datasheet: 96 GB GDDR7, 600 W, 125 TFLOPS FP32, 4000 AI TOPS "
                "(FP4, sparse) -> ~504 dense BF16 (4000 / 8; UNCERTAIN)"),
        memory_bandwidth_gbps=1792, interconnect_gbps=64,
        bandwidth_source="RTX PRO 6000 datasheet: 1792 GB/s GDDR7; PCIe 5.0 x16, no NVLink",
    ),
    GpuSpec(
        "l40s", "L40S", "NVIDIA", 48, 350, 362.0, 362.0, 91.6, "datacenter",
        families=("l40s",),
        aliases=("NVIDIA L40S", "L40S 48GB"),
        source="NVIDIA L40S datasheet (733 sparse -> 362 dense)",
        memory_bandwidth_gbps=864, interconnect_gbps=32,
        bandwidth_source="L40S datasheet: 864 GB/s GDDR6; PCIe 4.0 x16, no NVLink",
    ),
    GpuSpec(
        "l40", "L40", "NVIDIA", 48, 300, 181.0, 181.0, 90.5, "datacenter",
        families=("l40",),
        aliases=("NVIDIA L40", "L40 48GB"),
        source="NVIDIA L40 datasheet (362 sparse -> 181 dense)",
        memory_bandwidth_gbps=864, interconnect_gbps=32,
        bandwidth_source="L40 datasheet: 864 GB/s GDDR6; PCIe 4.0 x16, no NVLink",
    ),
    GpuSpec(
        "v100-16gb", "V100 16GB", "NVIDIA", 16, 300, None, 125.0, 15.7, "datacenter",
        families=("v100",),
        aliases=(
            "Tesla V100-SXM2-16GB", "Tesla V100-PCIE-16GB", "Tesla V100", "V100", "V100 16GB",
            "V100 SXM2 16GB", "V100 PCIe 16GB", "Tesla V100 (16 GB)",
        ),
        interconnect="nvlink",
        source="NVIDIA V100 datasheet (SXM2: 125 TFLOPS FP16 tensor, 300 W; no BF16)",
        memory_bandwidth_gbps=900, interconnect_gbps=150,
        bandwidth_source="V100 datasheet (SXM2): 900 GB/s HBM2; NVLink 300 GB/s total",
    ),
    GpuSpec(
        "v100-32gb", "V100 32GB", "NVIDIA", 32, 300, None, 125.0, 15.7, "datacenter",
        families=("v100",),
        aliases=("Tesla V100-SXM2-32GB", "V100 32GB", "V100 SXM2 32GB", "Tesla V100 (32 GB)"),
        interconnect="nvlink",
        source="NVIDIA V100 datasheet (SXM2 32 GB)",
        memory_bandwidth_gbps=900, interconnect_gbps=150,
        bandwidth_source="V100 datasheet (SXM2): 900 GB/s HBM2; NVLink 300 GB/s total",
    ),
    GpuSpec(
        "a100-40gb", "A100 40GB", "NVIDIA", 40, 400, 312.0, 312.0, 19.5, "datacenter",
        families=("a100", "a100 40gb"),
        aliases=(
            "A100 40GB", "A100 SXM4 40GB", "A100 40GB SXM4", "A100 40GB SXM", "A100 SXM 40GB",
            "A100 PCIe 40GB", "A100 40GB PCIe", "NVIDIA A100-SXM4-40GB", "NVIDIA A100-PCIE-40GB",
            "A100 (40 GB SXM4)", "A100-40GB",
        ),
        interconnect="nvlink",
        source="NVIDIA A100 datasheet (SXM4 400 W; PCIe 250 W)",
        memory_bandwidth_gbps=1555, interconnect_gbps=300,
        bandwidth_source="A100 datasheet: 40 GB HBM2 1,555 GB/s; NVLink 600 GB/s total (SXM4)",
    ),
    GpuSpec(
        "a100-80gb-pcie", "A100 80GB PCIe", "NVIDIA", 80, 300, 312.0, 312.0, 19.5, "datacenter",
        families=("a100", "a100 80gb"),
        aliases=("NVIDIA A100 80GB PCIe", "A100 PCIe", "A100 80GB PCIe", "A100 PCIE 80GB", "A100 PCIe 80GB"),
        source="NVIDIA A100 80GB PCIe product brief (300 W)",
        memory_bandwidth_gbps=1935, interconnect_gbps=32,
        bandwidth_source="A100 80GB PCIe product brief: 1,935 GB/s HBM2e; PCIe 4.0 x16",
    ),
    GpuSpec(
        "a100-80gb-sxm", "A100 80GB SXM", "NVIDIA", 80, 400, 312.0, 312.0, 19.5, "datacenter",
        families=("a100", "a100 80gb"),
        aliases=(
            "NVIDIA A100-SXM4-80GB", "A100 SXM", "A100 SXM4", "A100 80GB SXM", "A100 SXM4 80GB",
            "A100 80GB SXM4", "A100 (80 GB SXM4)", "a100 80gb sxm", "A100-80GB", "A100 80GB",
        ),
        interconnect="nvlink",
        source="NVIDIA A100 datasheet (SXM4 80 GB, 400 W)",
        memory_bandwidth_gbps=2039, interconnect_gbps=300,
        bandwidth_source="A100 datasheet: 80 GB HBM2e SXM 2,039 GB/s; NVLink 600 GB/s total",
    ),
    GpuSpec(
        "h100-pcie", "H100 PCIe", "NVIDIA", 80, 350, 756.0, 756.0, 51.2, "datacenter",
        families=("h100",),
        aliases=("NVIDIA H100 PCIe", "H100 PCIe", "H100 PCIE", "H100 80GB PCIe", "H100 (80 GB PCIe)"),
        source="NVIDIA H100 PCIe product brief PB-11133-001 (350 W)",
        memory_bandwidth_gbps=2000, interconnect_gbps=64,
        bandwidth_source="H100 PCIe product brief PB-11133: 2.0 TB/s HBM2e; PCIe 5.0 x16",
    ),
    GpuSpec(
        "h100-sxm", "H100 SXM", "NVIDIA", 80, 700, 989.4, 989.4, 66.9, "datacenter",
        families=("h100",),
        aliases=(
            "NVIDIA H100 80GB HBM3", "H100 SXM", "H100 SXM5", "H100 80GB SXM", "H100 80GB SXM5",
            "H100 (80 GB SXM5)", "h100 80gb sxm", "H100 80GB HBM3",
        ),
        interconnect="nvlink",
        source="NVIDIA H100 Tensor Core GPU datasheet (SXM5, 700 W)",
        memory_bandwidth_gbps=3350, interconnect_gbps=450,
        bandwidth_source="H100 datasheet (SXM5): 3.35 TB/s HBM3; NVLink 900 GB/s total",
    ),
    GpuSpec(
        "h100-nvl", "H100 NVL", "NVIDIA", 94, 400, 835.0, 835.0, 60.0, "datacenter",
        families=("h100",),
        aliases=("NVIDIA H100 NVL", "H100 NVL", "H100 94GB NVL"),
        interconnect="nvlink",
        source="NVIDIA H100 NVL datasheet (350-400 W)",
        memory_bandwidth_gbps=3900, interconnect_gbps=300,
        bandwidth_source="H100 NVL datasheet: 3.9 TB/s HBM3; NVLink bridge 600 GB/s total",
    ),
    GpuSpec(
        "gh200", "GH200", "NVIDIA", 96, 900, 989.4, 989.4, 66.9, "datacenter",
        families=("gh200",),
        aliases=("NVIDIA GH200", "GH200 96GB", "GH200 (96 GB)", "GH200 480GB"),
        interconnect="nvlink",
        source="NVIDIA GH200 Grace Hopper datasheet (module power up to 900 W incl. CPU)",
        memory_bandwidth_gbps=4000, interconnect_gbps=450,
        bandwidth_source="GH200 datasheet: 96 GB HBM3 4 TB/s; NVLink 900 GB/s total",
    ),
    GpuSpec(
        "h200", "H200 SXM", "NVIDIA", 141, 700, 989.4, 989.4, 66.9, "datacenter",
        families=("h200",),
        aliases=(
            "NVIDIA H200", "H200", "H200 SXM", "H200 141GB", "H200 140GB", "H200 140GB SXM",
            "h200 140gb sxm", "H200 SXM 141GB",
        ),
        interconnect="nvlink",
        source="NVIDIA H200 datasheet (SXM, 700 W)",
        memory_bandwidth_gbps=4800, interconnect_gbps=450,
        bandwidth_source="H200 datasheet (SXM): 4.8 TB/s HBM3e; NVLink 900 GB/s total",
    ),
    GpuSpec(
        "h200-nvl", "H200 NVL", "NVIDIA", 141, 600, 835.0, 835.0, 60.0, "datacenter",
        families=("h200",),
        aliases=("NVIDIA H200 NVL", "H200 NVL", "H200 NVL 143GB"),
        interconnect="nvlink",
        source="NVIDIA H200 datasheet (NVL, up to 600 W; BF16 figure uncertain)",
        memory_bandwidth_gbps=4800, interconnect_gbps=450,
        bandwidth_source="H200 datasheet (NVL): 4.8 TB/s HBM3e; 2- or 4-way NVLink bridge 900 GB/s",
    ),
    GpuSpec(
        "b200", "B200", "NVIDIA", 180, 1000, 2250.0, 2250.0, 80.0, "datacenter",
        families=("b200",),
        aliases=("NVIDIA B200", "B200", "B200 180GB", "B200 180GB SXM", "b200 180gb sxm", "B200 192GB"),
        interconnect="nvlink",
        source="NVIDIA DGX B200 / HGX B200 datasheet (4.5 PFLOPS sparse FP16 per GPU -> 2.25 dense)",
        memory_bandwidth_gbps=8000, interconnect_gbps=900,
        bandwidth_source="HGX B200 datasheet: 8 TB/s HBM3e per GPU; NVLink 5 1.8 TB/s total",
    ),
    GpuSpec(
        "mi300x", "MI300X", "AMD", 192, 750, 1307.4, 1307.4, 163.4, "datacenter",
        families=("mi300x",),
        aliases=("AMD Instinct MI300X OAM", "AMD Instinct MI300X", "MI300X", "MI300X OAM"),
        interconnect="infinity-fabric",
        source="AMD Instinct MI300X datasheet (dense BF16 1307.4 TFLOPS, 750 W)",
        memory_bandwidth_gbps=5300, interconnect_gbps=448,
        bandwidth_source="AMD Instinct MI300X datasheet: 5.3 TB/s HBM3; Infinity Fabric 896 GB/s aggregate peer",
    ),
)

GPUS_BY_SLUG: dict[str, GpuSpec] = {g.slug: g for g in GPUS}

_DROP_TOKENS = {"nvidia", "geforce", "tesla", "amd", "instinct", "gpu", "oam", "hbm3", "hbm3e",
                "hbm2", "hbm2e", "gddr6", "gddr6x", "generation"}
_LINK_TOKENS = {"sxm2": "sxm", "sxm4": "sxm", "sxm5": "sxm", "sxm6": "sxm"}


def normalize_gpu_name(name: str) -> str:
    """Reduce a provider's or a user's GPU name to a comparable key.

    "NVIDIA H100 80GB HBM3" -> "h100 80gb", "gpu_1x_h100_sxm5" -> "h100 sxm",
    "1x_nvidia_h100_80gb_sxm" -> "h100 80gb sxm", "A100 (80 GB SXM4)" -> "a100 80gb sxm".
    """
    s = name.strip().lower()
    s = re.sub(r"^gpu_\d+x_", "", s)  # Lambda instance type names
    s = re.sub(r"^\d+\s*x[_ ]", "", s)  # Together ids, Lambda descriptions ("8x ...")
    s = re.sub(r"(\d+)\s*gb\b", r"\1gb", s)
    s = re.sub(r"(\d+)_gb\b", r"\1gb", s)
    s = re.sub(r"[^a-z0-9.]+", " ", s)
    tokens = []
    for tok in s.split():
        if tok in _DROP_TOKENS:
            continue
        tokens.append(_LINK_TOKENS.get(tok, tok))
    return " ".join(tokens)


def _strip_memory(key: str) -> str:
    return " ".join(t for t in key.split() if not re.fullmatch(r"\d+gb", t))


_ALIAS_INDEX: dict[str, str] = {}
_FAMILY_INDEX: dict[str, list[str]] = {}
for _g in GPUS:
    for _a in (_g.name, _g.slug.replace("-", " "), *_g.aliases):
        _ALIAS_INDEX.setdefault(normalize_gpu_name(_a), _g.slug)
    for _f in _g.families:
        _FAMILY_INDEX.setdefault(normalize_gpu_name(_f), []).append(_g.slug)


def resolve_gpu(name: str, memory_gb: float | None = None) -> GpuSpec | None:
    """Map a provider's GPU name (and, where the name is ambiguous, its memory) onto the catalog.

    Returns None for a name the catalog does not know; callers list those on the poll record.
    """
    if not name:
        return None
    key = normalize_gpu_name(name)
    slug = _ALIAS_INDEX.get(key)
    if slug and (memory_gb is None or _memory_matches(GPUS_BY_SLUG[slug], memory_gb)):
        return GPUS_BY_SLUG[slug]
    # Names without memory ("A100 SXM4", "Tesla V100") are told apart by the offer's memory.
    bare = _strip_memory(key)
    candidates = {s for k, s in _ALIAS_INDEX.items() if _strip_memory(k) == bare}
    if not candidates:
        return GPUS_BY_SLUG[slug] if slug else None
    if memory_gb is not None:
        fitting = [GPUS_BY_SLUG[s] for s in candidates if _memory_matches(GPUS_BY_SLUG[s], memory_gb)]
        if len(fitting) == 1:
            return fitting[0]
        if fitting:
            candidates = {g.slug for g in fitting}
    if slug and slug in candidates:
        return GPUS_BY_SLUG[slug]
    if len(candidates) == 1:
        return GPUS_BY_SLUG[next(iter(candidates))]
    return None


def _memory_matches(gpu: GpuSpec, memory_gb: float) -> bool:
    # Hosts report memory imprecisely (Vast: 81559 MiB for an 80 GB card; Together: 140 for 141).
    return abs(memory_gb - gpu.memory_gb) <= max(2.0, gpu.memory_gb * 0.08)


def match_gpu_query(text: str) -> list[GpuSpec]:
    """GPU models a user's filter means: a family ("H100", "A100 80GB") or one model ("H100 SXM")."""
    if not text or not text.strip():
        return []
    key = normalize_gpu_name(text)
    if key in _FAMILY_INDEX:
        return [GPUS_BY_SLUG[s] for s in _FAMILY_INDEX[key]]
    if key in _ALIAS_INDEX:
        return [GPUS_BY_SLUG[_ALIAS_INDEX[key]]]
    if text.strip() in GPUS_BY_SLUG:
        return [GPUS_BY_SLUG[text.strip()]]
    gpu = resolve_gpu(text)
    return [gpu] if gpu else []


def resolve_single_gpu(text: str) -> GpuSpec | None:
    """One GPU model for a user's name (a local GPU, a reference GPU): families pick their first member."""
    matches = match_gpu_query(text)
    if len(matches) == 1:
        return matches[0]
    if matches:
        key = normalize_gpu_name(text)
        exact = _ALIAS_INDEX.get(key)
        return GPUS_BY_SLUG[exact] if exact else matches[0]
    return None


def known_gpu_names() -> list[str]:
    return [g.name for g in GPUS]


__all__ = [
    "GPUS", "GPUS_BY_SLUG", "GpuSpec", "known_gpu_names", "match_gpu_query",
    "normalize_gpu_name", "resolve_gpu", "resolve_single_gpu",
]
