"""Launch adapters by provider slug (an explicit dict, as pricing's registry). Modal and the local
GPU have no REST control plane: they get a generated script (launch.scripts)."""

from __future__ import annotations

from types import ModuleType

from . import lambda_cloud, replicate, runpod, together, vast

ADAPTERS: dict[str, ModuleType] = {
    "runpod": runpod,
    "lambda": lambda_cloud,
    "vast": vast,
    "together": together,
    "replicate": replicate,
}
# Instance providers: failover moves between these (Together/Replicate are services, not GPUs).
INSTANCE_PROVIDERS = ("runpod", "lambda", "vast")
SCRIPT_PROVIDERS = ("modal", "local")
