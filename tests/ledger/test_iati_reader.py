"""The IATI reader on its own (no database): safety, versions, the mapping rules and the problems
it reports. Expected figures are computed here from the XML with the standard library's
ElementTree, never through the code under test.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

import polars as pl
import pytest

from ltsplan.errors import InvalidInput, LtsplanError
from ltsplan.formats import xml
from ltsplan.ledger.formats import iati
from ltsplan.ledger.formats.iati import read_iati
from ltsplan.ledger.model import LedgerBatch

IATI = Path(__file__).parents[1] / "fixtures" / "iati"
HANDMADE = IATI / "handmade"
ROOT = Path(__file__).parents[2]


def read_all(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, list, list[str], list[LedgerBatch]]:
    batches = list(read_iati(path))
    entries = pl.concat([b.entries for b in batches], how="diagonal_relaxed")
    plans = [b.plans for b in batches if b.plans is not None]
    problems = [p for b in batches for p in b.problems]
    notes = [n for b in batches for n in b.notes]
    return entries, (pl.concat(plans) if plans else pl.DataFrame()), problems, notes, batches


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle} not in {path}")


def activity_file(tmp_path: Path, body: str, *, root: str = '<iati-activities version="2.03">') -> Path:
    path = tmp_path / "activities.xml"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{root}\n{body}\n</iati-activities>\n')
    return path


def activity(
    identifier: str, transactions: str, attributes: str = 'default-currency="EUR"', extra: str = ""
) -> str:
    return (
        f"<iati-activity {attributes}><iati-identifier>{identifier}</iati-identifier>"
        '<reporting-org ref="XM-EXAMPLE-R"><narrative>Reporter</narrative></reporting-org>'
        f"{extra}{transactions}</iati-activity>"
    )


def transaction(code: str, value: str = "100", date: str = "2023-01-01", extra: str = "") -> str:
    return (
        f'<transaction><transaction-type code="{code}"/><transaction-date iso-date="{date}"/>'
        f'<value value-date="{date}">{value}</value>{extra}</transaction>'
    )


# -- safety -----------------------------------------------------------------------------------


def test_a_billion_laughs_document_is_refused_naming_the_file_and_line() -> None:
    path = IATI / "hostile" / "billion-laughs.xml"
    with pytest.raises(InvalidInput) as refused:
        list(read_iati(path))
    problem = refused.value.problems[0]
    assert problem.file == str(path)
    assert problem.line == line_of(path, "<!DOCTYPE")
    assert "DOCTYPE" in str(refused.value)


def test_an_external_entity_is_refused_and_the_file_it_names_is_never_read() -> None:
    path = IATI / "hostile" / "external-entity.xml"
    with pytest.raises(InvalidInput) as refused:
        list(read_iati(path))
    assert refused.value.problems[0].line == line_of(path, "<!DOCTYPE")
    assert "root:" not in str(refused.value)


def test_a_doctype_behind_a_long_prolog_is_still_refused(tmp_path: Path) -> None:
    """The prolog scan reads 64 KB; beyond it the parser's own view of the document decides."""
    padding = "<!-- " + "x" * (xml.PROLOG_BYTES + 10) + " -->\n"
    path = tmp_path / "padded.xml"
    path.write_text(
        '<?xml version="1.0"?>\n' + padding + '<!DOCTYPE iati-activities [<!ENTITY e "boo">]>\n'
        '<iati-activities version="2.03">'
        + activity("XM-EXAMPLE-R-1", transaction("3"))
        + "</iati-activities>"
    )
    with pytest.raises(InvalidInput) as refused:
        list(read_iati(path))
    assert "DOCTYPE" in str(refused.value)


def test_an_undeclared_entity_is_a_syntax_error_with_its_line(tmp_path: Path) -> None:
    path = activity_file(tmp_path, activity("XM-EXAMPLE-R-1", transaction("3"), extra="<title>&boo;</title>"))
    with pytest.raises(InvalidInput) as refused:
        list(read_iati(path))
    assert refused.value.problems[0].line == 3
    assert "not well-formed" in str(refused.value)


