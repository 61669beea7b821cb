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
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

from .base import AuthError, PayloadError, ProviderError, TransientProviderError

USER_AGENT = "compute-provider-selector/1.0 (+polling with the team's own API key)"
MAX_ATTEMPTS = 3
MAX_REDIRECTS = 3
# Replaced in tests so retries and pacing do not really wait (``clock`` is what pacing measures).
sleep = time.sleep
clock = time.monotonic


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
    # How long to wait after a 429 that names no Retry-After (Vast's plain-text 429): None = backoff.
    rate_limit_wait_s: float | None = None
    # Hosts a redirect may lead to (the provider's own domains); any other redirect is reported.
    redirect_hosts: tuple[str, ...] = ()
    # What the poll record shows: HTTP requests made (retries included) and the last answer's headers
    # (RunPod's RateLimit headers tell the adapter how many calls are left).
    request_count: int = field(default=0, init=False)
    last_headers: httpx.Headers | None = field(default=None, init=False, repr=False)
    _last_request_at: float | None = field(default=None, init=False, repr=False)
    _slept_since_request: float = field(default=0.0, init=False, repr=False)

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
                delay = exc.retry_after
                if delay is None and exc.rate_limited and self.rate_limit_wait_s is not None:
                    delay = self.rate_limit_wait_s  # no Retry-After: wait a whole window, don't hammer
                if delay is None:
                    delay = min(4.0, 0.5 * 2 ** (attempt - 1))
                delay += random.uniform(0, 0.1)
                if time.monotonic() - start + delay >= self.deadline_s:
                    break  # waiting would pass the deadline: give up now, the next poll retries
                sleep(delay)
                if exc.retry_after is not None:
                    self._last_request_at = None  # the server said when to come back: trust it
                else:
                    self._slept_since_request += delay
        if last_error is None:
            last_error = TransientProviderError(f"{self.slug}: no answer within the {self.deadline_s:g}s deadline")
        raise last_error

    def _pace(self) -> None:
        """Keep ``min_interval_s`` between this client's requests (providers rate-limit per key)."""
        if self.min_interval_s and self._last_request_at is not None:
            # Time spent in a retry's sleep counts (and keeps tests with a fake sleep honest).
            wait = self.min_interval_s - (clock() - self._last_request_at) - self._slept_since_request
            if wait > 0:
                sleep(wait)
        self._last_request_at = clock()
        self._slept_since_request = 0.0

    def _once(self, method, path, params, json_body, start) -> Any:
        url = httpx.URL(self.base_url.rstrip("/") + "/" + path.lstrip("/"))
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        remaining = max(0.1, self.deadline_s - (time.monotonic() - start))
        timeout = httpx.Timeout(min(10.0, remaining), connect=min(5.0, remaining))
        try:
            # Redirects are followed by hand: only to the provider's own hosts (the key goes with
            # the request), a few hops at most; anything else is reported as a redirect.
            with httpx.Client(transport=self.transport, timeout=timeout, follow_redirects=False) as client:
                for _hop in range(MAX_REDIRECTS + 1):
                    self.request_count += 1
                    with client.stream(method, url, params=params, json=json_body, headers=headers) as response:
                        body = self._read_capped(response, start)
                    self.last_headers = response.headers
                    if not response.is_redirect:
                        break
                    url, params = self._redirect_target(response, url), None
                else:
                    raise ProviderError(f"{self.slug}: more than {MAX_REDIRECTS} redirects; not followed")
        except httpx.TimeoutException:
            raise TransientProviderError(f"{self.slug}: timed out talking to the provider API") from None
        except httpx.TransportError as exc:
            raise TransientProviderError(
                f"{self.slug}: could not connect to the provider API ({type(exc).__name__})"
            ) from None
        return self._decode(response, body)

    def _redirect_target(self, response: httpx.Response, url: httpx.URL) -> httpx.URL:
        location = response.headers.get("Location", "")
        if not location:
            raise ProviderError(f"{self.slug}: the provider answered HTTP {response.status_code} "
                                "(a redirect) without a Location")
        target = url.join(location)
        allowed = {url.host, *self.redirect_hosts}
        if target.host not in allowed or target.scheme not in ("https", url.scheme):
            raise ProviderError(
                f"{self.slug}: the provider API redirected (HTTP {response.status_code}) to "
                f"{target.scheme}://{target.host}, which is not one of its own hosts; not followed. "
                "Update the base URL setting")
        return target

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
                retry_after=_retry_after(response.headers.get("Retry-After")), rate_limited=True,
            )
        if status >= 500:
            raise TransientProviderError(f"{self.slug}: provider error (HTTP {status})")
        if 300 <= status < 400:
            raise ProviderError(f"{self.slug}: the provider answered with a redirect (HTTP {status}) "
                                "that could not be followed; update the base URL setting")
        if status >= 400:
            detail = _error_text(body, secrets=[self.api_key], public=public_names())  # some APIs echo the key
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


