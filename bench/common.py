"""Shared plumbing for the benchmarks: the bench database, Django set-up, a gunicorn server on
127.0.0.1, a load generator (wrk when installed, else a bounded thread pool), seeding offers."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cps_bench"
BENCH_SECRET = "bench-" + "k" * 20 + secrets.token_hex(16)


def database_url() -> str:
    """BENCH_DATABASE_URL, else cps_bench. Deliberately not DATABASE_URL: the benches empty the
    price tables, and DATABASE_URL is usually the development (or CI) database."""
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def ensure_database(url: str) -> None:
    import psycopg

    u = urlparse(url)
    name = u.path.lstrip("/")
    with psycopg.connect(u._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str | None = None, *, migrate: bool = True) -> str:
    url = url or database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")  # bulk loads run for minutes
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return url


def server_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_bench", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=BENCH_SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0", DATABASE_URL=database_url(), EMAIL_DISABLED="1", PAGE_THROTTLE_ANON="",
        API_THROTTLE_ANON="1000000/min",
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"), LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collectstatic(env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)


@contextlib.contextmanager
def gunicorn(workers: int = 2, info: dict | None = None, **env_extra):
    """gunicorn serving config.wsgi on 127.0.0.1 with DJANGO_DEBUG=0; yields the base URL.
    ``info`` (a dict), when given, receives the master's ``pid``."""
    import httpx

    port = free_port()
    env = server_env(**env_extra)
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    if info is not None:
        info["pid"] = proc.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("gunicorn did not start:\n" + log.read()[-3000:])
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        os.unlink(log.name)


def load(url: str, *, body: dict | None = None, seconds: int = 10, connections: int = 8) -> dict:
    """Requests/s and latency percentiles (ms) for one URL under concurrent load."""
    if shutil.which("wrk"):
        return _wrk(url, body=body, seconds=seconds, connections=connections)
    return _threads(url, body=body, seconds=seconds, connections=connections)


WRK_LUA = """
wrk.method = "{method}"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("JSON {{\\"requests\\": %d, \\"duration_us\\": %d, \\"errors\\": %d, \\"non2xx\\": %d, "
    .. "\\"p50\\": %d, \\"p90\\": %d, \\"p99\\": %d, \\"mean\\": %d}}\\n",
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean))
end
"""


def _wrk(url, *, body, seconds, connections):
    script = WRK_LUA.format(method="POST" if body is not None else "GET",
                            body=json.dumps(json.dumps(body)) if body is not None else "nil")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", f.name, url],
                             capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(f.name)
    line = next(x for x in out.stdout.splitlines() if x.startswith("JSON "))
    r = json.loads(line[5:])
    return {"rps": r["requests"] / (r["duration_us"] / 1e6), "p50_ms": r["p50"] / 1000, "p90_ms": r["p90"] / 1000,
            "p99_ms": r["p99"] / 1000, "requests": r["requests"], "errors": r["errors"] + r["non2xx"],
            "tool": "wrk"}


def _threads(url, *, body, seconds, connections):
    import concurrent.futures

    import httpx

    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    def worker():
        nonlocal errors
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                resp = client.post(url, json=body) if body is not None else client.get(url)
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += resp.status_code >= 400

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        for fut in [pool.submit(worker) for _ in range(connections)]:
            fut.result()
    elapsed = time.monotonic() - started
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / elapsed, "p50_ms": q[49], "p90_ms": q[89], "p99_ms": q[98],
            "requests": len(latencies), "errors": errors, "tool": "python threads"}


def reset_pricing() -> None:
    """Empty the price tables (polls, offers, history rollup, provider pointers): every bench starts
    from the same state, whatever an earlier bench (a history build) left behind."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("TRUNCATE pricing_pricehistorypoint, pricing_offer, pricing_providerstate, pricing_pollrun "
                  "RESTART IDENTITY CASCADE")


def seed_catalog(*, reset: bool = True) -> int:
    """The built-in dated price list of every provider, stored as polls (what PRICING_OFFLINE=1 serves)."""
    from django.conf import settings

    from pricing import services
    from pricing.providers.registry import PROVIDERS

    if reset:
        reset_pricing()
    settings.PRICING_OFFLINE = True
    services.gpu_catalog_sync()
    total = sum(services.poll_provider(slug).offer_count for slug in PROVIDERS)
    analyze()
    return total


REGIONS = ("US-TX-1", "US-KS-2", "EU-RO-1", "EU-SE-1", "us-east-1", "asia-south-1", "CA-MTL-1", "eu-west-1")
AVAILABILITY = ("high", "medium", "low", "unavailable", "unknown")


def synthetic_offers(n: int, providers=("runpod", "lambda", "together", "vast")) -> dict[str, list]:
    """``n`` offers spread over the providers, every catalog GPU, counts 1/2/4/8, eight regions;
    deterministic prices around a per-GPU base."""
    from pricing.gpus import GPUS
    from pricing.providers.base import ProviderOffer

    out: dict[str, list] = {p: [] for p in providers}
    for i in range(n):
        provider = providers[i % len(providers)]
        g = GPUS[(i // len(providers)) % len(GPUS)]
        count = (1, 2, 4, 8)[(i // (len(providers) * len(GPUS))) % 4]
        per_gpu = Decimal("0.15") + Decimal(g.memory_gb) / 40 * (Decimal(80 + (i * 37) % 40) / 100)
        out[provider].append(ProviderOffer(
            provider=provider, provider_sku=f"bench-{i}", gpu_slug=g.slug, gpu_count=count,
            gpu_memory_gb=g.memory_gb, usd_per_hour=(per_gpu * count).quantize(Decimal("0.0001")),
            region=REGIONS[i % len(REGIONS)], availability=AVAILABILITY[i % len(AVAILABILITY)],
            interruptible=(i % 10 == 9), tier="bench"))
    return out


def seed_offers(n: int) -> int:
    """Store ``n`` synthetic offers as each provider's current poll (through snapshot_record)."""
    from django.utils import timezone

    from pricing import services
    from pricing.models import PollRun, ProviderState
    from pricing.providers.base import FetchResult

    reset_pricing()
    services.gpu_catalog_sync()
    total = 0
    for provider, offers in synthetic_offers(n).items():
        ProviderState.objects.get_or_create(provider=provider)
        run = PollRun.objects.create(provider=provider, started_at=timezone.now(), source="live")
        services.snapshot_record(run, FetchResult(offers=offers))
        total += run.offer_count
    # Providers not in the synthetic set serve nothing (their pointer is cleared).
    ProviderState.objects.exclude(provider__in=list(synthetic_offers(0))).update(current_poll=None)
    analyze()
    return total


def analyze() -> None:
    """Fresh planner statistics after a bulk load (autovacuum would get there, a bench cannot wait)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("ANALYZE pricing_offer")
        c.execute("ANALYZE pricing_pollrun")
        c.execute("ANALYZE pricing_providerstate")


def table(rows: list[tuple], headers: tuple) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*(str(x) for x in r)) for r in rows]
    return "\n".join(out)


def emit(name: str, rows: list[dict]) -> None:
    """Print a result block run_all can collect (one JSON line) after the human-readable table."""
    print("BENCH_RESULT " + json.dumps({"bench": name, "rows": rows}, default=str))


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn workers: children of the master (Linux /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(entry))
    return sorted(pids)


def rss_mb(pid: int) -> float:
    """Resident set size of a process, MiB (VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