def test_lxml_is_pinned_to_a_current_release_and_installed_as_pinned() -> None:
    pins = dict(
        line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line
    )
    assert pins["lxml"].split(".")[0] == "6"
    assert version("lxml") == pins["lxml"]


# -- versions -----------------------------------------------------------------------------------


def test_the_legacy_ocha_fts_file_is_refused_saying_it_declares_no_version() -> None:
    path = IATI / "legacy-ocha-fts-haiti-2010.xml"
    with pytest.raises(LtsplanError) as refused:
        list(read_iati(path))
    message = str(refused.value)
    assert str(path) in message and f"line {line_of(path, '<iati-activities')}" in message
    assert "declares no IATI version" in message and "2.03" in message


def test_an_iati_1_file_is_refused_naming_its_version(tmp_path: Path) -> None:
    path = activity_file(
        tmp_path, activity("XM-EXAMPLE-R-1", transaction("3")), root='<iati-activities version="1.05">'
    )
    with pytest.raises(LtsplanError, match=r"IATI version 1\.05 is not read"):
        list(read_iati(path))


def test_an_organisation_file_is_not_taken_for_an_activity_file() -> None:
    with pytest.raises(LtsplanError, match="not an IATI activity file"):
        list(read_iati(Path("/work/shared/data/iati/examples/organisation-standard-example-annotated.xml")))


# -- the official examples ------------------------------------------------------------------------


def test_the_annotated_example_counts_no_incoming_funds_and_keeps_its_budgets_and_planned_disbursements() -> (
    None
):
    path = IATI / "activity-standard-example-annotated.xml"
    tree = ET.parse(path)
    entries, plans, problems, notes, batches = read_all(path)
    assert problems == []
    counted = [
        t for t in tree.iter("transaction") if t.find("transaction-type").get("code") in ("2", "3", "4", "12")
    ]
    assert entries.height == len(counted) == 0
    incoming = sum(t.find("transaction-type").get("code") == "1" for t in tree.iter("transaction"))
    assert any(n.startswith(f"{incoming} incoming transactions") for n in notes)
    for kind, tag in (("budget", "budget"), ("planned-disbursement", "planned-disbursement")):
        expected = sum(float(b.findtext("value")) for b in tree.iter(tag))
        mine = plans.filter(pl.col("kind") == kind)
        assert mine.height == len(list(tree.iter(tag)))
        assert mine["amount"].sum() == pytest.approx(expected)
    source = batches[-1].sources[0]
    assert source.kind == "dataset release" and source.grade == "B2"
    assert source.published.isoformat() == tree.getroot().get("generated-datetime")[:10]
    assert plans["source_id"].unique().to_list() == [source.id]


def test_schema_tests_with_placeholder_codes_list_each_unknown_code_on_its_line() -> None:
    path = IATI / "schema-test-21-transaction.xml"
    _, _, problems, _, _ = read_all(path)
    codes = [p for p in problems if p.field == "transaction-type"]
    assert len(codes) == len(list(ET.parse(path).iter("transaction")))
    assert [p.line for p in codes] == [
        n
        for n, text in enumerate(path.read_text().splitlines(), 1)
        if "<transaction>" in text or "<transaction " in text
    ]
    assert {p.field for p in problems} >= {"version", "iati-identifier", "recipient-country"}


def test_a_budget_without_a_value_is_a_problem_on_its_line() -> None:
    path = IATI / "should-fail-03-missing-value.xml"
    _, plans, problems, _, _ = read_all(path)
    assert [(p.line, p.field) for p in problems if p.field == "value"] == [
        (line_of(path, "<budget>"), "value")
    ]
    assert plans.is_empty()


def test_two_reporting_orgs_are_a_problem_of_the_activity() -> None:
    path = IATI / "should-fail-20-two-reporting-orgs.xml"
    _, _, problems, _, _ = read_all(path)
    assert any(p.field == "reporting-org" and "2 reporting-org" in p.message for p in problems)


# -- mapping rules ---------------------------------------------------------------------------------

