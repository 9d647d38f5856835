"""The rules support packages obey, across their fields and across records (pure: the caller hands
in what the store holds). A package's fields fit its kind; every package, requirement, fund and
commitment a record names exists; a raise is on its requirement's scale; prerequisites form no
cycle; a fund pays in its own currency and can pay at least one element a year. What cannot be
planned is refused here, at the record that says it, not discovered by the solver."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ltsplan.errors import Problem
from ltsplan.records.reading import Located
from ltsplan.records.sections import SectionsFile
from ltsplan.standards.measures import measure_from_row
from ltsplan.standards.model import requirement_id

Row = dict[str, Any]
# Which fields each kind takes (beside those every package has) and which it needs.
KIND_FIELDS = {
    "training": ({"seats", "months"}, {"seats", "months"}),
    "equipment": ({"quantity", "lead_months"}, {"quantity"}),
    "funds": ({"budget_per_year", "lead_months"}, {"budget_per_year"}),
}
SPECIFIC = {"seats", "months", "quantity", "lead_months", "budget_per_year"}


def _a(word: str | None) -> str:
    return f"{'an' if (word or ' ')[0] in 'aeiou' else 'a'} {word}"


def package_problems(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A package's fields fit its kind: a course has seats and a length, a batch a quantity, a fund
    a yearly budget; nothing is negative; the window does not end before it opens."""
    found: list[tuple[str, str]] = []
    kind = given.get("kind")
    if kind in KIND_FIELDS:
        takes, needs = KIND_FIELDS[kind]
        for name in sorted(needs):
            if given.get(name) is None:
                found.append((name, f"{_a(kind)} package needs {name}"))
        for name in sorted(SPECIFIC - takes):
            if given.get(name) is not None:
                owner = next(k for k, (t, _) in KIND_FIELDS.items() if name in t)
                found.append((name, f"only {_a(owner)} package has {name}, not {_a(kind)} one"))
    for name, least in (("seats", 1), ("months", 1), ("quantity", 1), ("lead_months", 0)):
        value = given.get(name)
        if value is not None and value < least:
            found.append((name, f"{name} must be at least {least}"))
    for name in ("budget_per_year", "cost"):
        value = given.get(name)
        if value is not None and value < 0:
            found.append((name, f"{name} cannot be negative"))
    if given.get("budget_per_year") is not None and given["budget_per_year"] <= 0:
        found.append(("budget_per_year", "a fund's budget per year must be more than 0"))
    start, end = given.get("available_from"), given.get("available_until")
    if start is not None and end is not None and end < start:
        found.append(("available_until", f"the window ends ({end}) before it opens ({start})"))
    return found


