"""Shared by the standards tests: where the fixtures are, and expected figures computed from them."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "standards"
CATALOGUE = FIXTURES / "catalogue.yaml"
ADOPTION = FIXTURES / "adoption.csv"


def domains_in(catalogue: Path = CATALOGUE) -> dict[str, str]:
    document = yaml.safe_load(catalogue.read_text(encoding="utf-8"))
    return {s["designator"]: s["domain"] for s in document["standards"]}


def expected_coverage(day: date | None, adoption: Path = ADOPTION) -> dict[str, tuple[int, int]]:
    """(implemented, applicable) per domain, read straight from the files with the csv module."""
    domains = domains_in()
    result: dict[str, tuple[int, int]] = {}
    with adoption.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["applicable"].strip().lower() not in ("true", "yes", "1"):
                continue
            domain = domains[row["designator"]]
            done = row["implementation"] == "implemented" and (
                day is None or date.fromisoformat(row["implemented_on"]) <= day
            )
            implemented, applicable = result.get(domain, (0, 0))
            result[domain] = (implemented + int(done), applicable + 1)
    return result
