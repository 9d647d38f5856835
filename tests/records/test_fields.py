"""A field reads one value (files of sections, request bodies) and a whole column (the ledger's bulk
formats) by the same rules, with the same message for the same bad value."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from ltsplan.ledger.model import ENTRY
from ltsplan.records.fields import DATE, INSTANT, NUMBER, TEXT, Field, FieldError, not_finite

# Values as people write them in a cell: good ones, bad ones, and the edges between.
CORPUS = [
    "2023-06-14",
    "2023-02-30",
    "14/06/2023",
    "2023-6-1",
    "1250000",
    "-3.5",
    "1e309",
    "-1e309",
    "1e15",
    "-1000000000000001",
    "inf",
    "NaN",
    "1,5",
    "abc",
    "x" * 81,
    "ü" * 33,
    "EUR",
    "eur",
    "XYZ",
    "commitment",
    "promise",
]


def _one_at_a_time(spec: Field, value: str) -> str | None:
    try:
        spec.read(value)
    except FieldError as error:
        return str(error)
    return None


def _column(spec: Field, values: list[str]) -> list[str | None]:
    """The messages of ``column_problems`` and ``typed_problems`` for each value, the way the
    ledger's native reader parses a column before checking it."""
    text = pl.Series("v", values, dtype=pl.Utf8)
    if spec.kind is DATE:
        typed = text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        typed = pl.Series("t", [t if len(v) == 10 else None for v, t in zip(values, typed, strict=True)])
    elif spec.kind is NUMBER:
        typed = text.cast(pl.Float64, strict=False)
    else:
        typed = text
    frame = pl.DataFrame({"v": text, "t": typed})
    checks = [
        *spec.column_problems(pl.col("v"), pl.col("t")),
        *[(f, m) for f, m in spec.typed_problems(pl.col("t")) if spec.kind is TEXT or "finite" not in str(m)],
    ]
    found: list[str | None] = [None] * len(values)
    for failing, message in checks:
        rows = frame.select(failing.fill_null(False).alias("f"), message.cast(pl.Utf8).alias("m"))
        for index, (fails, said) in enumerate(rows.iter_rows()):
            if fails and found[index] is None:
                found[index] = said
    return found


@pytest.mark.parametrize("name", ["event_date", "amount", "currency", "kind", "dataset", "subtype"])
def test_a_value_gets_the_same_verdict_and_message_one_at_a_time_as_in_a_column(name: str) -> None:
    spec = ENTRY.field(name)
    singly = [_one_at_a_time(spec, v) for v in CORPUS]
    as_column = _column(spec, CORPUS)
    assert as_column == singly


def test_the_corpus_reaches_every_rule() -> None:
    """Each of the rules above refuses something in the corpus (so the comparison is not empty)."""
    verdicts = {
        name: {_one_at_a_time(ENTRY.field(name), v) for v in CORPUS} - {None}
        for name in ("event_date", "amount", "currency", "kind", "dataset")
    }
    assert all(verdicts.values()), verdicts
    assert "'1e309' is not a finite number of at most 10^15" in verdicts["amount"]
    # the largest figure any ledger holds is accepted; one more is refused
    assert "'-1000000000000001' is not a finite number of at most 10^15" in verdicts["amount"]
    assert not any(v.startswith("'1e15'") for v in verdicts["amount"])
    assert "'XYZ' is not an ISO 4217 currency code" in verdicts["currency"]


@pytest.mark.parametrize("given", ["0001-01-01T00:00:00+05:00", "0001-01-01T04:59:59.999999+05:00"])
def test_a_record_time_that_its_offset_takes_before_the_year_1_is_refused_with_a_message(given: str) -> None:
    with pytest.raises(FieldError) as refused:
        INSTANT.read_value(given)
    assert given in str(refused.value) and "before the year 1" in str(refused.value)


def test_a_record_time_on_the_first_day_there_is_is_read() -> None:
    assert INSTANT.read_value("0001-01-01T05:00:00+05:00") == datetime(1, 1, 1)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_float_no_amount_can_be_is_worded_alike_one_at_a_time_and_in_a_column(value: float) -> None:
    """A reader that made a float of its text (JSON's 1e309, YAML's .nan) gets the same words from
    both paths, and never a quoted 'inf'."""
    spec = ENTRY.field("amount")
    with pytest.raises(FieldError) as singly:
        spec.read(value)
    column = pl.DataFrame({"t": [value]}, schema={"t": pl.Float64})
    worded = column.select(not_finite(pl.col("t"))).item()
    assert str(singly.value) == worded
    assert "'inf'" not in worded and "'-inf'" not in worded
