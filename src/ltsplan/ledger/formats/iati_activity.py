"""One ``iati-activity`` element → plain Python values (pure; no decisions about the ledger yet).

The reader calls ``read_activity`` once per activity while streaming; it walks the activity's direct
children once (and each transaction's, budget's and planned disbursement's), keeping raw strings
with their source lines. Turning them into ledger entries is column-wise, in ``iati_frames``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ltsplan.ledger.formats.iati_codes import DAC_VOCABULARIES

# Transaction columns collected per row, in this order (see ``Activity.transactions``).
TRANSACTION_FIELDS = (
    "_line",
    "type",
    "ref",
    "date",
    "value",
    "currency",
    "value_date",
    "provider",
    "provider_activity",
    "receiver",
    "country",
    "humanitarian",
    "sector",
    "finance_type",
    "description",
)
PLAN_FIELDS = (
    "_line",
    "plan_kind",
    "type",
    "status",
    "period_start",
    "period_end",
    "value",
    "currency",
    "value_date",
    "provider",
    "receiver",
)


@dataclass
class Activity:
    """What the ledger needs from one activity, as written in the file."""

    line: int
    identifier: str
    reporting_ref: str | None = None
    reporting_name: str | None = None
    reporting_count: int = 0
    secondary_reporter: bool = False
    default_currency: str | None = None
    humanitarian: str | None = None
    hierarchy: str | None = None
    title: str | None = None
    countries: list[tuple[str, str | None, int]] = field(default_factory=list)  # code, %, line
    sectors: list[tuple[str, float]] = field(default_factory=list)  # DAC category, percentage
    finance_type: str | None = None
    dates: dict[str, str] = field(default_factory=dict)  # activity-date type → iso-date
    parents: list[str] = field(default_factory=list)  # related-activity type 1
    children: list[str] = field(default_factory=list)  # related-activity type 2
    transactions: list[tuple[Any, ...]] = field(default_factory=list)
    plans: list[tuple[Any, ...]] = field(default_factory=list)

    def recipient_country(self) -> str | None:
        """The activity's country when it is the only one, or given 100%."""
        if len(self.countries) == 1:
            return self.countries[0][0]
        full = [code for code, percentage, _ in self.countries if _percent(percentage) == 100.0]
        return full[0] if len(full) == 1 else None

    def sector_category(self) -> str | None:
        """The DAC category of the activity's largest DAC sector (first one on a tie)."""
        best: tuple[str, float] | None = None
        for category, percentage in self.sectors:
            if best is None or percentage > best[1]:
                best = (category, percentage)
        return best[0] if best else None

    def period(self) -> tuple[str | None, str | None]:
        """Actual start (2) over planned (1); actual end (4) over planned (3)."""
        return self.dates.get("2") or self.dates.get("1"), self.dates.get("4") or self.dates.get("3")