def raise_problems(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    amount = given.get("amount")
    if amount is not None and amount <= 0:
        return [("amount", "a raise must be more than 0 (on the requirement's scale)")]
    return []


def prerequisite_problems(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    if given.get("package") is not None and given.get("package") == given.get("requires"):
        return [("requires", "a package cannot be its own prerequisite")]
    return []


@dataclass
class Known:
    """What the store already holds that package records may name."""

    packages: dict[str, Row]  # code → row
    requirements: dict[str, Row]  # id → requirement row (with designator)
    prerequisites: list[tuple[str, str]]  # (package, requires)
    commitments: set[str]  # ids of live ledger commitments


def scale_problem(row: Row, amount: float) -> str | None:
    """Whether ``amount`` is a raise on the requirement's scale: 1 for a met/not-met requirement,
    whole steps within an ordinal scale, points up to 100 for a percentage."""
    measure = measure_from_row(row)
    if measure.kind == "binary" and amount != 1:
        return f"'{amount:g}' is not a raise of a met/not-met requirement; give 1 (met)"
    if measure.kind == "ordinal":
        steps = len(measure.levels) - 1
        if amount != int(amount) or amount > steps:
            return f"'{amount:g}' is not a whole number of steps up a scale of {steps + 1} levels ({', '.join(measure.levels)})"
    if measure.kind == "percentage" and amount > 100:
        return f"'{amount:g}' is more than 100 percentage points"
    return None


def cross_check(found: SectionsFile, store: Known) -> list[Problem]:
    """Every reference resolves in the records given or the store; raises fit their scales; funds
    and currencies agree; prerequisites form no cycle."""
    s = found.found
    problems: list[Problem] = []
    packages: dict[str, Row] = dict(store.packages)
    given_packages = {i.given["code"]: i for i in s["packages"] if i.given.get("code")}
    packages.update({code: dict(item.given) for code, item in given_packages.items()})
    for item in s["packages"]:
        problems.extend(_funding(item, packages, store))
    for item in s["raises"]:
        name = item.given.get("package")
        if name is not None and name not in packages:
            problems.append(item.problem(f"no support package with code '{name}'", "package"))
        standard, requirement = item.given.get("standard"), item.given.get("requirement")
        if standard is None or requirement is None:
            continue
        row = store.requirements.get(requirement_id(standard, requirement))
        if row is None:
            problems.append(
                item.problem(
                    f"the catalogue has no requirement '{requirement}' in standard '{standard}'",
                    "requirement",
                )
            )
        elif item.given.get("amount") is not None:
            said = scale_problem(row, float(item.given["amount"]))
            if said:
                problems.append(item.problem(said, "amount"))
    edges = {(a, b) for a, b in store.prerequisites}
    for item in s["prerequisites"]:
        for name in ("package", "requires"):
            value = item.given.get(name)
            if value is not None and value not in packages:
                problems.append(item.problem(f"no support package with code '{value}'", name))
        if item.given.get("package") and item.given.get("requires"):
            edges.add((item.given["package"], item.given["requires"]))
    for item in s["prerequisites"]:
        start = item.given.get("package")
        if start and _reaches(edges, item.given.get("requires"), start):
            problems.append(
                item.problem(
                    f"the prerequisites form a cycle: {item.given['requires']} needs {start}, directly or through others",
                    "requires",
                )
            )
    return problems


def _funding(item: Located, packages: dict[str, Row], store: Known) -> list[Problem]:
    given = item.given
    problems = []
    fund_code = given.get("funded_by")
    if fund_code is not None:
        fund = packages.get(fund_code)
        if fund is None:
            problems.append(item.problem(f"no support package with code '{fund_code}'", "funded_by"))
        elif fund.get("kind") != "funds":
            problems.append(
                item.problem(f"'{fund_code}' is {_a(fund.get('kind'))} package, not a fund", "funded_by")
            )
        else:
            if (fund.get("currency") or "EUR") != (given.get("currency") or "EUR"):
                problems.append(
                    item.problem(
                        f"the cost is in {given.get('currency') or 'EUR'} and fund {fund_code} pays in "
                        f"{fund.get('currency') or 'EUR'}; give both in one currency",
                        "currency",
                    )
                )
            budget, cost = fund.get("budget_per_year"), given.get("cost")
            if budget is not None and cost is not None and cost > budget:
                problems.append(
                    item.problem(
                        f"costs {cost:,.0f} an element and fund {fund_code} has {budget:,.0f} a year: it can never be paid",
                        "cost",
                    )
                )
            if given.get("cost") is None:
                problems.append(
                    item.problem(f"a package paid by fund {fund_code} needs its cost per element", "cost")
                )
    cost, budget = given.get("cost"), given.get("budget_per_year")
    if given.get("kind") == "funds" and cost is not None and budget is not None and cost > budget:
        problems.append(
            item.problem(
                "the cost per element is more than the budget per year: it can never be paid", "cost"
            )
        )
    commitment = given.get("commitment_id")
    if commitment is not None and commitment not in store.commitments:
        problems.append(item.problem(f"no ledger commitment with id '{commitment}'", "commitment_id"))
    return problems


def _reaches(edges: set[tuple[str, str]], start: str | None, goal: str) -> bool:
    """Whether ``start`` needs ``goal`` through the prerequisites."""
    if start is None:
        return False
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(b for a, b in edges if a == node)
    return False
