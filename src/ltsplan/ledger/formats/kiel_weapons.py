"""Reader for the Kiel tracker's heavy-weapons list (``weapons.csv``), see docs/kiel.md.

One row per donor and weapon category (Air Defense, Howitzers, IFV, MLRS, Tanks): the number of
heavy weapon systems the tracker counts as allocated to Ukraine (delivered, or specified for
delivery), their value in EUR as the tracker estimates it, and the models, packed as
``"Leopard-2A4 (8); Leopard-1A5 (37)"``. The file has no dates: its counts are cumulative from the
start of tracking (24 January 2022) to the end of the release's period (``release_info.csv``).

Each model of each row becomes one entry: a commitment at stage ``allocated``, category military,
sub-type weapons and equipment, with ``item`` the model and ``quantity`` its count, dated the end
of the release's period. The value is not the entry's amount: the tracker gives one figure per donor
and category, which a split by model would invent, and that figure is already part of the donor's
military allocations in ``data_explorer.csv``, which an amount here would count twice. The entry's
note keeps it. The tracker publishes no deliveries by model, so there are no delivery entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.text import decode_utf8
from ltsplan.ledger.formats.country_names import country_code
from ltsplan.ledger.formats.kiel import (
    ORGANISATIONS,
    RECIPIENT,
    RELEASE_FILE,
    read_release,
    release_source,
)
from ltsplan.ledger.model import LedgerBatch
from ltsplan.ledger.rules import LINE, RECORD
from ltsplan.shipped import shipped
from ltsplan.store.ids import record_id_expr

REQUIRED = ("donor", "category", "number_of_weapons", "weapons_list")
VALUE = "monetary_value_eur"
# The columns that tell this file from the tracker's others.
SIGNATURE = ("number_of_weapons", "weapons_list")
TRACKING_START = "2022-01-24"
MODEL = r"^(.*\S)\s*\((\d+)\)$"
EXPLORER = "data_explorer.csv"


def read_weapons(path: Path, *, progress: Callable[[int], None] | None = None) -> Iterator[LedgerBatch]:
    """One batch: a commitment per donor, category and model, with the release's source."""
    file = str(path)
    release = read_release(path.parent / RELEASE_FILE, data_file=path)
    if release.period_end is None:
        raise InvalidInput(
            [
                Problem(
                    "the release's period is needed (MM/YYYY, such as 04/2026): the weapons list is "
                    "cumulative to its end",
                    file=str(path.parent / RELEASE_FILE),
                    line=2,
                    field="period",
                )
            ],
            f"{path}: cannot date the weapons list; nothing was written",
        )
    source = release_source(release.number, release.published, release.label)
    raw = _read(path)
    rows, problems = _typed(raw, file, _tracker_codes(path))
    models, more = _models(rows, file)
    problems = sorted([*problems, *more], key=lambda p: (p.line or 0, p.field or ""))
    bad = {p.line for p in problems}
    models = models.filter(pl.col(LINE).is_in(list(bad)).not_())
    dataset = f"kiel-ust-weapons-r{release.number}"
    entries = _entries(
        models,
        dataset=dataset,
        release=release.number,
        period_end=release.period_end.isoformat(),
        source_id=source.id,
    )
    names = {code: ("organisation", name) for code, name in ORGANISATIONS.items() if code in models["donor"]}
    if progress is not None:
        progress(path.stat().st_size)
    systems = int(models.get_column("quantity").sum() or 0)
    valued = rows.filter(pl.col(LINE).is_in(list(bad)).not_()).get_column(VALUE).sum() or 0.0
    yield LedgerBatch(
        entries=entries,
        sources=[source],
        actor_names=names,
        problems=problems,
        # The list counts systems allocated, not what was delivered.
        reports={dataset: ("commitments", "allocations")},
        notes=[
            f"Kiel tracker release {release.number} heavy weapons to {release.period_end:%Y-%m-%d}: "
            f"{rows.height} donor-categories, {entries.height} models, {systems} systems as quantities "
            f"(stage allocated); their value (EUR {valued:,.0f} in all) is in each entry's note, not an "
            "amount: data_explorer.csv already counts it in the military allocations"
        ],
    )