def _percent(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _text(element: Any) -> str | None:
    """The first narrative's text (or the element's own text, as 1.x files had it)."""
    for child in element:
        if child.tag == "narrative":
            text = child.text
            return text.strip() if text else None
    text = element.text
    return text.strip() if text and text.strip() else None


def _dac_category(element: Any) -> str | None:
    vocabulary = element.get("vocabulary") or "1"
    code = (element.get("code") or "").strip()
    if vocabulary not in DAC_VOCABULARIES or len(code) < 3 or not code[:3].isdigit():
        return None
    return code[:3]


def _org(element: Any, names: dict[str, str]) -> str | None:
    ref = (element.get("ref") or "").strip() or None
    if ref is not None and ref not in names:
        name = _text(element)
        if name:
            names[ref] = name
    return ref


def read_activity(element: Any, names: dict[str, str]) -> Activity:
    """Collect one activity's figures; nothing is judged here except what the XML says. Names of
    organisations seen for the first time are added to ``names`` (ref → name)."""
    activity = Activity(line=element.sourceline or 0, identifier="")
    activity.default_currency = element.get("default-currency")
    activity.humanitarian = element.get("humanitarian")
    activity.hierarchy = element.get("hierarchy")
    for child in element:
        tag = child.tag
        if tag == "transaction":
            activity.transactions.append(_transaction(child, names))
        elif tag == "iati-identifier":
            activity.identifier = (child.text or "").strip()
        elif tag == "reporting-org":
            activity.reporting_count += 1
            if activity.reporting_count == 1:
                activity.reporting_ref = (child.get("ref") or "").strip() or None
                activity.reporting_name = _text(child)
                activity.secondary_reporter = (child.get("secondary-reporter") or "0") in ("1", "true")
                if activity.reporting_ref and activity.reporting_name:
                    names.setdefault(activity.reporting_ref, activity.reporting_name)
        elif tag == "title":
            activity.title = _text(child)
        elif tag == "participating-org":
            _org(child, names)
        elif tag == "recipient-country":
            code = (child.get("code") or "").strip()
            activity.countries.append((code, child.get("percentage"), child.sourceline or 0))
        elif tag == "sector":
            category = _dac_category(child)
            if category is not None:
                activity.sectors.append((category, _percent(child.get("percentage")) or 100.0))
        elif tag == "default-finance-type":
            activity.finance_type = (child.get("code") or "").strip() or None
        elif tag == "activity-date":
            date_type = child.get("type") or ""
            iso = child.get("iso-date")
            if iso:
                activity.dates[date_type] = iso
        elif tag == "related-activity":
            ref = (child.get("ref") or "").strip()
            relation = child.get("type")
            if ref and relation == "1":
                activity.parents.append(ref)
            elif ref and relation == "2":
                activity.children.append(ref)
        elif tag == "budget" or tag == "planned-disbursement":
            activity.plans.append(_plan(child, tag, names))
    return activity


def _transaction(element: Any, names: dict[str, str]) -> tuple[Any, ...]:
    kind = ref = date = value = currency = value_date = None
    provider = provider_activity = receiver = country = sector = finance = description = None
    for child in element:
        tag = child.tag
        if tag == "transaction-type":
            kind = child.get("code")
        elif tag == "transaction-date":
            date = child.get("iso-date")
        elif tag == "value":
            value = child.text
            currency = child.get("currency")
            value_date = child.get("value-date")
        elif tag == "provider-org":
            provider = _org(child, names)
            provider_activity = child.get("provider-activity-id")
        elif tag == "receiver-org":
            receiver = _org(child, names)
        elif tag == "recipient-country":
            country = country or (child.get("code") or "").strip() or None
        elif tag == "sector":
            sector = sector or _dac_category(child)
        elif tag == "finance-type":
            finance = (child.get("code") or "").strip() or None
        elif tag == "description":
            description = _text(child)
    ref = element.get("ref")
    return (
        element.sourceline or 0,
        kind.strip() if kind else None,
        ref.strip() if ref else None,
        date,
        value,
        currency.strip() if currency else None,
        value_date,
        provider,
        provider_activity,
        receiver,
        country,
        element.get("humanitarian"),
        sector,
        finance,
        description,
    )


def _plan(element: Any, tag: str, names: dict[str, str]) -> tuple[Any, ...]:
    start = end = value = currency = value_date = provider = receiver = None
    for child in element:
        ctag = child.tag
        if ctag == "period-start":
            start = child.get("iso-date")
        elif ctag == "period-end":
            end = child.get("iso-date")
        elif ctag == "value":
            value = child.text
            currency = child.get("currency")
            value_date = child.get("value-date")
        elif ctag == "provider-org":
            provider = _org(child, names)
        elif ctag == "receiver-org":
            receiver = _org(child, names)
    return (
        element.sourceline or 0,
        "budget" if tag == "budget" else "planned-disbursement",
        element.get("type") or "1",
        element.get("status"),
        start,
        end,
        value,
        currency.strip() if currency else None,
        value_date,
        provider,
        receiver,
    )
