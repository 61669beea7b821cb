"""The product document's three `fetch` examples ("API Integration"), run unchanged: in Chromium on
one of the app's pages, and in Node 20 with the server's address put before each path."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.wizard.prices import seed_prices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Verbatim from the product document (../shared/seed/compute-provider-selection.md).
COMPARISON = """
const comparison = await fetch('/api/cloud/compare-costs', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    training_hours: 10.0,
    local_gpu_type: 'RTX 4090',
    local_electricity_cost: 2.50,
    min_memory_gb: 24
  })
});

const data = await comparison.json();
console.log('Recommended:', data.summary.recommended);
"""
INSTANCES = """
const instances = await fetch('/api/cloud/instances', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    gpu_type: 'A100 80GB',
    min_memory_gb: 40
  })
});

const data = await instances.json();
console.log('Available instances:', data.instances);
"""
INSTRUCTIONS = """
const instructions = await fetch('/api/cloud/setup-instructions/runpod');
const data = await instructions.json();

console.log('Setup time:', data.estimated_time);
data.steps.forEach(step => console.log(step));
"""
EXAMPLES = [COMPARISON, INSTANCES, INSTRUCTIONS]


def _check_output(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert "Recommended:" in text and "total_cost" in text, text[:500]
    assert "Available instances:" in text and "A100 80GB" in text, text[:500]
    assert "Setup time: 5-10 minutes" in text, text[:500]
    assert "Create account at runpod.io" in text
    assert "Upload your dataset and training script" in text


def test_the_three_examples_run_unchanged_in_the_browser(live_server, page_factory):
    seed_prices()
    page = page_factory()
    logged: list[str] = []

    def on_console(msg):
        # Objects arrive as JSHandles: serialise them so the test can read what a person sees.
        parts = []
        for arg in msg.args:
            value = arg.json_value()
            parts.append(value if isinstance(value, str) else json.dumps(value))
        logged.append(" ".join(parts))

    page.on("console", on_console)
    page.goto(f"{live_server.url}/api-examples/")
    for example in EXAMPLES:
        # Each example in its own scope, as a person pasting it into the console would run it.
        page.evaluate(f"async () => {{ {example} }}")
    page.wait_for_timeout(200)
    assert not [m for m in logged if "Content Security Policy" in m]
    _check_output(logged)


def test_the_three_examples_run_in_node_with_the_server_address(live_server, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    seed_prices()
    body = "\n".join(
        "{\n" + ex.replace("fetch('/api/", f"fetch('{live_server.url}/api/") + "\n}" for ex in EXAMPLES
    )
    script = tmp_path / "examples.mjs"
    script.write_text(body)
    out = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    _check_output(out.stdout.splitlines())