def _read(path: Path) -> pl.DataFrame:
    file = str(path)
    text = decode_utf8(path.read_bytes(), file, "CSV")
    if not text.strip():
        raise InvalidInput(
            [Problem("the file is empty; its first line names the columns", file=file, line=1)],
            f"{file}: not a Kiel tracker weapons.csv; nothing was written",
        )
    raw = pl.read_csv(text.encode("utf-8"), infer_schema=False).with_row_index(LINE, offset=2)
    raw = raw.rename({c: c.strip().lower() for c in raw.columns if c != LINE})
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InvalidInput(
            [Problem("this column is missing", file=file, line=1, field=c) for c in missing],
            f"{file}: not a Kiel tracker weapons.csv (columns {', '.join(REQUIRED)} are needed)",
        )
    if VALUE not in raw.columns:
        raw = raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias(VALUE))
    return raw.with_columns(pl.col(LINE).cast(pl.Int64))


def _tracker_codes(path: Path) -> dict[str, str]:
    """Donor names as the tracker writes them → its codes, from the release's data_explorer.csv
    beside the file (else the one shipped with the package): the tracker's own mapping, which
    names the EU institutions "EU (Commission and Council)"."""
    beside = path.parent / EXPLORER
    explorer = beside if beside.is_file() else shipped("kiel", EXPLORER)
    try:
        pairs = pl.read_csv(explorer, columns=["country", "iso"], infer_schema=False).unique()
    except (pl.exceptions.PolarsError, OSError):
        return {}
    return {name.strip(): code.strip() for name, code in pairs.drop_nulls().iter_rows()}


def _typed(raw: pl.DataFrame, file: str, codes: dict[str, str]) -> tuple[pl.DataFrame, list[Problem]]:
    """Donors as codes, numbers parsed, and every cell that does not read named."""
    names = raw.get_column("donor").str.strip_chars().drop_nulls().unique().to_list()
    known = {name: codes.get(name) or country_code(name) for name in names}
    typed = raw.with_columns(
        pl.col("donor").str.strip_chars().alias("donor_name"),
        pl.col("donor")
        .str.strip_chars()
        .replace_strict(known, default=None, return_dtype=pl.Utf8)
        .alias("donor"),
        pl.col("category").str.strip_chars(),
        pl.col("number_of_weapons").str.strip_chars().cast(pl.Int64, strict=False).alias("number"),
        pl.col(VALUE).str.strip_chars().cast(pl.Float64, strict=False).alias("_value"),
        pl.col("weapons_list").str.strip_chars(),
    )
    given = {c: raw.get_column(c) for c in ("donor", "category", "number_of_weapons", VALUE, "weapons_list")}
    checks: list[tuple[str, pl.Expr, str]] = [
        ("donor", pl.col("donor_name").is_null() | (pl.col("donor_name") == ""), "a donor is required"),
        (
            "donor",
            (pl.col("donor_name") != "") & pl.col("donor").is_null(),
            "'{}' is neither a donor of the tracker's data_explorer.csv nor a country's name",
        ),
        ("category", pl.col("category").is_null() | (pl.col("category") == ""), "a category is required"),
        (
            "number_of_weapons",
            pl.col("number").is_null() | (pl.col("number") < 0),
            "'{}' is not a number of weapon systems (a whole number, 0 or more)",
        ),
        (
            VALUE,
            pl.col(VALUE).str.strip_chars().str.len_chars().fill_null(0).gt(0)
            & (pl.col("_value").is_null() | ~pl.col("_value").is_finite()),
            "'{}' is not a value in EUR (a number without separators)",
        ),
        (
            "weapons_list",
            pl.col("weapons_list").is_null() | (pl.col("weapons_list") == ""),
            "lists no models",
        ),
    ]
    problems: list[Problem] = []
    for field, failing, message in checks:
        bad = typed.with_columns(given[field].alias("_given")).filter(failing.fill_null(False))
        problems.extend(
            Problem(message.format(shown or ""), file=file, line=line, field=field)
            for line, shown in bad.select(LINE, "_given").iter_rows()
        )
    repeated = typed.filter(pl.struct("donor", "category").is_duplicated() & pl.col("donor").is_not_null())
    problems.extend(
        Problem("this donor and category appear more than once", file=file, line=line, field="category")
        for line in repeated.get_column(LINE).to_list()
    )
    return typed.drop(VALUE).rename({"_value": VALUE}), problems


