"""The one HTTP client every provider adapter uses.

- explicit connect/read timeouts *and* an overall deadline: httpx's read timeout is per chunk, so a
  server that drips bytes could otherwise hold a poll open for ever (httpx #1450);
- a response-size cap, a User-Agent, bearer auth;
- timeouts, connection errors, 5xx and 429 are transient: retried with backoff inside the deadline,
  honouring Retry-After; 401/403 is an AuthError naming the env var to fix (never the key);
- non-JSON bodies are PayloadErrors.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

from .base import AuthError, PayloadError, ProviderError, TransientProviderError

USER_AGENT = "compute-provider-selector/1.0 (+polling with the team's own API key)"
MAX_ATTEMPTS = 3
# Replaced in tests so retries do not sleep.
sleep = time.sleep


@dataclass
class ProviderClient:
    slug: str
    base_url: str
    api_key: str = field(repr=False)  # never in logs or tracebacks
    key_env: str | None
    deadline_s: float
    max_bytes: int
    transport: httpx.BaseTransport | None = None
    min_interval_s: float = 0.0  # politeness between requests of one poll (rate limits)
    _last_request_at: float | None = field(default=None, init=False, repr=False)

    def request_json(self, method: str, path: str, *, params: dict | None = None,
                     json_body: Any = None) -> Any:
        """One JSON request with retries inside the poll's deadline. Returns the decoded JSON."""
        start = time.monotonic()
        last_error: ProviderError | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            remaining = self.deadline_s - (time.monotonic() - start)
            if remaining <= 0:
                break
            self._pace()
            try:
                return self._once(method, path, params, json_body, start)
            except TransientProviderError as exc:
                last_error = exc
                if attempt == MAX_ATTEMPTS:
                    break
                delay = exc.retry_after if exc.retry_after is not None else min(4.0, 0.5 * 2 ** (attempt - 1))
                delay += random.uniform(0, 0.1)
                if time.monotonic() - start + delay >= self.deadline_s:
                    break  # waiting would pass the deadline: give up now, the next poll retries
                sleep(delay)
        if last_error is None:
            last_error = TransientProviderError(f"{self.slug}: no answer within the {self.deadline_s:g}s deadline")
        raise last_error

    def _pace(self) -> None:
        """Keep ``min_interval_s`` between this client's requests (providers rate-limit per key)."""
        if self.min_interval_s and self._last_request_at is not None:
            wait = self.min_interval_s - (time.monotonic() - self._last_request_at)
            if wait > 0:
                sleep(wait)
        self._last_request_at = time.monotonic()

    def _once(self, method, path, params, json_body, start) -> Any:
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        remaining = max(0.1, self.deadline_s - (time.monotonic() - start))
        timeout = httpx.Timeout(min(10.0, remaining), connect=min(5.0, remaining))
        try:
            with httpx.Client(transport=self.transport, timeout=timeout, follow_redirects=False) as client:
                with client.stream(method, url, params=params, json=json_body, headers=headers) as response:
                    body = self._read_capped(response, start)
        except httpx.TimeoutException:
            raise TransientProviderError(f"{self.slug}: timed out talking to the provider API") from None
        except httpx.TransportError as exc:
            raise TransientProviderError(
                f"{self.slug}: could not connect to the provider API ({type(exc).__name__})"
            ) from None
        return self._decode(response, body)

    def _read_capped(self, response: httpx.Response, start: float) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise PayloadError(f"{self.slug}: response larger than {self.max_bytes} bytes; refused")
            if time.monotonic() - start > self.deadline_s:
                raise TransientProviderError(
                    f"{self.slug}: response still arriving after the {self.deadline_s:g}s deadline"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _decode(self, response: httpx.Response, body: bytes) -> Any:
        status = response.status_code
        if status in (401, 403):
            hint = f"check {self.key_env}" if self.key_env else "check the provider credentials"
            raise AuthError(f"{self.slug}: the provider refused our credentials (HTTP {status}); {hint}")
        if status == 429:
            raise TransientProviderError(
                f"{self.slug}: rate limited by the provider (HTTP 429)",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise TransientProviderError(f"{self.slug}: provider error (HTTP {status})")
        if status >= 400:
            detail = _error_text(body)
            if self.api_key:
                detail = detail.replace(self.api_key, "[redacted]")  # some APIs echo the key back
            raise ProviderError(f"{self.slug}: the provider rejected the request (HTTP {status}): {detail}")
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise PayloadError(f"{self.slug}: the provider answered with malformed JSON") from None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; capped at 60 s."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(60.0, seconds))


def _error_text(body: bytes) -> str:
    text = body[:300].decode("utf-8", "replace").strip()
    return text or "no details"


def build_client(slug: str, *, transport: httpx.BaseTransport | None = None) -> ProviderClient:
    """A client for one provider, from settings: base URL (``*_API_URL``) and key (``*_API_KEY``)."""
    import os

    conf = settings.PROVIDER_SETTINGS[slug]
    key_env, url_env = conf["key_env"], conf["url_env"]
    base_url = (os.environ.get(url_env, "") if url_env else "").strip() or conf["default_url"]
    api_key = (os.environ.get(key_env, "") if key_env else "").strip()
    return ProviderClient(
        slug=slug,
        base_url=base_url,
        api_key=api_key,
        key_env=key_env,
        deadline_s=float(settings.PROVIDER_POLL_DEADLINE_SECONDS),
        max_bytes=int(settings.PROVIDER_MAX_RESPONSE_BYTES),
        transport=transport,
    )