EXPECTED_FLOWS = {
    "1": None,
    "2": ("commitment", "committed"),
    "3": ("delivery", "delivered"),
    "4": ("delivery", "delivered"),
    "5": None,
    "6": ("delivery", "delivered"),
    "7": ("delivery", "delivered"),
    "8": ("delivery", "delivered"),
    "9": ("delivery", "delivered"),
    "10": ("commitment", "committed"),
    "11": None,
    "12": ("commitment", "announced"),
    "13": None,
}


def test_each_transaction_type_becomes_the_kind_and_stage_of_the_documented_table(tmp_path: Path) -> None:
    body = "".join(activity(f"XM-EXAMPLE-R-{code}", transaction(code)) for code in EXPECTED_FLOWS)
    entries, _, problems, _, _ = read_all(activity_file(tmp_path, body))
    assert problems == []
    found = {
        r.rsplit("-", 1)[1]: (k, s) for r, k, s in entries.select("_record", "kind", "stage").iter_rows()
    }
    assert found == {code: flow for code, flow in EXPECTED_FLOWS.items() if flow is not None}
    docs = (ROOT / "docs" / "iati.md").read_text()
    for code in EXPECTED_FLOWS:
        assert re.search(rf"^\| {code} \|", docs, re.M), f"type {code} is not in docs/iati.md"


def test_defaults_fill_currency_and_value_date_and_say_so() -> None:
    path = HANDMADE / "defaults-and-reflows.xml"
    tree = ET.parse(path)
    entries, _, _, notes, _ = read_all(path)
    by_ref = {
        r.split("/")[1]: row
        for r, *row in entries.select("reference", "currency", "value_date", "note").iter_rows()
    }
    for activity_element in tree.iter("iati-activity"):
        default = activity_element.get("default-currency")
        for t in activity_element.iter("transaction"):
            if t.get("ref") not in by_ref:
                continue
            currency, value_date, note = by_ref[t.get("ref")]
            given = t.find("value").get("currency")
            assert currency == (given or default)
            assert ("default-currency" in (note or "")) == (given is None)
            date_given = t.find("value").get("value-date") or t.find("transaction-date").get("iso-date")
            assert value_date.isoformat() == date_given
    missing_currency = sum(
        1
        for t in tree.iter("transaction")
        if t.find("value").get("currency") is None and t.get("ref") in by_ref
    )
    assert (
        f"{missing_currency} transactions without a currency took their activity's default-currency" in notes
    )
    assert "1 transactions without a value-date were valued at their transaction date" in notes


def test_reflows_are_negative_and_reversals_are_kept_as_reported() -> None:
    entries, _, _, notes, _ = read_all(HANDMADE / "defaults-and-reflows.xml")
    amounts = dict(entries.select(pl.col("reference").str.split("/").list.last(), "amount").iter_rows())
    assert amounts["L1-R"] == -100.0  # loan repayment of 100: a reflow
    assert amounts["L1-D3"] == -50.0  # a disbursement reported as -50: a reversal, as reported
    assert "L1-I" not in amounts  # interest is not support
    assert any("interest payments not counted" in n for n in notes)


def test_recipient_is_the_transactions_country_else_the_activitys_single_country_else_the_receiver() -> None:
    entries, _, _, _, _ = read_all(HANDMADE / "defaults-and-reflows.xml")
    recipients = dict(entries.select(pl.col("reference").str.split("/").list.last(), "recipient").iter_rows())
    assert recipients["L1-D1"] == "UKR" and recipients["L1-D2"] == "MDA"  # per transaction
    assert recipients["L1-C"] == "XM-EXAMPLE-MOF"  # 60/40 activity, no country on the transaction
    assert recipients["H1-D"] == "UKR"  # the activity's 100% country


