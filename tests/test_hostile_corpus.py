"""The hostile corpus: files built to break a reader (malformed text, encodings, numbers no store
can hold, markup where a code belongs, the XML family of entity tricks, documents nested past any
use). Each is given to the command that imports its kind, on a database that already holds data;
each must be refused with exit status 1 and a message naming the file, with no traceback, and
every table must hash as before (nothing half-written, not even the import log).

Beside each family, its well-formed twin is imported too, so that a refusal is known to come from
what makes the file hostile and not from the skeleton around it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_helpers import table_hashes
from sqlalchemy import MetaData, create_engine, select
from typer.testing import CliRunner

from ltsplan.cli.main import app
from ltsplan.ledger.imports import import_file
from ltsplan.store.db import open_database

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
runner = CliRunner()

# -- the native CSV -----------------------------------------------------------------------------
HEADER = (
    "dataset,reference,kind,stage,donor,recipient,category,event_date,amount,currency,description,"
    "commitment_id,source_title,source_kind,source_url"
)


def csv_row(**given: str) -> str:
    row = {
        "dataset": "hostile",
        "reference": "H-1",
        "kind": "commitment",
        "stage": "committed",
        "donor": "DEU",
        "recipient": "UKR",
        "category": "military",
        "event_date": "2023-06-01",
        "amount": "100",
        "currency": "EUR",
        "description": "fine",
        "commitment_id": "",
        "source_title": "A list",
        "source_kind": "official document",
        "source_url": "https://example.org/list",
    }
    row.update(given)
    return ",".join(row[name] for name in HEADER.split(","))


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


CSV: dict[str, bytes] = {
    "more-fields-in-the-first-row": csv_file(csv_row() + ",surplus"),
    "fewer-fields-in-the-first-row": csv_file("hostile,H-1,commitment"),
    "an-unterminated-quote": csv_file(csv_row(description='"never closed'), csv_row(reference="H-2")),
    "a-quote-closed-and-then-text": csv_file(csv_row(description='"closed"then more')),
    "invalid-utf8-in-a-row": csv_file(csv_row())
    + csv_row(reference="H-2", description="caf\udce9").encode("utf-8", "surrogateescape"),
    "invalid-utf8-in-the-header": b"datas\xffet,reference\n" + csv_row().encode(),
    "latin-1-throughout": csv_file(csv_row(description="Mehrwertsteuer für Lieferungen"))
    .decode()
    .encode("latin-1"),
    "utf-16-with-a-bom": "\ufeff".encode("utf-16-le") + csv_file(csv_row()).decode().encode("utf-16-le"),
    "a-nul-byte-in-a-field": csv_file(csv_row(description="a\x00b")),
    "an-infinite-amount": csv_file(csv_row(amount="1e309")),
    "inf-as-a-word": csv_file(csv_row(amount="INF")),
    "nan-as-a-word": csv_file(csv_row(amount="NaN")),
    "markup-as-a-donor": csv_file(csv_row(donor="<script>")),
    "a-nul-in-a-donor": csv_file(csv_row(donor="NLD\x00")),
    "a-javascript-url": csv_file(csv_row(source_url="javascript:alert(1)")),
    "a-javascript-url-in-disguise": csv_file(csv_row(source_url=" JavaScript:alert(1)")),
    "a-data-url": csv_file(csv_row(source_url='"data:text/html,<script>alert(1)</script>"')),
    "a-commitment-that-is-not-there": csv_file(
        csv_row(kind="delivery", stage="delivered", commitment_id="NO-SUCH-COMMITMENT")
    ),
    "only-a-byte-order-mark": b"\xef\xbb\xbf",
    "an-empty-file": b"",
}


# -- the native JSON ----------------------------------------------------------------------------
def json_entry(**given: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "dataset": "hostile",
        "reference": "H-1",
        "kind": "commitment",
        "stage": "committed",
        "donor": "DEU",
        "category": "military",
        "event_date": "2023-06-01",
        "amount": 100,
        "currency": "EUR",
        "source_id": "s-1",
    }
    entry.update(given)
    return entry


def json_file(*entries: object, text: str | None = None) -> bytes:
    sources = [{"id": "s-1", "kind": "official document", "title": "A list"}]
    if text is not None:
        return text.encode("utf-8")
    document = {"format": "ltsplan-ledger", "version": 1, "sources": sources, "entries": list(entries)}
    return json.dumps(document).encode("utf-8")


def json_with(entry_text: str) -> bytes:
    """A ledger document whose one entry is written as given (JSON that json.dumps would not write)."""
    return json_file(
        text='{"format": "ltsplan-ledger", "version": 1, "sources": [], "entries": [' + entry_text + "]}"
    )


JSON: dict[str, bytes] = {
    "nested-100000-deep": b"[" * 100_000 + b"]" * 100_000,
    "an-entry-nested-100000-deep": json_with("[" * 100_000 + "]" * 100_000),
    "an-integer-of-5000-digits": json_with('{"amount": ' + "9" * 5000 + "}"),
    "a-lone-surrogate": json_with('{"reference": "\\ud800"}'),
    "a-lone-low-surrogate-as-a-key": json_with('{"\\udc00": 1}'),
    "nan": json_with('{"amount": NaN}'),
    "infinity": json_with('{"amount": -Infinity}'),
    "an-amount-too-large-to-be-finite": json_file(
        text=json_file(json_entry()).decode().replace("100", "1e309", 1)
    ),
    "an-amount-that-is-true": json_file(json_entry(amount=True)),
    "an-amount-that-is-text": json_file(json_entry(amount="1000")),
    "an-unknown-key": json_file(json_entry(colour="red")),
    "a-key-given-twice": json_with(json.dumps(json_entry())[:-1] + ', "amount": 5}'),
    "text-after-the-document": json_file(json_entry()) + b" trailing",
    "utf-16-without-a-bom": json_file(json_entry()).decode().encode("utf-16-le"),
    "five-invalid-entries": json_file(*(json_entry(reference=f"H-{n}", stage="promised") for n in range(5))),
}


# -- IATI XML -----------------------------------------------------------------------------------
def iati(
    *, value: str = "1000", prolog: str = "", budget: str = "", extra: str = "", encoding: str = "utf-8"
) -> bytes:
    declaration = f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n'
    text = f"""{declaration}{prolog}<iati-activities version="2.03" generated-datetime="2024-01-01T00:00:00">
 <iati-activity default-currency="EUR">
  <iati-identifier>XM-EXAMPLE-H-1</iati-identifier>
  <reporting-org ref="XM-EXAMPLE-H" type="10"><narrative>Example donor</narrative></reporting-org>
  <title><narrative>Hostile example</narrative></title>{extra}
  <transaction><transaction-type code="2"/><transaction-date iso-date="2023-01-01"/><value value-date="2023-01-01">{value}</value></transaction>{budget}
 </iati-activity>
