"""IATI codelists and the rules that map IATI codes onto the ledger (pure; see docs/iati.md).

The codelists ship in ``ltsplan/data/iati`` (CC BY 4.0, see its README) and are read once per
process with a parser that refuses DTDs, entities and the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pycountry
from lxml import etree


@dataclass(frozen=True)
class Flow:
    """What one transaction type becomes in the ledger: ``kind`` None means it is not counted."""

    kind: str | None
    stage: str | None
    sign: int = 1  # -1: a reflow to the donor, recorded as a negative amount (net flows)
    category: tuple[str, str] | None = None  # forced (category, subtype), else the category rules
    why: str = ""


# Transaction type (TransactionType codelist) → ledger flow. The table in docs/iati.md is this one.
FLOWS: dict[str, Flow] = {
    "1": Flow(None, None, why="incoming funds: counted where the provider reports them as outgoing"),
    "2": Flow("commitment", "committed"),
    "3": Flow("delivery", "delivered"),
    "4": Flow("delivery", "delivered"),
    "5": Flow(None, None, why="interest payment: income of the lender, not support"),
    "6": Flow("delivery", "delivered", sign=-1, category=("financial", "loan")),
    "7": Flow("delivery", "delivered"),
    "8": Flow("delivery", "delivered", category=("financial", "other")),
    "9": Flow("delivery", "delivered", sign=-1, category=("financial", "other")),
    "10": Flow("commitment", "committed", category=("financial", "guarantee")),
    "11": Flow(None, None, why="incoming commitment: counted where the provider reports its commitment"),
    "12": Flow("commitment", "announced"),
    "13": Flow(None, None, why="incoming pledge: counted where the provider reports its pledge"),
}
# Reflows go back to the lender or investor: the donor is the receiver (or the reporting org).
REFLOWS = frozenset(code for code, flow in FLOWS.items() if flow.sign < 0)

# DAC 3-digit sector categories: emergency response, reconstruction relief, disaster prevention.
HUMANITARIAN_SECTORS = frozenset({"720", "730", "740"})
# Conflict, peace and security (security system reform, peacekeeping, mine action, …).
SECURITY_SECTORS = frozenset({"152"})
DAC_VOCABULARIES = frozenset({"1", "2"})  # 5-digit purpose codes, 3-digit categories

BUDGET_TYPES = {"1": "original", "2": "revised"}
BUDGET_STATUSES = {"1": "indicative", "2": "committed"}
SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
TRUE = frozenset({"1", "true"})


def finance_subtype(code: str | None) -> str | None:
    """Finance type → financial sub-type: 1xx grants, 1100 guarantees, 4xx loans, else other."""
    if not code:
        return None
    if code == "1100":
        return "guarantee"
    if len(code) == 3 and code[0] == "1":
        return "grant"
    if len(code) == 3 and code[0] == "4":
        return "loan"
    return "other"


def category_for(
    humanitarian: bool, sector_category: str | None, finance_type: str | None
) -> tuple[str, str | None]:
    """The ledger category of a flow (first rule that applies):

    1. humanitarian flag set (transaction, else activity), or DAC category 720/730/740 → humanitarian;
    2. DAC category 152 (conflict, peace and security) → military;
    3. otherwise financial, sub-type from the finance type.
    """
    if humanitarian or sector_category in HUMANITARIAN_SECTORS:
        return "humanitarian", None
    if sector_category in SECURITY_SECTORS:
        return "military", None
    return "financial", finance_subtype(finance_type)


def _codes(name: str) -> dict[str, str]:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    data = resources.files("ltsplan.data.iati").joinpath(f"{name}.xml").read_bytes()
    root = etree.fromstring(data, parser)
    found: dict[str, str] = {}
    for item in root.iter("codelist-item"):
        code = (item.findtext("code") or "").strip()
        label = item.find("name/narrative")
        found[code] = (label.text or "").strip() if label is not None else code
    return found


@cache
def codelist(name: str) -> dict[str, str]:
    """Code → English name, for one shipped codelist (TransactionType, Currency, …)."""
    return _codes(name)


@cache
def country_alpha3(code: str) -> str | None:
    """IATI recipient-country (ISO alpha-2) → the ledger's alpha-3; None for IATI-only codes (XK…)."""
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country is not None else None


def transaction_type_name(code: str) -> str:
    return codelist("TransactionType").get(code, code)
