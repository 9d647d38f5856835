"""OCHA FTS flow records through `ltsplan import`.

The fixture (tests/fixtures/fts/flows.json) is an answer of the FTS public API written by hand from
its documented shape; the expected entries and totals are computed here from that file with the
json module, never through the code under test.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.ledger.formats.fts import read_fts
from ltsplan.ledger.formats.json_stream import JsonStream
from ltsplan.ledger.imports import guess_format
from ltsplan.ledger.model import ledger_entry
from ltsplan.records.writing import import_run
from ltsplan.store.db import Database

FTS = Path(__file__).parents[1] / "fixtures" / "fts" / "flows.json"
STATUSES = {
    "pledge": ("commitment", "announced"),
    "commitment": ("commitment", "committed"),
    "paid": ("delivery", "delivered"),
}
# Who gave each flow, as the reader is to code it: a government as its country (from the source
# Location, else from its name), any other organisation by its FTS id.
DONORS = {
    "301001": "JPN",  # Japan, Government of; Location Japan
    "301002": "DEU",  # Germany, Government of; Location Germany
    "301003": "USA",  # United States of America, Government of; Location United States
    "301004": "NOR",
    "301005": "FTS-ORG-2966",  # ECHO: not a government
    "301006": "DNK",  # Denmark, Government of, with the Danish Red Cross beside it
    "301009": "KOR",  # Korea, Republic of, Government of; no source Location
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args), catch_exceptions=False)
    return result.exit_code, " ".join(result.output.split())


def count(db: Database, table=ledger_entry) -> int:
    with db.reading() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def flows() -> list[dict[str, Any]]:
    return json.loads(FTS.read_text(encoding="utf-8"))["data"]["flows"]


def importable() -> list[dict[str, Any]]:
    """The flows that become entries: a status the ledger maps, and new money."""
    return [f for f in flows() if f["status"] in STATUSES and f.get("newMoney") is not False]


def line_of(text: str, flow_id: str) -> int:
    """The line a flow's object starts on: the one before its id (the fixture puts "id" first)."""
    return text.splitlines().index(f'        "id": "{flow_id}",')