</iati-activities>
"""
    return text.encode(encoding)


LAUGHS = "".join(
    f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' if n else ' <!ENTITY lol0 "lol">\n' for n in range(10)
)
BUDGET = (
    '\n  <budget type="1" status="1"><period-start iso-date="2024-01-01"/><period-end iso-date="2024-12-31"/>'
    '<value value-date="2024-01-01">{}</value></budget>'
)
XML: dict[str, bytes] = {
    "billion-laughs": iati(
        prolog=f"<!DOCTYPE iati-activities [\n{LAUGHS}]>\n", extra="<description>&lol9;</description>"
    ),
    "an-external-entity": iati(
        prolog='<!DOCTYPE iati-activities [<!ENTITY s SYSTEM "file:///etc/passwd">]>\n'
    ),
    "an-external-dtd": iati(prolog='<!DOCTYPE iati-activities SYSTEM "http://example.org/evil.dtd">\n'),
    "a-parameter-entity": iati(
        prolog='<!DOCTYPE iati-activities [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
    ),
    "a-doctype-after-a-64-kib-comment": iati(
        prolog=f"<!--{'x' * 70_000}-->\n<!DOCTYPE iati-activities []>\n"
    ),
    "utf-16le-without-a-bom-with-a-doctype": iati(
        prolog="<!DOCTYPE iati-activities []>\n", encoding="utf-16-le"
    ),
    "utf-16be-without-a-bom-with-a-doctype": iati(
        prolog="<!DOCTYPE iati-activities []>\n", encoding="utf-16-be"
    ),
    "utf-32le-without-a-bom-with-a-doctype": iati(
        prolog="<!DOCTYPE iati-activities []>\n", encoding="utf-32-le"
    ),
    "utf-32be-without-a-bom-with-a-doctype": iati(
        prolog="<!DOCTYPE iati-activities []>\n", encoding="utf-32-be"
    ),
    "an-infinite-transaction-value": iati(value="1e309"),
    "inf-as-a-transaction-value": iati(value="INF"),
    "nan-as-a-transaction-value": iati(value="NaN"),
    "an-infinite-budget": iati(budget=BUDGET.format("1e309")),
    "not-well-formed": iati()[:-40],
}


# -- documents of sections (standards, readiness) and scenarios (pathway) -------------------------
def nested_yaml(depth: int) -> bytes:
    return ("standards:\n  - " + "[" * depth + "]" * depth + "\n").encode()


YAML_LAUGHS = (
    "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
    + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "standards: *i\n"
)
DOCUMENTS: dict[str, tuple[str, bytes]] = {
    "deep.json": ("json", b"[" * 100_000 + b"]" * 100_000),
    "big-integer.json": ("json", b'{"standards": [{"code": ' + b"9" * 5000 + b"}]}"),
    "surrogate.json": ("json", b'{"standards": [{"code": "\\ud800"}]}'),
    "deep.yaml": ("yaml", nested_yaml(100_000)),
    "big-integer.yaml": ("yaml", b"standards:\n  - code: " + b"9" * 5000 + b"\n"),
    "surrogate.yaml": ("yaml", b'standards:\n  - code: "\\ud800"\n'),
    "laughs.yaml": ("yaml", YAML_LAUGHS.encode()),
    "latin-1.yaml": ("yaml", "standards:\n  - title: Überprüfung\n".encode("latin-1")),
}


@pytest.fixture
def holding_data(database_url: str) -> str:
    """A database that already holds a ledger (so that "unchanged" means something)."""
    database = open_database(database_url)
    try:
        import_file(database, EXAMPLES / "ledger.csv")
    finally:
        database.dispose()
    return database_url


def refused(database_url: str, path: Path, *command: str) -> None:
    before = table_hashes(database_url)
    result = runner.invoke(app, [*command, str(path), "--db", database_url])
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert str(path) in result.stderr, result.stderr
    assert table_hashes(database_url) == before


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(CSV))
def test_hostile_csv_is_refused_and_writes_nothing(holding_data: str, tmp_path: Path, case: str) -> None:
    refused(holding_data, written(tmp_path, f"{case}.csv", CSV[case]), "import")


@pytest.mark.parametrize("case", sorted(JSON))
def test_hostile_json_is_refused_and_writes_nothing(holding_data: str, tmp_path: Path, case: str) -> None:
    refused(holding_data, written(tmp_path, f"{case}.json", JSON[case]), "import")


@pytest.mark.parametrize("case", sorted(XML))
def test_hostile_iati_xml_is_refused_and_writes_nothing(holding_data: str, tmp_path: Path, case: str) -> None:
    refused(holding_data, written(tmp_path, f"{case}.xml", XML[case]), "import")


@pytest.mark.parametrize("case", sorted(DOCUMENTS))
def test_hostile_documents_are_refused_by_every_importer(
    holding_data: str, tmp_path: Path, case: str
) -> None:
    _, data = DOCUMENTS[case]
    path = written(tmp_path, case, data)
    for command in (("standards", "import"), ("readiness", "import"), ("pathway", "import")):
        refused(holding_data, path, *command)


@pytest.mark.parametrize(
    ("case", "line"),
    [
        ("an-infinite-transaction-value", 7),
        ("inf-as-a-transaction-value", 7),
        ("nan-as-a-transaction-value", 7),
        ("an-infinite-budget", 8),
    ],
)
def test_a_number_beyond_any_amount_is_quoted_as_written_in_the_iati_element_that_holds_it(
    holding_data: str, tmp_path: Path, case: str, line: int
) -> None:
    path = written(tmp_path, f"{case}.xml", XML[case])
    result = runner.invoke(app, ["import", str(path), "--db", holding_data])
    said = " ".join(result.stderr.split())
    written_value = XML[case].decode().splitlines()[line - 1].split('">')[-1].split("</value>")[0]
    assert (
        f"{path}, line {line}, XM-EXAMPLE-H-1, field 'value': '{written_value}' is not a finite number"
        in said
    ), said


def test_the_well_formed_twins_import(holding_data: str, tmp_path: Path) -> None:
    twins: dict[str, Callable[[], bytes]] = {
        "twin.csv": lambda: csv_file(csv_row()),
        "twin.json": lambda: json_file(json_entry()),
        "twin.xml": lambda: iati(budget=BUDGET.format("500")),
    }
    for name, make in twins.items():
        result = runner.invoke(app, ["import", str(written(tmp_path, name, make())), "--db", holding_data])
        assert result.exit_code == 0, (name, result.output)


def test_skip_invalid_counts_records_not_problems(
    holding_data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the report is written where the command runs
    entries = [json_entry(reference=f"H-{n}", stage="promised", category="naval") for n in range(5)]
    path = written(tmp_path, "five.json", json_file(*entries, json_entry(reference="H-ok")))
    result = runner.invoke(
        app, ["import", str(path), "--skip-invalid", "--db", holding_data], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "5 invalid records skipped (10 problems)" in result.output


def test_xinclude_is_not_processed(holding_data: str, tmp_path: Path) -> None:
    path = written(
        tmp_path,
        "xinclude.xml",
        iati(
            extra='\n  <description><narrative xmlns:xi="http://www.w3.org/2001/XInclude">'
            '<xi:include href="/etc/passwd" parse="text"/></narrative></description>'
        ),
    )
    result = runner.invoke(app, ["import", str(path), "--db", holding_data])
    assert result.exit_code == 0, result.output
    assert "root:" not in result.output
    engine = create_engine(holding_data)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            stored = [
                repr(tuple(row))
                for table in metadata.tables.values()
                for row in connection.execute(select(table))
            ]
    finally:
        engine.dispose()
    assert "XM-EXAMPLE-H" in "".join(stored)  # the activity was read …
    assert "root:" not in "".join(stored)  # … and no file's content with it
