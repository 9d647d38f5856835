"""The sources of the native ledger formats: described on an entry's row (``source_*`` columns) or
once in a sources list or sheet and cited by label, each read by the source's declaration
(``provenance.model.SOURCE``), and every row given the id of its source."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ltsplan.ledger.rules import LINE, RECORD
from ltsplan.provenance.model import SOURCE, Source, source_problems_of
from ltsplan.records.reading import read_record

# A source described in a sources list (JSON) or sheet (XLSX), and the same fields on an entry row,
# prefixed ``source_``. ``id`` is a label the file chooses; stored ids are always derived.
SOURCE_FIELDS = ["id", "kind", "title", "publisher", "url", "date", "attribution", "grade", "note"]
SOURCE_COLUMNS = [f"source_{f}" for f in SOURCE_FIELDS if f != "id"]


@dataclass
class SourceLabel:
    """A source a file defines once and cites by label: the parsed source, or why it is invalid."""

    source: Source | None
    where: str
    problems: list[str] = field(default_factory=list)


def source_from(
    values: dict[str, object], *, prefix: str = ""
) -> tuple[Source | None, list[tuple[str, str]]]:
    """A Source from its text fields (named ``kind``… or ``source_kind``… with ``prefix``), read
    by its declaration (``provenance.model.SOURCE``), or the (field, message) problems that stop
    it being one. The native formats call the publication date ``date``."""
    raw = {name: values.get(prefix + name) for name in SOURCE_FIELDS if name != "id"}
    raw["published"] = raw.pop("date")
    located, problems = read_record(SOURCE, raw, file=None, check=source_problems_of)
    found = [(prefix + ("date" if p.field == "published" else p.field or ""), p.message) for p in problems]
    if found:
        return None, found
    return Source(**{f.name: located.values[f.name] for f in SOURCE.fields}), []


def cite_sources(
    frame: pl.DataFrame,
    keys: pl.DataFrame,
    described: dict[str, tuple[Source, int]],
    labels: dict[str, SourceLabel],
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Source]]:
    """Give every row the id of its source, describe each source once, and find what is wrong
    with the descriptions and citations, line by line."""
    problems: list[tuple[int, str | None, str, str]] = []
    cited: dict[str, Source] = {}
    keys = keys.sort("_first")
    wrong: dict[int, list[tuple[str, str]]] = {}
    described_ids: list[str | None] = []
    for number, values in enumerate(keys.iter_rows(named=True)):
        source, faults = source_from(values, prefix="source_")
        if source is not None:
            earlier = described.get(source.id)
            if earlier is not None and earlier[0] != source:
                source = None
                faults = [
                    (
                        "source_title",
                        f"describes source '{earlier[0].title}' differently from line {earlier[1]}; "
                        "the same title, publisher, url and date need the same kind, attribution, "
                        "grade and note",
                    )
                ]
            elif earlier is None:
                described[source.id] = (source, values["_first"])
        if source is None:
            wrong[number] = faults
        described_ids.append(source.id if source else None)
    mapping = keys.select("_skey").with_columns(
        pl.Series("_described", described_ids, dtype=pl.Utf8),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"),
    )
    frame = frame.join(mapping, on="_skey", how="left", maintain_order="left").drop("_skey")
    if wrong:
        faulty = frame.filter(pl.col("_key").is_in(list(wrong)))
        for line, record, key in faulty.select(LINE, RECORD, "_key").iter_rows():
            problems.extend((line, record, name, message) for name, message in wrong[key])
    label_ids = {k: v.source.id for k, v in labels.items() if v.source is not None}
    bad_labels = {k: v for k, v in labels.items() if v.source is None}
    given = pl.col("source_id")
    as_label = given.replace(label_ids) if label_ids else given
    frame = frame.with_columns(
        pl.when(pl.col("_key").is_not_null()).then(pl.col("_described")).otherwise(as_label).alias("_source")
    )
    mismatched = frame.filter(
        pl.col("_described").is_not_null() & given.is_not_null() & (as_label != pl.col("_described"))
    )
    for line, record, text, derived in mismatched.select(LINE, RECORD, "source_id", "_described").iter_rows():
        problems.append(
            (
                line,
                record,
                "source_id",
                f"'{text}' is not the source the source_* columns describe (that one's id is "
                f"{derived}); leave source_id empty or give that id",
            )
        )
    citing = frame.filter(pl.col("_key").is_null() & given.is_not_null())
    if bad_labels:
        for line, record, label in (
            citing.filter(given.is_in(list(bad_labels))).select(LINE, RECORD, "source_id").iter_rows()
        ):
            entry = bad_labels[label]
            problems.append(
                (
                    line,
                    record,
                    "source_id",
                    f"cites source '{label}', which is invalid ({entry.where}: {'; '.join(entry.problems)})",
                )
            )
    for label in citing.filter(given.is_in(list(label_ids))).get_column("source_id").unique().to_list():
        labelled = labels[label].source
        assert labelled is not None
        cited[labelled.id] = labelled
    by_id = citing.filter(given.is_in(list(labels)).not_())
    described_at = pl.DataFrame(
        [(k, v[1]) for k, v in described.items()],
        schema={"_source": pl.Utf8, "_at": pl.Int64},
        orient="row",
    )
    early = by_id.join(described_at, on="_source", how="inner")
    for line, record, at in (
        early.filter(pl.col("_at") > pl.col(LINE)).select(LINE, RECORD, "_at").iter_rows()
    ):
        problems.append(
            (
                line,
                record,
                "source_id",
                f"cites a source first described on line {at}; describe a source on or before "
                "the first row that cites it",
            )
        )
    for sid in [*early.get_column("_source").unique().to_list(), *(i for i in described_ids if i)]:
        cited[sid] = described[sid][0]
    frame = frame.with_columns(pl.col("_source").alias("source_id")).drop("_source", "_described", "_key")
    found = pl.DataFrame(
        problems,
        schema={LINE: pl.Int64, RECORD: pl.Utf8, "field": pl.Utf8, "message": pl.Utf8},
        orient="row",
    )
    return frame, found, cited
