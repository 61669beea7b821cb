"""Page weight: the selector pages' bytes and requests (goal: under 150 KB, a handful of requests,
no framework download). Fetches each page from gunicorn (DJANGO_DEBUG=0, collected static files
served by WhiteNoise) and every asset it references (link href, script src, img src), and sums the
bytes as sent, raw and gzipped.

    .venv/bin/python -m bench.page_weight [--paths /compare/,/wizard/]
"""

from __future__ import annotations

import argparse
import gzip
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

from . import common


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href") and not a["href"].startswith("data:"):
            rel = (a.get("rel") or "").lower()
            if any(r in rel for r in ("stylesheet", "icon", "preload", "modulepreload", "manifest")):
                self.urls.append(("link", a["href"]))
        elif tag == "script" and a.get("src"):
            self.urls.append(("script", a["src"]))
        elif tag == "img" and a.get("src") and not a["src"].startswith("data:"):
            self.urls.append(("img", a["src"]))


def weigh(client, base: str, path: str) -> dict:
    page = client.get(base + path, follow_redirects=True, headers={"Accept-Encoding": "identity"})
    page_gz = client.get(str(page.url), headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200, (path, page.status_code)
    parser = Assets()
    parser.feed(page.text)
    items = [("page", urlparse(str(page.url)).path, len(page.content), len(gzip.compress(page.content)),
              _wire(page_gz))]
    for kind, url in parser.urls:
        full = urljoin(str(page.url), url)
        if urlparse(full).netloc != urlparse(base).netloc:
            items.append((kind, url, -1, -1, "third-party"))
            continue
        raw = client.get(full, headers={"Accept-Encoding": "identity"})
        gz = client.get(full, headers={"Accept-Encoding": "gzip"})
        assert raw.status_code == 200, (full, raw.status_code)
        items.append((kind, urlparse(full).path, len(raw.content), len(gzip.compress(raw.content)), _wire(gz)))
    return {"path": path, "final_url": urlparse(str(page.url)).path, "requests": len(items),
            "bytes": sum(i[2] for i in items if i[2] > 0), "gzip_bytes": sum(i[3] for i in items if i[3] > 0),
            "third_party": sum(1 for i in items if i[4] == "third-party"), "items": items}


def _wire(resp) -> str:
    enc = resp.headers.get("content-encoding", "")
    return f"{enc or 'identity'} {resp.num_bytes_downloaded}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", default="/compare/,/wizard/,/")
    ap.add_argument("--offers", type=int, default=0, help="seed N synthetic offers instead of the built-in list")
    args = ap.parse_args(argv)
    common.setup_django()
    if args.offers:
        common.seed_offers(args.offers)
    else:
        common.seed_catalog()
    import httpx

    common.collectstatic(common.server_env())
    results = []
    with common.gunicorn(workers=1) as base, httpx.Client(timeout=30) as client:
        for path in args.paths.split(","):
            probe = client.get(base + path)
            if probe.status_code == 404:
                continue
            results.append(weigh(client, base, path))
    for r in results:
        print(f"{r['path']} (-> {r['final_url']}): {r['requests']} requests, {r['bytes'] / 1024:.1f} KiB raw, "
              f"{r['gzip_bytes'] / 1024:.1f} KiB gzipped, third-party requests: {r['third_party']}")
        print(common.table([(k, u, b, g, w) for k, u, b, g, w in r["items"]],
                           ("kind", "url", "bytes", "gzip bytes", "as served (encoding, bytes on the wire)")))
        verdict = "meets" if r["bytes"] < 150 * 1024 and r["requests"] <= 6 and not r["third_party"] else "MISSES"
        print(f"  {verdict} the goal (< 150 KB, a handful of requests, no third-party download)\n")
    common.emit("page_weight", [{k: v for k, v in r.items() if k != "items"} for r in results])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
