"""Vast.ai instances: accept an offer (ask), status, stop, destroy, list.

API: https://docs.vast.ai/api-reference (``PUT /api/v0/asks/{offer_id}/``, ``GET
/api/v0/instances/{id}/``, ``PUT /api/v0/instances/{id}/ {"state":"stopped"}``, ``DELETE
/api/v0/instances/{id}/``); shared/reference/launch-apis.md §3. An offer that is gone answers 404
or 410 ``no_such_ask``: the capacity signature. An error body that still names ``new_contract``
created an instance anyway: it is destroyed before anything else (dstack does the same).
Billing: per second while ``running``.
"""

from __future__ import annotations

from .base import CapacityError, InstanceState, Launched, LaunchRefused, LaunchSpec, NotFound, TaggedInstance
from .client import HttpProblem
from .common import detail_of, refuse

SLUG = "vast"
BILLING = "per_second_from_running"
CAN_STOP = True
KEY_CHECK = ("GET", "users/current/")
STATUS = {"created": "provisioning", "loading": "provisioning", "running": "running", "exited": "finished",
          "offline": "failed"}


def launch(client, spec: LaunchSpec) -> Launched:
    offer_id = spec.provider_sku.split(":")[0]
    env = dict(spec.env)
    env["-p 22:22"] = "1"
    body = {"image": spec.image, "disk": max(8, spec.disk_gb), "label": spec.tag, "runtype": "ssh", "env": env}
    if spec.command:
        body["onstart"] = spec.command[:4000]
    if spec.interruptible:
        body["price"] = float(spec.usd_per_hour)
    try:
        answer = client.call("PUT", f"asks/{offer_id}/", json_body=body) or {}
    except HttpProblem as p:
        leftover = p.body.get("new_contract") if isinstance(p.body, dict) else None
        if leftover:
            terminate(client, str(leftover))  # half-created: never leave it running
        error = str(p.body.get("error") or "") if isinstance(p.body, dict) else ""
        if p.status in (404, 410) and (error == "no_such_ask" or not error):
            raise CapacityError(f"Vast.ai offer {offer_id} is no longer available ({detail_of(p)})") from None
        raise refuse(SLUG, p) from None
    if not answer.get("success") or not answer.get("new_contract"):
        raise LaunchRefused(f"Vast.ai did not create the instance: {answer.get('msg') or answer.get('error') or 'no contract'}",
                            "Check the Vast.ai account and try another offer.")
    return Launched(instance_id=str(answer["new_contract"]), provider_status="created", status="provisioning")


def _connection(inst: dict) -> dict:
    out = {}
    if inst.get("ssh_host") and inst.get("ssh_port"):
        out["ssh"] = f"ssh -p {inst['ssh_port']} root@{inst['ssh_host']}"
    ports = inst.get("ports") or {}
    if isinstance(ports, dict):
        mapped = [f"{inst.get('public_ipaddr', '')}:{m.get('HostPort')} -> {k}" for k, v in ports.items()
                  for m in (v or []) if isinstance(m, dict)]
        if mapped:
            out["ports"] = mapped
    return out


def status(client, instance_id: str) -> InstanceState:
    try:
        inst = (client.call("GET", f"instances/{instance_id}/") or {}).get("instances")
    except HttpProblem as p:
        if p.status == 404:
            raise NotFound(f"Vast.ai instance {instance_id} no longer exists") from None
        raise refuse(SLUG, p) from None
    if not isinstance(inst, dict) or not inst:
        raise NotFound(f"Vast.ai instance {instance_id} no longer exists")
    raw = str(inst.get("actual_status") or inst.get("cur_state") or "")
    mapped = STATUS.get(raw, "provisioning")
    if inst.get("intended_status") == "stopped" and raw in ("exited", "stopped"):
        mapped = "finished"
    return InstanceState(status=mapped, provider_status=raw, connection=_connection(inst))


def terminate(client, instance_id: str) -> None:
    try:
        client.call("DELETE", f"instances/{instance_id}/")
    except HttpProblem as p:
        if p.status != 404:
            raise refuse(SLUG, p) from None


def stop(client, instance_id: str) -> None:
    try:
        client.call("PUT", f"instances/{instance_id}/", json_body={"state": "stopped"})
    except HttpProblem as p:
        raise refuse(SLUG, p) from None


def tagged(client, prefix: str) -> list[TaggedInstance]:
    rows = (client.call("GET", "instances/", params={"owner": "me"}) or {}).get("instances") or []
    return [TaggedInstance(str(i["id"]), str(i.get("label") or ""), str(i.get("actual_status") or "")) for i in rows
            if isinstance(i, dict) and str(i.get("label") or "").startswith(prefix)]
