"""Modal and the local GPU have no REST launch API: a copyable script/command instead (pure)."""

from __future__ import annotations

import shlex

MODAL_GPU = {"h100-sxm": "H100", "h100-pcie": "H100", "h200": "H200", "a100-80gb-sxm": "A100-80GB",
             "a100-80gb-pcie": "A100-80GB", "a100-40gb": "A100-40GB", "l40s": "L40S", "a10": "A10", "l4": "L4", "t4": "T4",
             "b200": "B200"}


def modal_script(*, gpu_slug: str, gpu_count: int, image: str, command: str, env_names: list[str], hours: float) -> str:
    gpu = MODAL_GPU.get(gpu_slug, "H100") + (f":{gpu_count}" if gpu_count > 1 else "")
    timeout = min(24 * 3600, max(300, int(hours * 3600 * 1.5)))
    secrets = f'\n    secrets=[modal.Secret.from_name("training-env")],  # {", ".join(env_names)}' if env_names else ""
    return f'''# train_modal.py — run with: modal run train_modal.py
import subprocess

import modal

app = modal.App("training-job")
image = modal.Image.from_registry({image!r})


@app.function(gpu={gpu!r}, image=image, timeout={timeout},{secrets})
def train():
    subprocess.run({command or "python train.py"!r}, shell=True, check=True)


@app.local_entrypoint()
def main():
    train.remote()
'''


def local_command(*, image: str, command: str, env_names: list[str], gpu_count: int) -> str:
    gpus = "all" if gpu_count <= 1 else f'"device={",".join(str(i) for i in range(gpu_count))}"'
    env = "".join(f" -e {shlex.quote(n)}" for n in env_names)  # values come from your shell, not from here
    cmd = f" sh -c {shlex.quote(command)}" if command else ""
    return f"docker run --rm --gpus {gpus}{env} -v \"$PWD\":/workspace -w /workspace {shlex.quote(image)}{cmd}"
