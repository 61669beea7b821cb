"""A fake RunPod, Lambda, Vast.ai, Together AI and Replicate on one local HTTP server (port 0),
answering in each provider's real shapes (shared/reference/launch-apis.md) for pricing polls, key
checks, launch, status, stop, terminate and list, with their real error bodies.

Point the app at it with ``*_API_URL`` (``http://127.0.0.1:<port>/<provider>/...``): polling and
launching both go there, exactly as they would go to a proxy. Nothing here reaches a provider.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEYS = {"runpod": "rp-TEAMKEY-1234567890abcd", "lambda": "secret_lambda-TEAMKEY-9f8e7d6c",
        "vast": "vast-TEAMKEY-0011223344", "together": "tgr-TEAMKEY-55667788",
        "replicate": "r8_TEAMKEY-99aabbccdd"}
BASES = {"runpod": "/runpod/v2", "lambda": "/lambda/api/v1", "vast": "/vast/api/v0", "together": "/together/v1",
         "replicate": "/replicate/v1"}
ENV = {"runpod": "RUNPOD_API_URL", "lambda": "LAMBDA_API_URL", "vast": "VAST_API_URL", "together": "TOGETHER_API_URL",
       "replicate": "REPLICATE_API_URL"}

RUNPOD_CAPACITY = {"detail": "There are no longer any instances available with the requested specifications. "
                             "Please refresh and try again.", "status": 400}
LAMBDA_CAPACITY = {"error": {"code": "instance-operations/launch/insufficient-capacity",
                             "message": "Not enough capacity to fulfill launch request."}}
VAST_GONE = {"success": False, "error": "no_such_ask", "msg": "error 404/3603: no_such_ask Instance type by id 9001 is not available."}
ERRORS = {
    ("runpod", "auth"): (401, {"title": "Unauthorized", "status": 401, "detail": "missing bearer token"}),
    ("runpod", "balance"): (402, {"title": "Payment Required", "status": 402, "detail": "insufficient balance"}),
    ("runpod", "invalid"): (422, {"title": "Unprocessable Entity", "status": 422, "detail": "validation failed",
                                  "errors": [{"location": "body.disk", "message": "must be >= 1"}]}),
    ("runpod", "capacity"): (400, RUNPOD_CAPACITY),
    ("lambda", "capacity"): (400, LAMBDA_CAPACITY),
    ("lambda", "auth"): (401, {"error": {"code": "global/invalid-api-key", "message": "API key was invalid, expired, or deleted."}}),
    ("lambda", "balance"): (403, {"error": {"code": "global/account-inactive",
                                            "message": "Your account is inactive. Make sure you have verified your email address and have a valid payment method."}}),
    ("vast", "capacity"): (404, VAST_GONE),
    ("vast", "gone410"): (410, {"success": False, "error": "no_such_ask", "msg": "error 410/3907: Instance 9001 is no longer available."}),
    ("vast", "auth"): (401, {"success": False, "error": "auth_error", "msg": "Invalid user key"}),
}


def catalogs(prices: dict) -> dict:
    return {
        "runpod": {"gpus": [{"id": "NVIDIA H100 80GB HBM3", "name": "H100 SXM", "memory": 80, "secure": True,
                             "community": False, "price": {"secure": prices["runpod"], "community": 0.0},
                             "maxCount": {"secure": 1, "community": 0}, "availability": "HIGH",
                             "dataCenters": [{"id": "US-KS-2", "name": "US Kansas 2", "availability": "HIGH"}]}]},
        "lambda": {"data": {"gpu_1x_h100_sxm5": {
            "instance_type": {"name": "gpu_1x_h100_sxm5", "description": "1x H100 (80 GB SXM5)",
                              "gpu_description": "H100 (80 GB SXM5)", "price_cents_per_hour": int(prices["lambda"] * 100),
                              "specs": {"vcpus": 26, "memory_gib": 225, "storage_gib": 2816, "gpus": 1}},
            "regions_with_capacity_available": [{"name": "us-east-1", "description": "Virginia, USA"}]}}},
        "vast": {"offers": [{"id": 9001, "ask_contract_id": 9001, "gpu_name": "H100 SXM", "num_gpus": 1,
                             "gpu_ram": 81920, "dph_total": prices["vast"], "min_bid": None, "geolocation": "Texas, US",
                             "verification": "verified", "rentable": True, "rented": False}]},
    }


class FakeProviders:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.instances: dict[str, dict] = {}  # id -> {"provider", "name", "status", ...}
        self.fail_launch: dict[str, list[str]] = {}  # provider -> queue of error kinds for the next launches
        self.prices = {"runpod": 2.99, "lambda": 3.29, "vast": 2.10}
        self.auto_advance = True  # each status read moves provisioning -> running
        self.ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- control ---------------------------------------------------------------------------
    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def env(self) -> dict:
        return {ENV[p]: self.url + BASES[p] for p in BASES}

    def running(self, provider: str | None = None) -> list[dict]:
        dead = {"TERMINATED", "terminated", "terminating", "destroyed", "exited", "cancelled", "canceled", "EXITED"}
        return [i for i in self.instances.values() if (provider is None or i["provider"] == provider)
                and i["status"] not in dead]

    def set_status(self, instance_id: str, status: str):
        self.instances[str(instance_id)]["status"] = status

    def launches(self, provider: str | None = None) -> list[dict]:
        return [r for r in self.requests if r.get("launch") and (provider is None or r["provider"] == provider)]

    # --- the server --------------------------------------------------------------------------
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body=None):
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    return json.loads(raw) if raw else None
                except ValueError:
                    return None

            def _route(self, method):
                body = self._body()
                path = self.path.split("?")[0]
                provider = next((p for p, b in BASES.items() if path.startswith(b + "/") or path == b), None)
                rec = {"method": method, "path": self.path, "provider": provider, "auth": self.headers.get("Authorization", ""),
                       "body": body}
                with fake.lock:
                    fake.requests.append(rec)
                if provider is None:
                    return self._send(404, {"detail": "no such fake"})
                sub = path[len(BASES[provider]):].rstrip("/") or "/"
                # Polling endpoints answer without a key (the operator may have none in tests).
                cat = catalogs(fake.prices)
                if provider == "runpod" and sub == "/catalog/gpus":
                    return self._send(200, cat["runpod"])
                if provider == "lambda" and sub == "/instance-types":
                    return self._send(200, cat["lambda"])
                if provider == "vast" and sub == "/bundles":
                    return self._send(200, cat["vast"])
                if rec["auth"] != f"Bearer {KEYS[provider]}":
                    kind = ERRORS.get((provider, "auth"), (401, {"detail": "Unauthorized"}))
                    return self._send(*kind)
                with fake.lock:
                    return getattr(fake, f"_{provider}")(self, method, sub, body, rec)

            def do_GET(self):  # noqa: N802
                self._route("GET")

            def do_POST(self):  # noqa: N802
                self._route("POST")

            def do_PUT(self):  # noqa: N802
                self._route("PUT")

            def do_DELETE(self):  # noqa: N802
                self._route("DELETE")

        return Handler

    def _next_failure(self, provider):
        q = self.fail_launch.get(provider) or []
        return q.pop(0) if q else None

    def _new(self, provider, name, status, **extra) -> dict:
        iid = f"{provider[:2]}{next(self.ids):04d}"
        inst = {"id": iid, "provider": provider, "name": name, "status": status, "reads": 0, **extra}
        self.instances[iid] = inst
        return inst

    def _advance(self, inst, steps):
        if self.auto_advance and inst["status"] in steps:
            inst["status"] = steps[inst["status"]]

    # RunPod REST v2
    def _runpod(self, h, method, sub, body, rec):
        if sub == "/pods" and method == "GET":
            return h._send(200, {"pods": [self._pod(i) for i in self.instances.values() if i["provider"] == "runpod"],
                                 "pagination": {"hasNextPage": False}})
        if sub == "/pods" and method == "POST":
            rec["launch"] = True
            failure = self._next_failure("runpod")
            if failure == "echo":  # an API that quotes our credentials back in its error
                return h._send(422, {"title": "Unprocessable", "status": 422, "detail": f"bad request for {rec['auth']}"})
            if failure == "5xx_created":  # the create happened, the answer was lost
                self._new("runpod", body.get("name"), "PROVISIONING", body=body)
                return h._send(502, {"error": "bad gateway"})
            if failure:
                return h._send(*ERRORS[("runpod", failure)])
            inst = self._new("runpod", body.get("name"), "PROVISIONING", body=body)
            return h._send(201, self._pod(inst))
        m = re.fullmatch(r"/pods/([^/]+)(/action)?", sub)
        if m and m.group(1) in self.instances:
            inst = self.instances[m.group(1)]
            if m.group(2):
                inst["status"] = {"stop": "EXITED", "terminate": "TERMINATED"}.get((body or {}).get("action"), inst["status"])
                return h._send(200, self._pod(inst))
            if method == "DELETE":
                inst["status"] = "TERMINATED"
                return h._send(204)
            if inst["status"] == "TERMINATED":
                return h._send(404, {"title": "Not Found", "status": 404, "detail": "pod not found"})
            out = self._pod(inst)
            self._advance(inst, {"PROVISIONING": "RUNNING"})
            return h._send(200, out)
        return h._send(404, {"title": "Not Found", "status": 404, "detail": "pod not found"})

    def _pod(self, inst):
        running = inst["status"] == "RUNNING"
        return {"id": inst["id"], "name": inst["name"], "status": inst["status"], "actions": ["stop", "terminate"],
                "gpu": (inst.get("body") or {}).get("gpu"), "cost": self.prices["runpod"] if running else 0.0,
                "ssh": {"proxy": {"host": "ssh.runpod.io", "port": 22, "username": f"{inst['id']}-64410f",
                                  "command": f"ssh {inst['id']}-64410f@ssh.runpod.io -i ~/.ssh/id_ed25519"},
                        "direct": None},
                "runtime": {"uptime": 12, "ports": [{"private": 22, "public": 40022, "type": "tcp", "ip": "203.0.113.7"}]}
                if running else None}

    # Lambda Cloud
    def _lambda(self, h, method, sub, body, rec):
        if sub == "/ssh-keys" and method == "GET":
            return h._send(200, {"data": [{"id": "k1", "name": "laptop", "public_key": "ssh-ed25519 AAAA laptop"}]})
        if sub == "/ssh-keys" and method == "POST":
            return h._send(200, {"data": {"id": "k2", "name": body.get("name"), "public_key": body.get("public_key")}})
        if sub == "/instance-operations/launch":
            rec["launch"] = True
            failure = self._next_failure("lambda")
            if failure:
                return h._send(*ERRORS[("lambda", failure)])
            inst = self._new("lambda", body.get("name"), "booting", body=body)
            return h._send(200, {"data": {"instance_ids": [inst["id"]]}})
        if sub == "/instance-operations/terminate":
            done = []
            for iid in (body or {}).get("instance_ids") or []:
                if iid in self.instances:
                    self.instances[iid]["status"] = "terminated"
                    done.append(self._instance(self.instances[iid]) | {"status": "terminating"})
            return h._send(200, {"data": {"terminated_instances": done}})
        if sub == "/instances":
            return h._send(200, {"data": [self._instance(i) for i in self.instances.values()
                                          if i["provider"] == "lambda" and i["status"] != "terminated"]})
        m = re.fullmatch(r"/instances/([^/]+)", sub)
        if m and m.group(1) in self.instances and self.instances[m.group(1)]["status"] != "terminated":
            inst = self.instances[m.group(1)]
            out = self._instance(inst)
            self._advance(inst, {"booting": "active"})
            return h._send(200, {"data": out})
        return h._send(404, {"error": {"code": "global/object-does-not-exist", "message": "Specified instance does not exist."}})

    def _instance(self, inst):
        active = inst["status"] == "active"
        return {"id": inst["id"], "name": inst["name"], "status": inst["status"], "ip": "198.51.100.4" if active else None,
                "region": {"name": "us-east-1"}, "instance_type": {"name": "gpu_1x_h100_sxm5",
                                                                   "price_cents_per_hour": int(self.prices["lambda"] * 100)}}

    # Vast.ai
    def _vast(self, h, method, sub, body, rec):
        if sub == "/users/current":
            return h._send(200, {"id": 77, "username": "team", "credit": 25.0})
        m = re.fullmatch(r"/asks/([^/]+)", sub)
        if m and method == "PUT":
            rec["launch"] = True
            failure = self._next_failure("vast")
            if failure:
                return h._send(*ERRORS[("vast", failure)])
            inst = self._new("vast", body.get("label"), "loading", body=body, offer=m.group(1))
            return h._send(200, {"success": True, "new_contract": int(inst["id"][2:]) + 5000000, "_id": inst["id"]})
        if sub == "/instances" and method == "GET":
            return h._send(200, {"instances": [self._vast_row(i) for i in self.instances.values()
                                               if i["provider"] == "vast" and i["status"] != "destroyed"]})
        m = re.fullmatch(r"/instances/([^/]+)", sub)
        inst = self._vast_by_contract(m.group(1)) if m else None
        if inst is None or inst["status"] == "destroyed":
            return h._send(404, {"success": False, "error": "no_such_instance", "msg": "Instance not found."})
        if method == "DELETE":
            inst["status"] = "destroyed"
            return h._send(200, {"success": True})
        if method == "PUT":
            inst["status"] = "exited" if (body or {}).get("state") == "stopped" else "running"
            inst["intended"] = (body or {}).get("state", "running")
            return h._send(200, {"success": True})
        out = self._vast_row(inst)
        self._advance(inst, {"loading": "running"})
        return h._send(200, {"instances": out})

    def _vast_by_contract(self, contract):
        for i in self.instances.values():
            if i["provider"] == "vast" and str(int(i["id"][2:]) + 5000000) == str(contract):
                return i
        return None

    def _vast_row(self, inst):
        running = inst["status"] == "running"
        return {"id": int(inst["id"][2:]) + 5000000, "label": inst["name"], "actual_status": inst["status"],
                "intended_status": inst.get("intended", "running"), "cur_state": "running",
                "ssh_host": "ssh4.vast.ai" if running else None, "ssh_port": 31022 if running else None,
                "public_ipaddr": "192.0.2.9", "dph_total": self.prices["vast"]}

    # Together AI and Replicate: key checks and jobs
    def _together(self, h, method, sub, body, rec):
        if sub == "/fine-tunes" and method == "GET":
            return h._send(200, {"data": []})
        if sub == "/fine-tunes" and method == "POST":
            rec["launch"] = True
            inst = self._new("together", body.get("suffix"), "pending", body=body)
            return h._send(200, {"id": f"ft-{inst['id']}", "status": "pending"})
        m = re.fullmatch(r"/fine-tunes/ft-([^/]+)(/cancel)?", sub)
        if m and m.group(1) in self.instances:
            inst = self.instances[m.group(1)]
            if m.group(2):
                inst["status"] = "cancelled"
            else:
                self._advance(inst, {"pending": "running"})
            return h._send(200, {"id": f"ft-{inst['id']}", "status": inst["status"], "total_price": 1250})
        return h._send(404, {"message": "not found"})

    def _replicate(self, h, method, sub, body, rec):
        if sub == "/account":
            return h._send(200, {"type": "organization", "username": "team", "name": "Team"})
        m = re.fullmatch(r"/models/([^/]+)/([^/]+)/versions/([^/]+)/trainings", sub)
        if m and method == "POST":
            rec["launch"] = True
            inst = self._new("replicate", body.get("destination"), "starting", body=body)
            return h._send(201, {"id": f"t{inst['id']}", "status": "starting"})
        m = re.fullmatch(r"/trainings/t([^/]+)(/cancel)?", sub)
        if m and m.group(1) in self.instances:
            inst = self.instances[m.group(1)]
            if m.group(2):
                inst["status"] = "canceled"
            else:
                self._advance(inst, {"starting": "processing"})
            return h._send(200, {"id": f"t{inst['id']}", "status": inst["status"]})
        return h._send(404, {"detail": "Not found."})
