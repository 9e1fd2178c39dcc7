"""The core is pure: importing every module of src/shared_outcomes never imports Streamlit."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import shared_outcomes


@pytest.mark.slow
def test_core_modules_do_not_import_streamlit() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(shared_outcomes.__path__, "shared_outcomes.")
        if not m.name.endswith("__main__")  # running it would start the command line
    ]
    assert {"shared_outcomes.errors", "shared_outcomes.warehouse.store"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"the core imported {result.stdout.strip()}"


def test_docs_architecture_lists_every_module_of_the_tree() -> None:
    """docs/architecture.md names every module with its responsibility, and no other."""
    import re
    from pathlib import Path

    root = Path(shared_outcomes.__file__).parent
    modules = {
        ".".join(path.relative_to(root).with_suffix("").parts)
        for path in root.rglob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    }
    text = (root.parents[1] / "docs" / "architecture.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", text, re.MULTILINE))
    assert documented == modules
    top_level = [p for p in root.glob("*.py") if p.name != "__init__.py"]
    assert len(top_level) <= 8
