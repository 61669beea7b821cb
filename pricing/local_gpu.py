"""The NVIDIA GPUs of this machine, read through NVML (``pynvml`` from the nvidia-ml-py package).

Used by ``manage.py detect_gpu``, ``GET /api/cloud/local-gpu`` and the wizard's "use the GPU of this
machine". NVML ships with the NVIDIA driver; without the driver (or on a machine with no NVIDIA GPU)
we say so in plain words instead of failing. NVML API: https://docs.nvidia.com/deploy/nvml-api/
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pricing.gpus import resolve_gpu

GIB = 1024**3


@dataclass(frozen=True)
class LocalGpu:
    index: int
    name: str  # as NVML reports it, e.g. "NVIDIA GeForce RTX 4090"
    gpu_type: str | None  # catalog slug, None when the catalog does not know the card
    gpu_name: str | None  # catalog name
    memory_gb: float  # total memory, GiB
    power_limit_w: float | None  # current power management limit


@dataclass(frozen=True)
class DetectionResult:
    gpus: tuple[LocalGpu, ...]
    driver_version: str | None
    message: str

    def as_dict(self) -> dict:
        return {
            "gpus": [asdict(g) for g in self.gpus],
            "driver_version": self.driver_version,
            "message": self.message,
        }


def _text(value) -> str:
    # nvidia-ml-py before 11.515 returned bytes.
    return value.decode() if isinstance(value, bytes) else str(value)


def _describe(gpus: list[LocalGpu]) -> str:
    names = ", ".join(
        f"{g.gpu_name or g.name} ({g.memory_gb:.0f} GB)" + ("" if g.gpu_type else " - not in the GPU catalog")
        for g in gpus
    )
    return f"Found {len(gpus)} NVIDIA GPU{'s' if len(gpus) != 1 else ''}: {names}."


def detect_local_gpus() -> DetectionResult:
    """Ask NVML for the GPUs of this machine; never raises."""
    try:
        import pynvml
    except ImportError:
        return DetectionResult((), None, "Cannot look for NVIDIA GPUs: the nvidia-ml-py package is not installed.")

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError_LibraryNotFound:
        return DetectionResult((), None, "No NVIDIA driver found on this machine (NVML library missing), so no NVIDIA GPU can be used here.")
    except pynvml.NVMLError_DriverNotLoaded:
        return DetectionResult((), None, "The NVIDIA driver is not loaded on this machine, so no NVIDIA GPU can be used here.")
    except pynvml.NVMLError as exc:
        return DetectionResult((), None, f"Could not query NVIDIA GPUs: {exc}.")

    try:
        try:
            driver = _text(pynvml.nvmlSystemGetDriverVersion())
        except pynvml.NVMLError:
            driver = None
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = _text(pynvml.nvmlDeviceGetName(handle))
            memory_gb = round(pynvml.nvmlDeviceGetMemoryInfo(handle).total / GIB, 1)
            try:
                power_w = pynvml.nvmlDeviceGetPowerManagementLimit(handle) / 1000  # milliwatts
            except pynvml.NVMLError:  # not supported on some boards
                power_w = None
            spec = resolve_gpu(name, memory_gb)
            gpus.append(LocalGpu(index, name, spec.slug if spec else None, spec.name if spec else None, memory_gb, power_w))
    except pynvml.NVMLError as exc:
        return DetectionResult((), None, f"Could not query NVIDIA GPUs: {exc}.")
    finally:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:
            pass

    if not gpus:
        return DetectionResult((), driver, "The NVIDIA driver is installed but this machine has no NVIDIA GPU.")
    return DetectionResult(tuple(gpus), driver, _describe(gpus))
