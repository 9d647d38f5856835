"""The CLI tests build their ledgers with the ledger tests' sample (tests/ledger/ledger_sample.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ledger"))
