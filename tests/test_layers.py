"""The core is pure: importing every module of src/shared_outcomes never imports Streamlit."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import shared_outcomes


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
