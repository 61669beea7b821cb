"""Replicate trainings: create, status, cancel.

API: https://replicate.com/docs/reference/http (``POST /v1/models/{owner}/{name}/versions/{id}/trainings``,
``GET /v1/trainings/{id}``, ``POST /v1/trainings/{id}/cancel``); shared/reference/launch-apis.md §5.
The trainer version, the destination model (must exist, owned by the caller) and the inputs come
from the team's launch template. Trainings queue (no capacity error); 402 = out of credit.
Billing: per second of the trainer's hardware while it runs.
"""

from __future__ import annotations

from .base import InstanceState, Launched, LaunchRefused, LaunchSpec, NotFound
from .client import HttpProblem
from .common import refuse

SLUG = "replicate"
BILLING = "per_second_from_running"
CAN_STOP = False
KEY_CHECK = ("GET", "account")
STATUS = {"starting": "provisioning", "processing": "running", "succeeded": "finished", "failed": "failed",
          "canceled": "terminated"}


def launch(client, spec: LaunchSpec) -> Launched:
    opts = spec.options
    version = str(opts.get("version") or "")  # "owner/name:version_id"
    if ":" not in version or "/" not in version.split(":")[0] or not opts.get("destination"):
        raise LaunchRefused("Replicate trainings need a trainer version (owner/name:version) and a destination model",
                            "Set them in the team's launch template (Replicate options).")
    model, version_id = version.split(":", 1)
    body = {"destination": opts["destination"], "input": dict(opts.get("input") or {})}
    try:
        training = client.call("POST", f"models/{model}/versions/{version_id}/trainings", json_body=body) or {}
    except HttpProblem as p:
        raise refuse(SLUG, p) from None
    return Launched(instance_id=str(training.get("id")), provider_status=str(training.get("status") or "starting"),
                    status=STATUS.get(str(training.get("status")), "provisioning"))


def status(client, instance_id: str) -> InstanceState:
    try:
        t = client.call("GET", f"trainings/{instance_id}") or {}
    except HttpProblem as p:
        if p.status == 404:
            raise NotFound(f"Replicate training {instance_id} no longer exists") from None
        raise refuse(SLUG, p) from None
    raw = str(t.get("status") or "")
    return InstanceState(status=STATUS.get(raw, "provisioning"), provider_status=raw,
                         connection={"dashboard": f"https://replicate.com/p/{instance_id}"})


def terminate(client, instance_id: str) -> None:
    try:
        client.call("POST", f"trainings/{instance_id}/cancel")
    except HttpProblem as p:
        if p.status != 404:
            raise refuse(SLUG, p) from None


stop = None


def tagged(client, prefix: str):
    return []
