"""A database that accepts connections and never answers (issue 12 point 4). It used to hold every
request until gunicorn killed the worker (30 s, a 500) while requests needing no database queued
behind it. With the connect timeout, /healthz, pages and the API answer 503 within seconds, and
database-free answers keep coming."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, time, django
django.setup()
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
from django.conf import settings
setup_test_environment()
plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
out = {"options": {k: v for k, v in settings.DATABASES["default"]["OPTIONS"].items() if k != "password"}}
with override_settings(STORAGES=plain):
    for path in ["/healthz", "/api/cloud/providers", "/compare/", "/api/cloud/gpus", "/tips/"]:
        t0 = time.monotonic()
        r = Client(HTTP_ACCEPT="application/json" if "api" in path else "text/html").get(path)
        out[path] = [r.status_code, round(time.monotonic() - t0, 2), r["Content-Type"]]
print("RESULT " + json.dumps(out))
"""


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 (port 0) and never sends a byte."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.accepts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepts += 1
            self.held.append(conn)

    def close(self):
        for c in self.held:
            c.close()
        self.sock.close()


def test_a_database_that_never_answers_gives_503_within_seconds_and_db_free_pages_keep_answering(tmp_path):
    server = SilentServer()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_URL"))}
        env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_SECRET_KEY="k" * 60, DJANGO_DEBUG="0",
                   DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_ALLOWED_HOSTS="testserver", EMAIL_DISABLED="1",
                   DATABASE_URL=f"postgres://nobody@127.0.0.1:{server.port}/nothing",
                   DATABASE_CONNECT_TIMEOUT="2", DATABASE_STATEMENT_TIMEOUT_MS="4000",
                   FILE_CACHE_DIR=str(tmp_path / "cache"))
        out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=90)
    finally:
        server.close()
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])
    print(result)
    assert result["options"]["connect_timeout"] == 2
    assert result["options"]["options"] == "-c statement_timeout=4000"
    assert server.accepts >= 1  # the database really was asked
    for path in ["/healthz", "/api/cloud/providers", "/compare/"]:
        status, seconds, _ = result[path]
        assert status == 503, (path, result[path])
        # 2.0-4.5 s on a quiet machine; the bound leaves room for a loaded CI box. Before: no answer
        # until gunicorn killed the worker at 30 s.
        assert seconds < 15, (path, result[path])
    assert result["/api/cloud/providers"][2] == "application/json"
    assert result["/api/cloud/gpus"][0] == 200 and result["/api/cloud/gpus"][1] < 2
    assert result["/tips/"][0] == 200
