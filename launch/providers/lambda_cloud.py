"""Lambda Cloud instances: launch, status, terminate (no stop), list.

API: https://cloud.lambda.ai/api/v1 (OpenAPI v1.8.3: ``POST /instance-operations/launch``,
``GET /instances/{id}``, ``POST /instance-operations/terminate``, ``GET|POST /ssh-keys``);
shared/reference/launch-apis.md §2. Errors are ``{"error": {"code", "message", "suggestion"}}``:
branch on ``code``. ``instance-operations/launch/insufficient-capacity`` is the capacity signature.
Exactly one SSH key name is required: the team's public key is registered once under our name.
Billing: per minute, from the moment the instance passes health checks (``active``).
"""

from __future__ import annotations

import shlex

from .base import CapacityError, InstanceState, Launched, LaunchRefused, LaunchSpec, NotFound, TaggedInstance
from .client import HttpProblem
from .common import refuse

SLUG = "lambda"
BILLING = "per_minute_from_running"
CAN_STOP = False
KEY_CHECK = ("GET", "ssh-keys")
STATUS = {"booting": "provisioning", "active": "running", "unhealthy": "running", "terminating": "terminated",
          "terminated": "terminated", "preempted": "failed"}
KEY_NAME = "compute-provider-selector"


def _code(p: HttpProblem) -> str:
    err = p.body.get("error") if isinstance(p.body, dict) else None
    return str(err.get("code") or "") if isinstance(err, dict) else ""


def _ssh_key_name(client, public_key: str) -> str:
    try:
        keys = (client.call("GET", "ssh-keys") or {}).get("data") or []
        names = [k.get("name") for k in keys if isinstance(k, dict)]
        if public_key:
            if KEY_NAME not in names:
                client.call("POST", "ssh-keys", json_body={"name": KEY_NAME, "public_key": public_key})
            return KEY_NAME
    except HttpProblem as p:
        raise refuse(SLUG, p) from None
    if names:
        return str(names[0])
    raise LaunchRefused("Lambda needs an SSH key for every instance and the account has none",
                        "Add your SSH public key to the team's Lambda account (Provider accounts page).")


def _user_data(spec: LaunchSpec) -> str:
    """cloud-init: run the team's container on the VM (Lambda instances are VMs, not containers)."""
    env = "".join(f" -e {shlex.quote(f'{k}={v}')}" for k, v in spec.env.items())
    cmd = f" sh -c {shlex.quote(spec.command)}" if spec.command else ""
    return f"#cloud-config\nruncmd:\n  - docker run --gpus all -d{env} {shlex.quote(spec.image)}{cmd}\n"


def launch(client, spec: LaunchSpec) -> Launched:
    key_name = _ssh_key_name(client, spec.ssh_public_key)
    body = {"region_name": spec.region, "instance_type_name": spec.provider_sku, "ssh_key_names": [key_name],
            "name": spec.tag[:64], "user_data": _user_data(spec)}
    try:
        data = (client.call("POST", "instance-operations/launch", json_body=body) or {}).get("data") or {}
    except HttpProblem as p:
        if _code(p) == "instance-operations/launch/insufficient-capacity":
            raise CapacityError(f"Lambda has no {spec.provider_sku} capacity in {spec.region or 'that region'} "
                                "(insufficient-capacity)") from None
        raise refuse(SLUG, p) from None
    ids = data.get("instance_ids") or []
    if not ids:
        raise LaunchRefused("Lambda accepted the launch but returned no instance id", "Check the Lambda console.")
    return Launched(instance_id=str(ids[0]), provider_status="booting", status="provisioning")


def _connection(inst: dict) -> dict:
    out = {}
    if inst.get("ip"):
        out["ssh"] = f"ssh ubuntu@{inst['ip']}"
    if inst.get("jupyter_url"):
        out["jupyter"] = "Jupyter: open the Lambda console (the link carries a token)"
    return out


def status(client, instance_id: str) -> InstanceState:
    try:
        inst = (client.call("GET", f"instances/{instance_id}") or {}).get("data") or {}
    except HttpProblem as p:
        if p.status == 404:
            raise NotFound(f"Lambda instance {instance_id} no longer exists") from None
        raise refuse(SLUG, p) from None
    raw = str(inst.get("status") or "")
    return InstanceState(status=STATUS.get(raw, "provisioning"), provider_status=raw, connection=_connection(inst))


def terminate(client, instance_id: str) -> None:
    try:
        client.call("POST", "instance-operations/terminate", json_body={"instance_ids": [instance_id]})
    except HttpProblem as p:
        if p.status != 404 and _code(p) != "global/object-does-not-exist":
            raise refuse(SLUG, p) from None


stop = None


def tagged(client, prefix: str) -> list[TaggedInstance]:
    rows = (client.call("GET", "instances") or {}).get("data") or []
    return [TaggedInstance(str(i["id"]), str(i.get("name") or ""), str(i.get("status") or "")) for i in rows
            if isinstance(i, dict) and str(i.get("name") or "").startswith(prefix)
            and i.get("status") not in ("terminated", "terminating")]
