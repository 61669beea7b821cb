"""Together AI fine-tuning jobs: create, status, cancel.

API: https://docs.together.ai/reference (``POST /v1/fine-tunes``, ``GET /v1/fine-tunes/{id}``,
``POST /v1/fine-tunes/{id}/cancel``); shared/reference/launch-apis.md §4. Jobs queue (no capacity
error). The model and the uploaded training file id come from the team's launch template
(provider options). Billing: per token processed; spend is what the job reports (``total_price``,
in cents per the SDK), else the estimate's share of progress is not guessed: it stays at zero
until reported.
"""

from __future__ import annotations

from decimal import Decimal

from .base import InstanceState, Launched, LaunchRefused, LaunchSpec, NotFound
from .client import HttpProblem
from .common import refuse

SLUG = "together"
BILLING = "per_token"
CAN_STOP = False
KEY_CHECK = ("GET", "fine-tunes")
STATUS = {"pending": "provisioning", "queued": "provisioning", "running": "running", "compressing": "running",
          "uploading": "running", "cancel_requested": "terminated", "cancelled": "terminated", "error": "failed",
          "user_error": "failed", "completed": "finished"}


def launch(client, spec: LaunchSpec) -> Launched:
    opts = spec.options
    if not opts.get("model") or not opts.get("training_file"):
        raise LaunchRefused("Together AI fine-tuning needs a model and an uploaded training file id",
                            "Set them in the team's launch template (Together AI options).")
    body = {"model": opts["model"], "training_file": opts["training_file"], "n_epochs": int(opts.get("n_epochs") or 1),
            "lora": opts.get("lora", True) is not False, "suffix": spec.tag[:40]}
    try:
        job = client.call("POST", "fine-tunes", json_body=body) or {}
    except HttpProblem as p:
        raise refuse(SLUG, p) from None
    return Launched(instance_id=str(job.get("id")), provider_status=str(job.get("status") or "pending"),
                    status=STATUS.get(str(job.get("status")), "provisioning"))


def status(client, instance_id: str) -> InstanceState:
    try:
        job = client.call("GET", f"fine-tunes/{instance_id}") or {}
    except HttpProblem as p:
        if p.status == 404:
            raise NotFound(f"Together AI job {instance_id} no longer exists") from None
        raise refuse(SLUG, p) from None
    raw = str(job.get("status") or "")
    price = job.get("total_price")
    spend = (Decimal(str(price)) / 100) if isinstance(price, int | float) and price > 0 else None
    return InstanceState(status=STATUS.get(raw, "provisioning"), provider_status=raw, spend_usd=spend,
                         connection={"dashboard": f"https://api.together.ai/fine-tuning/{instance_id}"})


def terminate(client, instance_id: str) -> None:
    try:
        client.call("POST", f"fine-tunes/{instance_id}/cancel")
    except HttpProblem as p:
        if p.status != 404:
            raise refuse(SLUG, p) from None


stop = None


def tagged(client, prefix: str):
    return []  # jobs end by themselves; nothing idles on the account
