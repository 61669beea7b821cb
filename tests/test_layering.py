"""The import rule (docs/architecture.md): apps import downwards only,
teams <- pricing <- selector <- wizard <- alerts <- launch. Walks every module's imports with ast, including imports
inside functions, so a lazy import cannot hide an upward dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# teams depends on auth only; launch sits on top of everything (nothing imports it).
LAYERS = ["teams", "pricing", "selector", "wizard", "alerts", "launch"]  # bottom to top


def _imports(path: Path, package: str = "") -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    return _imports_of(path.read_text(), list(path.relative_to(ROOT).with_suffix("").parts[:-1]))


def _imports_of(source: str, here: list[str]) -> set[str]:
    """``here``: the package the module is in, e.g. ["pricing", "providers"]."""
    tree = ast.parse(source)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)
    return out


def _modules(app: str) -> list[Path]:
    return [p for p in sorted((ROOT / app).rglob("*.py")) if "migrations" not in p.parts]


@pytest.mark.parametrize("app", LAYERS)
def test_it_imports_no_app_above_it(app):
    above = LAYERS[LAYERS.index(app) + 1:]
    bad = []
    for path in _modules(app):
        for name in _imports(path, app):
            top = name.split(".")[0]
            if top in above:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert bad == [], "\n".join(bad)


def test_pricing_imports_neither_selector_nor_wizard():
    assert _modules("pricing"), "no pricing modules found"
    names = {n.split(".")[0] for p in _modules("pricing") for n in _imports(p, "pricing")}
    assert not names & {"selector", "wizard", "alerts"}


def test_the_price_list_imports_no_adapter_and_the_adapters_only_import_it():
    # Adapters import the dated price list; the price list imports only the shared dataclasses.
    price_list = ROOT / "pricing" / "providers" / "price_list.py"
    names = {n for n in _imports(price_list, "pricing") if n.startswith("pricing.providers")}
    assert names <= {"pricing.providers.base", *(f"pricing.providers.base.{x}" for x in
                                                 ("FetchResult", "ProviderOffer", "quantize_usd"))}, names
    assert not (ROOT / "pricing" / "price_list.py").exists()


def test_the_walker_sees_lazy_and_relative_imports():
    # The tests above would pass vacuously if the walker missed imports.
    names = _imports_of("def f():\n    from selector.engine import compare\n    from ..gpus import GPUS\n"
                        "    import wizard.models\n", ["pricing", "providers"])
    assert {"selector.engine", "pricing.gpus", "wizard.models"} <= names


def test_pages_never_import_the_api_serializers():
    # Issue #10: pages render the typed answer (selector.compare.CompareAnswer) through the template
    # filters; the API's serialisers are the one code that writes its JSON shape. The wizard's stored
    # JSON (the selection, history records, TrainingJob.chosen: the API's option shape, which launch
    # reads) is built in one module, wizard/stored.py, from the typed option by those functions.
    stored = ROOT / "wizard" / "stored.py"
    bad = [f"{p.relative_to(ROOT)} imports {n}" for p in _modules("wizard") if p != stored
           for n in _imports(p, "wizard") if n.startswith("selector.api.serializers")]
    assert bad == [], "\n".join(bad)
    assert any(n.startswith("selector.api.serializers") for n in _imports(stored, "wizard")), "the one place moved?"
