"""RunPod REST v2 pods: launch, status, stop, terminate, list.

API: https://docs.runpod.io/api-reference-v2 (``POST /v2/pods``, ``GET /v2/pods/{id}``,
``POST /v2/pods/{id}/action``, ``DELETE /v2/pods/{id}``); shared/reference/launch-apis.md §1.
Capacity has no machine-readable code: a 400 whose ``detail`` says there are "no longer any
instances" (or the GPU/data-centre "could not be placed"). Billing: per second (when compute
billing starts is not documented, so spend counts from the create: never under the real charge).
"""

from __future__ import annotations

from .base import CapacityError, InstanceState, Launched, LaunchSpec, NotFound, TaggedInstance
from .client import HttpProblem
from .common import detail_of, refuse

SLUG = "runpod"
BILLING = "per_second_from_launch"
CAN_STOP = True
KEY_CHECK = ("GET", "pods")
STATUS = {"PROVISIONING": "provisioning", "STARTING": "provisioning", "RUNNING": "running", "EXITED": "finished",
          "ERROR": "failed", "TERMINATED": "terminated"}
CAPACITY_WORDS = ("no longer any instances", "could not be placed", "not enough free gpus", "no instances available")


def _sku(sku: str) -> tuple[str, str]:
    """``NVIDIA H100 80GB HBM3/secure/1x`` -> (gpu id, cloud)."""
    parts = sku.split("/")
    gpu_id = parts[0]
    cloud = "COMMUNITY" if len(parts) > 1 and parts[1].lower() == "community" else "SECURE"
    return gpu_id, cloud


def launch(client, spec: LaunchSpec) -> Launched:
    gpu_id, cloud = _sku(spec.provider_sku)
    body = {"name": spec.tag, "image": spec.image, "gpu": {"id": gpu_id, "count": spec.gpu_count}, "cloud": cloud,
            "disk": spec.disk_gb, "ports": ["22/tcp", "8888/http"], "env": dict(spec.env), "startSsh": True}
    if spec.region:
        body["dataCenterIds"] = [spec.region]
    if spec.command:
        body["args"] = spec.command
    try:
        pod = client.call("POST", "pods", json_body=body)
    except HttpProblem as p:
        if p.status == 400 and any(w in detail_of(p).lower() for w in CAPACITY_WORDS):
            raise CapacityError(f"RunPod has no {gpu_id} left ({cloud.lower()} cloud): “{detail_of(p)}”") from None
        raise refuse(SLUG, p) from None
    return Launched(instance_id=str(pod["id"]), provider_status=str(pod.get("status") or ""),
                    status=STATUS.get(str(pod.get("status")), "provisioning"), connection=_connection(pod))


def _connection(pod: dict) -> dict:
    ssh = pod.get("ssh") or {}
    out = {}
    direct = ssh.get("direct") if isinstance(ssh, dict) else None
    proxy = ssh.get("proxy") if isinstance(ssh, dict) else None
    if isinstance(direct, dict) and direct.get("command"):
        out["ssh"] = direct["command"]
    elif isinstance(proxy, dict) and proxy.get("command"):
        out["ssh"] = proxy["command"]
    runtime = pod.get("runtime") or {}
    ports = [f"{p.get('ip', '')}:{p.get('public')} -> {p.get('private')}/{p.get('type', '')}"
             for p in (runtime.get("ports") or []) if isinstance(p, dict) and p.get("public")]
    if ports:
        out["ports"] = ports
    return out


def status(client, instance_id: str) -> InstanceState:
    try:
        pod = client.call("GET", f"pods/{instance_id}")
    except HttpProblem as p:
        if p.status == 404:
            raise NotFound(f"RunPod pod {instance_id} no longer exists") from None
        raise refuse(SLUG, p) from None
    raw = str(pod.get("status") or "")
    return InstanceState(status=STATUS.get(raw, "provisioning"), provider_status=raw, connection=_connection(pod))


def terminate(client, instance_id: str) -> None:
    try:
        client.call("DELETE", f"pods/{instance_id}")
    except HttpProblem as p:
        if p.status != 404:  # already gone is what we wanted
            raise refuse(SLUG, p) from None


def stop(client, instance_id: str) -> None:
    try:
        client.call("POST", f"pods/{instance_id}/action", json_body={"action": "stop"})
    except HttpProblem as p:
        raise refuse(SLUG, p) from None


def tagged(client, prefix: str) -> list[TaggedInstance]:
    out, params = [], {}
    for _ in range(20):  # cursor pagination, bounded
        page = client.call("GET", "pods", params=params or None) or {}
        for pod in page.get("pods") or []:
            if isinstance(pod, dict) and str(pod.get("name") or "").startswith(prefix) and pod.get("status") != "TERMINATED":
                out.append(TaggedInstance(str(pod["id"]), str(pod["name"]), str(pod.get("status") or "")))
        pagination = page.get("pagination") or {}
        if not pagination.get("hasNextPage") or not pagination.get("nextCursor"):
            break
        params = {"cursor": pagination["nextCursor"]}
    return out