def test_categories_follow_humanitarian_flag_sector_and_finance_type() -> None:
    entries, _, _, _, _ = read_all(HANDMADE / "defaults-and-reflows.xml")
    both = {
        r.split("/")[1]: (c, s) for r, c, s in entries.select("reference", "category", "subtype").iter_rows()
    }
    assert both["L1-D1"] == ("financial", "loan")  # default-finance-type 421
    assert both["H1-D"] == ("humanitarian", None)
    security, _, _, _, _ = read_all(HANDMADE / "double-counting.xml")
    prog = security.filter(pl.col("_record") == "XM-EXAMPLE-FUNDER-PROJ-A")
    assert prog["category"].to_list() == ["military"]  # DAC 152 conflict, peace and security


def test_deliveries_link_to_their_activitys_commitment() -> None:
    entries, _, _, _, _ = read_all(HANDMADE / "defaults-and-reflows.xml")
    commitment = entries.filter(pl.col("reference").str.ends_with("/L1-C"))["id"].item()
    loan = entries.filter((pl.col("_record") == "XM-EXAMPLE-LENDER-L1") & (pl.col("kind") == "delivery"))
    assert loan["commitment_id"].unique().to_list() == [commitment]


def test_ids_survive_a_reordered_re_export(tmp_path: Path) -> None:
    a = activity("XM-EXAMPLE-R-1", transaction("2", "10") + transaction("3", "5", "2023-02-01"))
    b = activity("XM-EXAMPLE-R-2", transaction("3", "7") + transaction("3", "8", "2023-03-01"))
    first, *_ = read_all(activity_file(tmp_path, a + b))
    swapped = activity("XM-EXAMPLE-R-1", transaction("3", "5", "2023-02-01") + transaction("2", "10"))
    second, *_ = read_all(activity_file(tmp_path, b + swapped))
    assert sorted(first["id"].to_list()) == sorted(second["id"].to_list())


def test_malformed_transactions_are_problems_with_line_field_and_record() -> None:
    path = HANDMADE / "messy.xml"
    entries, _, problems, _, _ = read_all(path)
    assert {(p.line, p.field) for p in problems} == {
        (line_of(path, 'ref="no-value"'), "value"),
        (line_of(path, 'ref="bad-date"'), "transaction-date"),
        (line_of(path, 'ref="bad-code"'), "transaction-type"),
    }
    assert {p.record for p in problems} == {"XM-EXAMPLE-MESSY-1"}
    assert all(p.file == str(path) for p in problems)
    assert entries["reference"].to_list() == ["XM-EXAMPLE-MESSY-1/ok"]


def test_an_activity_reported_twice_is_a_problem_naming_the_first(tmp_path: Path) -> None:
    path = activity_file(
        tmp_path,
        activity("XM-EXAMPLE-R-1", transaction("3")) + "\n" + activity("XM-EXAMPLE-R-1", transaction("3")),
    )
    _, _, problems, _, _ = read_all(path)
    assert [(p.line, p.field) for p in problems] == [(4, "iati-identifier")]
    assert "first at line 3" in problems[0].message


def test_large_files_arrive_in_batches_bounded_by_bytes_with_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch holds the activities of about BATCH_BYTES of XML, however many that is: small
    activities make many to a batch, large ones few."""
    monkeypatch.setattr(iati, "BATCH_BYTES", 64 << 10)
    small = [activity(f"XM-EXAMPLE-R-{i}", transaction("3")) for i in range(1_500)]
    large = [
        activity(f"XM-EXAMPLE-L-{i}", "".join(transaction("3", value=str(100 + k)) for k in range(40)))
        for i in range(150)
    ]
    for name, activities in (("small", small), ("large", large)):
        (tmp_path / name).mkdir()
        path = activity_file(tmp_path / name, "\n".join(activities))
        seen: list[int] = []
        batches = list(read_iati(path, progress=seen.append))
        per_activity = len(activities[0].encode())
        # the bytes asked for, the parser's read-ahead (at most as much again) and one activity
        most = 2 * iati.BATCH_BYTES // per_activity + 1
        activities_in = [b.entries.get_column("_line").n_unique() for b in batches]  # one a line
        assert len(batches) >= 3, name
        assert max(activities_in) <= most, (name, activities_in, most)
        assert sum(activities_in) == len(activities)
        assert seen == sorted(seen) and seen[-1] == path.stat().st_size