ERROR_TEXT_CHARS = 300
REDACTED = "[redacted]"
# A run of this many characters of a key, in any letter case, counts as the key (an API that
# echoes the key may cut it, wrap it or change its case).
KEY_FRAGMENT_CHARS = 8


def redact_secrets(text: str, secrets, *, public=()) -> str:
    """``text`` with every secret removed: the whole secret or any run of KEY_FRAGMENT_CHARS or
    more of its characters, case-insensitively. Redact *before* truncating: a cut through the key
    would otherwise leave its first part unrecognised. Fragments that are part of a ``public``
    string (provider slugs, env var names: a test key may well read "sk-together-...") are kept."""
    lowered = text.lower()
    public = [p.lower() for p in public if p]
    hide = bytearray(len(text))
    for secret in secrets:
        secret = (secret or "").strip().lower()
        if len(secret) < 4:
            continue
        n = min(KEY_FRAGMENT_CHARS, len(secret))
        fragments = {secret[i:i + n] for i in range(len(secret) - n + 1)}
        fragments = {f for f in fragments if not any(f in p for p in public)} if public else fragments
        if secret in fragments or len(secret) <= n:
            fragments.add(secret)
        for i in range(len(lowered) - n + 1):
            if lowered[i:i + n] in fragments:
                hide[i:i + n] = b"\x01" * n
    if not any(hide):
        return text
    out, i = [], 0
    while i < len(text):
        if hide[i]:
            while i < len(text) and hide[i]:
                i += 1
            out.append(REDACTED)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def public_names() -> list[str]:
    """Words of our own messages that a key may happen to contain: provider slugs and env names."""
    names = []
    for slug, conf in settings.PROVIDER_SETTINGS.items():
        names += [slug, conf.get("key_env") or "", conf.get("url_env") or "", *conf.get("key_env_aliases", ())]
    return names


def _error_text(body: bytes, *, secrets=(), public=()) -> str:
    # Decode more than is kept, redact, then cut: the cut can no longer split a key in two.
    text = redact_secrets(body[:4 * ERROR_TEXT_CHARS].decode("utf-8", "replace"), secrets, public=public).strip()
    if len(text) > ERROR_TEXT_CHARS:
        text = text[:ERROR_TEXT_CHARS] + "..."
    return text or "no details"


_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


def public_cause(error: str) -> str:
    """A failed poll's cause in our own words, for anonymous readers (the API, the pages): never
    the provider's response text, which may quote anything. The admin keeps the redacted detail.
    ``error`` is a message written by this module or pricing.services (``slug: what happened``)."""
    if not error:
        return ""
    ours = error.split("):", 1)[0]  # an upstream body, when quoted, follows "(HTTP 4xx): "
    if "refused our credentials" in ours:
        return "credentials refused"
    if "rate limited" in ours:
        return "rate limited (answered 429)"
    match = _HTTP_STATUS.search(ours)
    if match:
        return f"answered {match[1]}"
    if "timed out" in ours or "deadline" in ours:
        return "timed out"
    if "could not connect" in ours:
        return "could not connect"
    if "abandoned" in ours:
        return "poll interrupted"
    if "no usable offers" in ours:
        return "no usable offers"
    if "could not store" in ours:
        return "could not store the prices"
    return "unexpected answer"


def build_client(slug: str, *, transport: httpx.BaseTransport | None = None) -> ProviderClient:
    """A client for one provider, from settings: base URL (``*_API_URL``) and key (``*_API_KEY``)."""
    import os

    conf = settings.PROVIDER_SETTINGS[slug]
    url_env = conf["url_env"]
    base_url = (os.environ.get(url_env, "") if url_env else "").strip() or conf["default_url"]
    key_env, api_key = provider_key(conf)
    return ProviderClient(
        slug=slug,
        base_url=base_url,
        api_key=api_key,
        key_env=key_env,
        deadline_s=float(settings.PROVIDER_POLL_DEADLINE_SECONDS),
        max_bytes=int(settings.PROVIDER_MAX_RESPONSE_BYTES),
        transport=transport,
        min_interval_s=float(conf.get("min_interval_s", 0.0)),
        rate_limit_wait_s=conf.get("rate_limit_wait_s"),
        redirect_hosts=tuple(conf.get("redirect_hosts", ())),
    )


def provider_key(conf: dict) -> tuple[str | None, str]:
    """(the env var that holds the key, the key) for one provider's settings: ``key_env`` first,
    then the names in ``key_env_aliases`` (Replicate's own tools use REPLICATE_API_TOKEN)."""
    import os

    names = [n for n in (conf.get("key_env"), *conf.get("key_env_aliases", ())) if n]
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return name, value
    return (names[0] if names else None), ""
