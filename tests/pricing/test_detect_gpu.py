"""Local GPU detection through NVML, with NVML faked: nothing here needs a GPU or a driver."""

from types import SimpleNamespace

import pynvml
import pytest
from django.core.management import call_command

from pricing.local_gpu import detect_local_gpus

GIB = 1024**3


@pytest.fixture
def fake_nvml(monkeypatch):
    """NVML with the given cards: (name, memory bytes, power limit mW or an NVMLError)."""

    def install(cards, driver="550.54.14", init_error=None):
        calls = {"shutdown": 0}

        def init():
            if init_error is not None:
                raise init_error

        def shutdown():
            calls["shutdown"] += 1

        def power(handle):
            value = cards[handle][2]
            if isinstance(value, Exception):
                raise value
            return value

        monkeypatch.setattr(pynvml, "nvmlInit", init)
        monkeypatch.setattr(pynvml, "nvmlShutdown", shutdown)
        monkeypatch.setattr(pynvml, "nvmlSystemGetDriverVersion", lambda: driver)
        monkeypatch.setattr(pynvml, "nvmlDeviceGetCount", lambda: len(cards))
        monkeypatch.setattr(pynvml, "nvmlDeviceGetHandleByIndex", lambda i: i)
        monkeypatch.setattr(pynvml, "nvmlDeviceGetName", lambda h: cards[h][0])
        monkeypatch.setattr(pynvml, "nvmlDeviceGetMemoryInfo", lambda h: SimpleNamespace(total=cards[h][1]))
        monkeypatch.setattr(pynvml, "nvmlDeviceGetPowerManagementLimit", power)
        return calls

    return install


def test_it_maps_nvml_names_onto_the_catalog(fake_nvml):
    calls = fake_nvml([
        ("NVIDIA GeForce RTX 4090", 24564 * 1024**2, 450_000),
        ("NVIDIA A100-SXM4-80GB", 81920 * 1024**2, 400_000),
    ])
    result = detect_local_gpus()
    assert [g.gpu_type for g in result.gpus] == ["rtx-4090", "a100-80gb-sxm"]
    assert result.gpus[0].memory_gb == pytest.approx(24.0, abs=0.1)
    assert result.gpus[0].power_limit_w == 450.0
    assert result.driver_version == "550.54.14"
    assert result.message == "Found 2 NVIDIA GPUs: RTX 4090 (24 GB), A100 80GB SXM (80 GB)."
    assert calls["shutdown"] == 1


def test_it_decodes_bytes_names_from_old_bindings(fake_nvml):
    fake_nvml([(b"NVIDIA H100 80GB HBM3", 80 * GIB, 700_000)], driver=b"535.104.05")
    result = detect_local_gpus()
    assert result.gpus[0].name == "NVIDIA H100 80GB HBM3"
    assert result.gpus[0].gpu_type == "h100-sxm"
    assert result.driver_version == "535.104.05"


def test_an_unknown_card_is_listed_without_a_catalog_match(fake_nvml):
    fake_nvml([("NVIDIA GeForce GTX 1080 Ti", 11 * GIB, 250_000)])
    result = detect_local_gpus()
    assert result.gpus[0].gpu_type is None
    assert "not in the GPU catalog" in result.message


def test_a_board_without_power_limit_reports_none(fake_nvml):
    fake_nvml([("NVIDIA L4", 24 * GIB, pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED))])
    assert detect_local_gpus().gpus[0].power_limit_w is None


def test_it_says_so_when_the_driver_library_is_missing(fake_nvml):
    fake_nvml([], init_error=pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND))
    result = detect_local_gpus()
    assert result.gpus == ()
    assert result.driver_version is None
    assert "No NVIDIA driver found" in result.message


def test_it_says_so_when_the_driver_is_not_loaded(fake_nvml):
    fake_nvml([], init_error=pynvml.NVMLError(pynvml.NVML_ERROR_DRIVER_NOT_LOADED))
    assert "driver is not loaded" in detect_local_gpus().message


def test_it_says_so_when_there_are_no_gpus(fake_nvml):
    fake_nvml([])
    result = detect_local_gpus()
    assert result.gpus == ()
    assert result.message == "The NVIDIA driver is installed but this machine has no NVIDIA GPU."


def test_the_command_prints_each_gpu(fake_nvml, capsys):
    fake_nvml([("NVIDIA GeForce RTX 3090", 24 * GIB, 350_000)])
    call_command("detect_gpu")
    out = capsys.readouterr().out
    assert "Found 1 NVIDIA GPU: RTX 3090 (24 GB)." in out
    assert "GPU 0: NVIDIA GeForce RTX 3090 -> rtx-3090, 24.0 GB, power limit 350 W" in out
    assert "Driver version: 550.54.14" in out


def test_the_command_exits_0_with_a_plain_sentence_when_there_is_none(fake_nvml, capsys):
    fake_nvml([], init_error=pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND))
    call_command("detect_gpu")  # raises SystemExit/CommandError on failure
    assert capsys.readouterr().out.strip().startswith("No NVIDIA driver found on this machine")


def test_the_command_can_print_json(fake_nvml, capsys):
    fake_nvml([("NVIDIA L40S", 48 * GIB, 350_000)])
    call_command("detect_gpu", "--json")
    assert '"gpu_type": "l40s"' in capsys.readouterr().out
