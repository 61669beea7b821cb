"""The launch client: pricing's one HTTP client (timeouts, deadline, size cap, User-Agent, bearer
auth, Retry-After) with the *team's* key and the same ``*_API_URL`` base as polling, so a proxy or a
test double receives launch calls too.

Two differences from polling, both about creating things that cost money:
- a non-idempotent call (POST/PUT create) is retried on 429 only (the provider did not act), never
  on 5xx or a timeout (the create may have happened: the caller cleans up by tag instead), as
  SkyPilot's RunPod client does;
- 4xx answers keep their status and decoded body (``HttpProblem``) so each adapter can tell a
  capacity error from a refusal; empty 204 bodies are fine (DELETE).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx

from pricing.providers.base import AuthError, PayloadError, TransientProviderError
from pricing.providers.http import ProviderClient, build_client

from .base import LaunchRefused, TransientLaunchError

IDEMPOTENT = {"GET", "DELETE", "HEAD"}
NAMES = {"runpod": "RunPod", "lambda": "Lambda", "vast": "Vast.ai", "together": "Together AI", "replicate": "Replicate"}


class HttpProblem(Exception):
    def __init__(self, status: int, body: Any, text: str):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.text = text


@dataclasses.dataclass
class LaunchClient(ProviderClient):
    def _decode(self, response: httpx.Response, body: bytes) -> Any:
        status = response.status_code
        if status == 429 or status >= 500:
            return super()._decode(response, body)  # transient, with Retry-After
        text = body[:500].decode("utf-8", "replace")
        if self.api_key:
            text = text.replace(self.api_key, "[redacted]")
        if status >= 400:
            try:
                parsed = json.loads(text) if text.strip() else None
            except ValueError:
                parsed = None
            raise HttpProblem(status, parsed, text.strip() or "no details")
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise PayloadError(f"{self.slug}: the provider answered with malformed JSON") from None

    def call(self, method: str, path: str, *, json_body: Any = None, params: dict | None = None) -> Any:
        """One call. Idempotent methods get the usual retries; creates are retried on 429 only."""
        try:
            if method.upper() in IDEMPOTENT:
                return self.request_json(method, path, params=params, json_body=json_body)
            return self._create_once(method, path, params, json_body)
        except AuthError:
            raise LaunchRefused(f"{NAMES.get(self.slug, self.slug)} refused the team's API key",
                                "Connect the account again with a valid key (Provider accounts page).") from None
        except TransientProviderError as exc:
            raise TransientLaunchError(str(exc)) from None

    def _create_once(self, method, path, params, json_body):
        import time

        from pricing.providers import http as provider_http

        start = time.monotonic()
        for _ in range(3):
            try:
                return self._once(method, path, params, json_body, start)
            except TransientProviderError as exc:
                if "HTTP 429" not in str(exc) or time.monotonic() - start > self.deadline_s:
                    raise
                provider_http.sleep(exc.retry_after if exc.retry_after is not None else 2.0)
        raise TransientProviderError(f"{self.slug}: still rate limited (HTTP 429)")


def launch_client(slug: str, api_key: str, *, transport: httpx.BaseTransport | None = None) -> LaunchClient:
    """pricing's client builder for the provider's base URL and limits, with the team's key."""
    base = build_client(slug, transport=transport)
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(ProviderClient) if f.init}
    fields.update(api_key=api_key, key_env=None)
    return LaunchClient(**fields)
