"""Recording a provider's raw answers as test fixtures, and replaying them (no network).

``manage.py record_fixtures`` runs each adapter's ordinary ``fetch`` with the team's real keys
through a :class:`RecordingTransport`, which keeps every request and answer. :func:`save` writes
them under ``tests/fixtures/recorded/<provider>/`` with keys and account ids scrubbed:
``manifest.json`` (the requests in order, each with its answer's status, content type and body
file) plus one body file per answer. :class:`ReplayTransport` serves a recording back to the
adapter, so a test sees exactly what the provider sent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# JSON keys whose values identify an account, a person or a secret: replaced on save.
SCRUB_KEYS = re.compile(r"(account|user_?id|owner|email|team|org(anization)?_?id|client_?id|api_?key|token|secret"
                        r"|password|ssh|billing)", re.I)
SCRUBBED = "[scrubbed]"
KEPT_HEADERS = ("content-type", "ratelimit", "ratelimit-policy", "retry-after", "location")


@dataclass
class Exchange:
    method: str
    path: str
    params: dict
    body: object
    status: int
    headers: dict
    content: bytes


@dataclass
class RecordingTransport(httpx.BaseTransport):
    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    exchanges: list[Exchange] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        try:
            body = json.loads(request.content) if request.content else None
        except ValueError:
            body = None
        self.exchanges.append(Exchange(
            request.method, request.url.path, dict(request.url.params), body, response.status_code,
            {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}, content))
        return httpx.Response(response.status_code, headers=response.headers, content=content,
                              request=request)


def scrub(value, secrets: list[str]):
    """A copy of a decoded JSON value with secrets and account-identifying fields replaced."""
    if isinstance(value, dict):
        return {k: (SCRUBBED if SCRUB_KEYS.search(str(k)) and v not in (None, "", [], {}) else scrub(v, secrets))
                for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, "[redacted]")
    return value


def _scrub_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def save(provider: str, exchanges: list[Exchange], out_dir: Path, *, secrets: list[str]) -> Path:
    """Write one provider's recording; returns the manifest's path."""
    folder = out_dir / provider
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    manifest = {"provider": provider, "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "note": "raw answers recorded by manage.py record_fixtures; keys and account ids scrubbed",
                "exchanges": []}
    for n, ex in enumerate(exchanges, 1):
        slug = re.sub(r"[^a-z0-9]+", "_", ex.path.lower()).strip("_")[-60:] or "root"
        try:
            decoded = json.loads(ex.content)
        except ValueError:
            name = f"{n:02d}_{slug}.txt"
            (folder / name).write_text(_scrub_text(ex.content.decode("utf-8", "replace"), secrets))
        else:
            name = f"{n:02d}_{slug}.json"
            (folder / name).write_text(json.dumps(scrub(decoded, secrets), indent=1, sort_keys=True) + "\n")
        manifest["exchanges"].append({
            "request": {"method": ex.method, "path": ex.path, "params": scrub(ex.params, secrets),
                        "body": scrub(ex.body, secrets)},
            "response": {"status": ex.status, "headers": scrub(ex.headers, secrets), "file": name},
        })
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    return path


class ReplayTransport(httpx.BaseTransport):
    """Answers requests from a recording: the first unused exchange with the same method, path,
    params and body (so the adapter may ask in any order); anything else is a 599."""

    def __init__(self, manifest_path: Path):
        self.folder = manifest_path.parent
        self.manifest = json.loads(manifest_path.read_text())
        self.unused = list(self.manifest["exchanges"])
        self.unmatched: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        for ex in self.unused:
            req = ex["request"]
            if (req["method"], req["path"], req["params"], req["body"]) == (
                    request.method, request.url.path, dict(request.url.params), body):
                self.unused.remove(ex)
                resp = ex["response"]
                return httpx.Response(resp["status"], headers=resp["headers"],
                                      content=(self.folder / resp["file"]).read_bytes(), request=request)
        self.unmatched.append(f"{request.method} {request.url.path} {dict(request.url.params)}")
        return httpx.Response(599, text="not in the recording", request=request)