def money(flow: dict[str, Any]) -> tuple[float, str]:
    if flow.get("originalAmount") is not None and flow.get("originalCurrency"):
        return float(flow["originalAmount"]), flow["originalCurrency"]
    return float(flow["amountUSD"]), "USD"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """--skip-invalid writes its report in the current directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def totals(database_url: str, *args: str) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(
        build_app(),
        ["ledger", "totals", "--dataset", "ocha-fts", "--format", "json", "--db", database_url, *args],
    )
    assert result.exit_code == 0, result.output
    return {r["donor"]: r for r in json.loads(result.output)["rows"]}


def test_an_fts_answer_is_recognised_by_its_data_flows_and_native_json_is_not() -> None:
    assert guess_format(FTS) == "fts"
    assert guess_format(Path(__file__).parents[2] / "docs" / "examples" / "ledger.json") == "json"


def test_a_flow_with_an_unknown_status_is_refused_naming_file_line_flow_and_field(
    db: Database, database_url: str
) -> None:
    refused = [f for f in flows() if f["status"] not in STATUSES]
    assert len(refused) == 1
    code, said = run("import", str(FTS), "--db", database_url)
    assert code == 1
    line = line_of(FTS.read_text(encoding="utf-8"), refused[0]["id"])
    assert (
        f"{FTS}, line {line}, flow {refused[0]['id']}, field 'status': '{refused[0]['status']}' is not a "
        "status this reader maps" in said
    )
    assert "nothing was written" in said
    assert count(db) == 0 and count(db, import_run) == 0


def test_with_skip_invalid_every_other_flow_becomes_a_humanitarian_entry(
    database_url: str, here: Path
) -> None:
    code, said = run("import", str(FTS), "--skip-invalid", "--db", database_url)
    assert code == 0, said
    expected = {f["id"]: f for f in importable()}
    assert f"{len(expected)} new" in said
    assert (here / "flows.skipped.csv").exists()

    out = here / "export.csv"
    assert run("export", str(out), "--db", database_url)[0] == 0
    with out.open(newline="", encoding="utf-8") as handle:
        entries = {r["reference"]: r for r in csv.DictReader(handle) if r["dataset"] == "ocha-fts"}
    assert set(entries) == set(expected) == set(DONORS)
    for reference, flow in expected.items():
        entry = entries[reference]
        amount, currency = money(flow)
        assert (entry["kind"], entry["stage"]) == STATUSES[flow["status"]], reference
        assert (float(entry["amount"]), entry["currency"]) == (amount, currency), reference
        assert entry["event_date"] == flow["date"][:10]
        assert entry["value_date"] == (flow["decisionDate"] or flow["date"])[:10]
        assert entry["category"] == "humanitarian"
        assert entry["donor"] == DONORS[reference]
        assert entry["subtype"] == {"financial": "cash", "inKind": "in kind"}[flow["contributionType"]]
        places = {o["name"] for o in flow["destinationObjects"] if o["type"] == "Location"}
        assert entry["recipient"] == ("UKR" if places == {"Ukraine"} else ""), reference
        assert entry["description"] == flow["description"]
    # several source organisations: counted under the first, the others named
    assert "also from Danish Red Cross" in entries["301006"]["note"]
    assert "destination Ukraine; Moldova, Republic of" in entries["301009"]["note"]
    # a multi-year commitment keeps its usage years as its period
    assert (entries["301005"]["period_start"], entries["301005"]["period_end"]) == (
        "2023-01-01",
        "2024-12-31",
    )


def test_totals_by_donor_are_the_flows_amounts(database_url: str, here: Path) -> None:
    assert run("import", str(FTS), "--skip-invalid", "--db", database_url)[0] == 0
    for currency in ("USD", "EUR"):
        expected: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for flow in importable():
            amount, given = money(flow)
            if given != currency:
                continue  # other currencies go through the ECB's rates (tests/ledger/test_money.py)
            kind, stage = STATUSES[flow["status"]]
            measure = (
                "delivered" if kind == "delivery" else "announced" if stage == "announced" else "pledged"
            )
            expected[DONORS[flow["id"]]][measure] += amount
        got = totals(database_url, "--by", "donor", "--currency", currency)
        assert expected, currency
        for donor, measures in expected.items():
            for measure, value in measures.items():
                assert got[donor][measure] == pytest.approx(value, rel=1e-9), (currency, donor, measure)
    entries: dict[str, int] = defaultdict(int)
    for flow in importable():
        entries[DONORS[flow["id"]]] += 1
    got = totals(database_url, "--by", "donor")
    assert {d: r["entries"] for d, r in got.items()} == dict(entries)
    echo = next(o["name"] for o in flows()[4]["sourceObjects"] if o["type"] == "Organization")
    assert got["FTS-ORG-2966"]["donor_name"] == echo
    assert got["DEU"]["donor_name"] == "Germany"


def test_reimporting_the_same_answer_changes_nothing_and_a_new_version_of_a_flow_revises_it(
    db: Database, database_url: str, here: Path
) -> None:
    assert run("import", str(FTS), "--skip-invalid", "--db", database_url)[0] == 0
    versions = count(db)
    code, said = run("import", str(FTS), "--skip-invalid", "--db", database_url)
    assert code == 0
    assert f"0 new, 0 revised, {len(importable())} unchanged" in said
    assert count(db) == versions

    document = json.loads(FTS.read_text(encoding="utf-8"))
    paid = next(f for f in document["data"]["flows"] if f["id"] == "301003")
    paid["amountUSD"], paid["versionId"] = paid["amountUSD"] + 250_000, 2
    later = here / "flows-later.json"
    later.write_text(json.dumps(document), encoding="utf-8")  # on one line, as the API answers
    code, said = run("import", str(later), "--skip-invalid", "--db", database_url)
    assert code == 0
    assert f"0 new, 1 revised, {len(importable()) - 1} unchanged" in said
    assert totals(database_url, "--by", "donor", "--currency", "USD")["USA"]["delivered"] == pytest.approx(
        paid["amountUSD"]
    )


def test_fields_of_the_wrong_shape_are_named_by_line_flow_and_field_and_nothing_is_written(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    document = json.loads(FTS.read_text(encoding="utf-8"))
    by_id = {f["id"]: f for f in document["data"]["flows"]}
    by_id["301001"]["amountUSD"] = "5000000"  # a number in quotes
    by_id["301002"]["originalCurrency"] = "EURO"
    by_id["301003"]["date"] = "last spring"
    by_id["301004"]["sourceObjects"] = [
        o for o in by_id["301004"]["sourceObjects"] if o["type"] != "Organization"
    ]
    path = tmp_path / "bad.json"
    text = json.dumps(document, indent=2)
    path.write_text(text, encoding="utf-8")

    code, said = run("import", str(path), "--db", database_url)
    assert code == 1
    for flow_id, field, message in [
        ("301001", "amountUSD", "'5000000' must be a JSON number (without quotes)"),
        ("301002", "originalCurrency", "'EURO' is not an ISO 4217 currency code"),
        ("301003", "date", "'last spring' is not a date"),
        ("301004", "sourceObjects", "names no source Organization"),
        ("301008", "status", "'carry-over' is not a status"),
    ]:
        assert f"line {line_of(text, flow_id)}, flow {flow_id}, field '{field}': {message}" in said, flow_id
    assert count(db) == 0


def test_a_json_file_without_flows_read_as_fts_says_where_flows_belong(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "plans.json"
    path.write_text('{"status": "ok", "data": [{"id": 1124, "name": "Ukraine 2023"}]}', encoding="utf-8")
    assert guess_format(path) == "json"
    code, said = run("import", str(path), "--format", "fts", "--db", database_url)
    assert code == 1
    assert "no flow records: an FTS answer holds them in data.flows" in said


def test_a_one_line_answer_read_a_few_bytes_at_a_time_is_the_same_document(tmp_path: Path) -> None:
    document = json.loads(FTS.read_text(encoding="utf-8"))
    one_line = tmp_path / "one.json"
    one_line.write_text("\ufeff" + json.dumps(document, ensure_ascii=False), encoding="utf-8")
    for chunk in (1, 3, 64):
        with JsonStream(one_line, chunk=chunk) as stream:
            read: dict[str, Any] = {}
            for key in stream.members():
                if key != "data":
                    read[key] = stream.value()
                    continue
                read[key] = {}
                for inner in stream.members():
                    read[key][inner] = (
                        [v for _, v in stream.elements()] if inner == "flows" else stream.value()
                    )
            stream.end()
        assert read == document, chunk
    # the reader gives the same entries whichever way the answer is laid out
    pretty, compact = (
        [b.entries.drop("_line") for b in read_fts(p) if b.entries.height] for p in (FTS, one_line)
    )
    assert sum(f.height for f in pretty) == len(importable())
    assert [f.to_dicts() for f in pretty] == [f.to_dicts() for f in compact]


def test_a_document_cut_short_is_named_by_its_line(database_url: str, tmp_path: Path) -> None:
    text = FTS.read_text(encoding="utf-8")
    cut = "\n".join(text.splitlines()[:300])
    path = tmp_path / "cut.json"
    path.write_text(cut, encoding="utf-8")
    code, said = run("import", str(path), "--format", "fts", "--db", database_url)
    assert code == 1
    assert "not valid JSON" in said and f"{path}, line " in said


def test_an_amount_too_large_is_named_by_the_fts_field_that_gave_it(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    document = json.loads(FTS.read_text(encoding="utf-8"))
    by_id = {f["id"]: f for f in document["data"]["flows"]}
    usd_only = next(i for i, f in by_id.items() if f.get("originalAmount") is None)
    original = next(i for i, f in by_id.items() if f.get("originalAmount") is not None)
    by_id[usd_only]["amountUSD"] = "@huge-usd@"
    by_id[original]["originalAmount"] = "@huge-original@"
    text = json.dumps(document, indent=2)
    # JSON reads 1e309 as infinity: written as a bare number, as a careless exporter would
    text = text.replace('"@huge-usd@"', "1e309").replace('"@huge-original@"', "2.5e15")
    path = tmp_path / "huge.json"
    path.write_text(text, encoding="utf-8")

    code, said = run("import", str(path), "--db", database_url)
    assert code == 1
    assert (
        f"line {line_of(text, usd_only)}, flow {usd_only}, field 'amountUSD': too large to read as a "
        "number (over 10^308)" in said
    )
    assert (
        f"line {line_of(text, original)}, flow {original}, field 'originalAmount': '2500000000000000' "
        "is not a finite number of at most 10^15" in said
    )
    assert "'inf'" not in said and "field 'amount'" not in said
    assert count(db) == 0