def _models(rows: pl.DataFrame, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """One row per model (the list split, each "Name (count)" read), and what does not read: a
    part without its count, and a list whose counts do not add up to ``number_of_weapons``."""
    parts = (
        rows.select(LINE, "donor", "donor_name", "category", "number", VALUE, "weapons_list")
        .with_columns(pl.col("weapons_list").str.split(";"))
        .explode("weapons_list")
        .with_columns(pl.col("weapons_list").str.strip_chars().alias("part"))
        .filter(pl.col("part").str.len_chars() > 0)
        .with_columns(
            pl.col("part").str.extract(MODEL, 1).alias("item"),
            pl.col("part").str.extract(MODEL, 2).cast(pl.Int64, strict=False).alias("quantity"),
        )
    )
    problems = [
        Problem(
            f"'{part}' is not a model with its count, such as 'Leopard-2A4 (8)'",
            file=file,
            line=line,
            field="weapons_list",
        )
        for line, part in parts.filter(pl.col("item").is_null()).select(LINE, "part").iter_rows()
    ]
    # The same model named twice in a row is one item: its counts are added.
    models = (
        parts.filter(pl.col("item").is_not_null())
        .group_by(LINE, "donor", "donor_name", "category", "number", VALUE, "item", maintain_order=True)
        .agg(pl.col("quantity").sum())
    )
    sums = models.group_by(LINE).agg(pl.col("quantity").sum().alias("listed"), pl.col("number").first())
    problems.extend(
        Problem(
            f"the weapons list adds up to {listed}, not {number}",
            file=file,
            line=line,
            field="number_of_weapons",
        )
        for line, listed, number in sums.filter(
            pl.col("number").is_not_null() & (pl.col("listed") != pl.col("number"))
        )
        .select(LINE, "listed", "number")
        .iter_rows()
    )
    return models, problems


def _entries(
    models: pl.DataFrame, *, dataset: str, release: str, period_end: str, source_id: str
) -> pl.DataFrame:
    """The models as allocated commitments, column-wise."""
    value = pl.col(VALUE).round(0).cast(pl.Int64).cast(pl.Utf8)
    end = pl.lit(period_end).str.to_date()
    return models.select(
        LINE,
        record_id_expr("kiel-ust-weapons", pl.col("donor"), pl.col("category"), pl.col("item")).alias("id"),
        pl.lit(dataset).alias("dataset"),
        pl.lit("commitment").alias("kind"),
        pl.lit("allocated").alias("stage"),
        pl.col("donor"),
        pl.lit(RECIPIENT).alias("recipient"),
        pl.lit("military").alias("category"),
        pl.lit("weapons and equipment").alias("subtype"),
        end.alias("event_date"),
        pl.lit(TRACKING_START).str.to_date().alias("period_start"),
        end.alias("period_end"),
        pl.col("item"),
        pl.col("quantity").cast(pl.Float64),
        pl.format(
            "Kiel UST r{} heavy weapons: {} × {}, {} ({})",
            pl.lit(release),
            pl.col("quantity"),
            pl.col("item"),
            pl.col("category"),
            pl.col("donor_name"),
        ).alias("description"),
        pl.format("weapons.csv {} {} {}", pl.col("donor"), pl.col("category"), pl.col("item")).alias(
            "reference"
        ),
        pl.lit(source_id).alias("source_id"),
        pl.when(pl.col(VALUE).is_not_null())
        .then(
            pl.format(
                "the tracker values {}'s {} {} together at EUR {} (not split by model; part of its "
                "military allocations in data_explorer.csv)",
                pl.col("donor_name"),
                pl.col("number"),
                pl.col("category"),
                value,
            )
        )
        .alias("note"),
        pl.format("{} {} {}", pl.col("donor"), pl.col("category"), pl.col("item")).alias(RECORD),
    )
