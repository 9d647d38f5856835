"""What an IATI import counted and left out, file-wide, and the notes that tell the user (docs/iati.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ltsplan.ledger.formats.iati_codes import transaction_type_name


@dataclass
class Tally:
    """File-wide counts behind the import's notes."""

    not_counted: Counter[str] = field(default_factory=Counter)
    traced_incoming: int = 0
    default_currency: int = 0
    value_date_assumed: int = 0
    date_from_value_date: int = 0
    negative: int = 0
    reflows: int = 0
    parent_transactions: int = 0
    parent_plans: int = 0
    revised_replaced: int = 0
    plans_single_date: int = 0


def tally_notes(t: Tally, late_parents: int) -> list[str]:
    """The import's notes: what was not counted and why, what was assumed."""
    notes = []
    incoming = sum(t.not_counted[c] for c in ("1", "11", "13"))
    if incoming:
        kinds = ", ".join(
            f"{t.not_counted[c]} {transaction_type_name(c).lower()}"
            for c in ("1", "11", "13")
            if t.not_counted[c]
        )
        notes.append(
            f"{incoming} incoming transactions ({kinds}) not counted: the same money counts where "
            f"its provider reports it as outgoing ({t.traced_incoming} name the provider's activity)"
        )
    if t.not_counted["5"]:
        notes.append(
            f"{t.not_counted['5']} interest payments not counted (income of the lender, not support)"
        )
    if t.reflows:
        notes.append(f"{t.reflows} loan repayments or equity sales recorded as negative deliveries (reflows)")
    if t.negative:
        notes.append(f"{t.negative} negative values kept as reported (reversals or corrections)")
    if t.default_currency:
        notes.append(
            f"{t.default_currency} transactions without a currency took their activity's default-currency"
        )
    if t.value_date_assumed:
        notes.append(
            f"{t.value_date_assumed} transactions without a value-date were valued at their transaction date"
        )
    if t.date_from_value_date:
        notes.append(
            f"{t.date_from_value_date} transactions without a transaction-date were dated by their value-date"
        )
    if t.parent_transactions or t.parent_plans:
        notes.append(
            f"{t.parent_transactions} transactions and {t.parent_plans} budgets or planned disbursements of "
            "parent activities not counted: their child activities in the file report the same flows"
        )
    if late_parents:
        notes.append(
            f"{late_parents} parent activities came before their children without naming them "
            "(related-activity type 2), so their own transactions were counted as well: check for "
            "double counting (see docs/iati.md)"
        )
    if t.revised_replaced:
        notes.append(
            f"{t.revised_replaced} original budgets or planned disbursements replaced by a revised one for the same period"
        )
    if t.plans_single_date:
        notes.append(
            f"{t.plans_single_date} planned disbursements without a period-end cover their start date only"
        )
    return notes
