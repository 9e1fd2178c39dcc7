"""Shared by every test: `tests/` on sys.path, so test modules import the helpers in `support`."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
