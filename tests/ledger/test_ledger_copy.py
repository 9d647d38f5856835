"""The ledger's copy in memory (ledger/cube.py) answers as the tables do, on random histories: the
totals' sums and their rollups, delivery lags from the histogram, and pages of entries, today and
as of past dates, before and after more is written, and never from a state a reader cannot see;
so do the small tables held beside it (store/held.py): names, aliases, datasets' declarations.

Each answer is compared with the same question asked of the tables one row at a time: the deltas
summed in SQL, the lags of each linked delivery joined in SQL and put through Polars' own
quantiles, the entries' page sorted and cut in SQL."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Connection, and_, event, select
from starlette.datastructures import QueryParams

from ltsplan.ledger import cube
from ltsplan.ledger.datasets import declare, reported_measures
from ltsplan.ledger.entries import entries, page_in_sql
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_dataset, ledger_entry
from ltsplan.ledger.reports import LedgerFilter, _summed_in_sql, lags, totals
from ltsplan.listing import ListQuery
from ltsplan.provenance.aliases import actor_alias, aliases_at, record_alias, remove_alias
from ltsplan.provenance.imports import actor_record, store_actors
from ltsplan.provenance.model import actor
from ltsplan.provenance.reports import actor_names
from ltsplan.store.db import Database, query_frame
from ltsplan.store.time import known, live_at, live_rows, utcnow

HEADER = (
    "reference,dataset,kind,stage,donor,recipient,category,subtype,event_date,amount,currency,"
    "commitment_id,source_title,source_kind"
)
WAVES = [datetime(2023, 2, 1), datetime(2023, 6, 1), datetime(2023, 11, 1), datetime(2024, 4, 1)]
DONORS = ["DEU", "FRA", "USA", "POL", "NOR", "GBR"]
STAGES = ["announced", "committed", "allocated"]
SUBTYPES = {
    "military": ["ammunition", "training", None],
    "financial": ["grant", "loan"],
    "humanitarian": [None],
}
BYS = [
    [],
    ["donor"],
    ["year", "category"],
    ["year", "month"],
    ["donor", "subtype", "recipient"],
    ["currency"],
]
FILTERS = [
    LedgerFilter(),
    LedgerFilter(donors=("DEU", "USA")),
    LedgerFilter(categories=("military",), year_from=2023),
    LedgerFilter(datasets=("other",), year_to=2023),
]


@pytest.fixture(autouse=True)
def rollups_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small ledgers are grouped whole; make every question go through a rollup instead."""
    monkeypatch.setattr(cube, "SMALL", 0)
    monkeypatch.setattr(cube, "KEPT_SHARE", 1)
    monkeypatch.setattr(cube, "FIRST_LOOK", 3)  # pages found over several slices of the order


def wave_file(path: Path, rng: random.Random, commitments: dict[str, tuple], dataset: str) -> Path:
    """A release: the commitments kept from the last one (some revised), new ones, and deliveries
    linked to them."""
    rows = []
    for key in list(commitments):
        if rng.random() < 0.15:
            del commitments[key]  # gone from this release: withdrawn by --replace
        elif rng.random() < 0.25:
            donor, category, subtype, day, amount, currency = commitments[key]
            commitments[key] = (
                donor,
                category,
                subtype,
                day + timedelta(days=rng.randint(-20, 20)),
                amount * 1.5,
                currency,
            )
    for _ in range(25):
        category = rng.choice(sorted(SUBTYPES))
        commitments[f"{dataset}-c{rng.randrange(10**9)}"] = (
            rng.choice(DONORS),
            category,
            rng.choice(SUBTYPES[category]),
            date(2022, 1, 1) + timedelta(days=rng.randint(0, 900)),
            round(rng.uniform(1, 5e8), 2),
            rng.choice(["EUR", "USD", "GBP", "UAH"]),
        )
    for key, (donor, category, subtype, day, amount, currency) in commitments.items():
        stage = STAGES[hash(key) % 3]
        rows.append(
            f"{key},{dataset},commitment,{stage},{donor},UKR,{category},{subtype or ''},{day},{amount},"
            f"{currency},,Release,dataset release"
        )
        for n in range(rng.randint(0, 3)):
            delivered = day + timedelta(days=rng.randint(0, 400))
            rows.append(
                f"{key}-d{n},{dataset},delivery,delivered,{donor},UKR,{category},{subtype or ''},{delivered},"
                f"{round(amount / 4, 2)},{currency},{key},Release,dataset release"
            )
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def history(db: Database, tmp_path: Path, seed: int, waves: list[datetime]) -> None:
    rng = random.Random(seed)
    for dataset in ("tracker", "other"):
        commitments: dict[str, tuple] = {}
        for n, moment in enumerate(waves):
            path = wave_file(tmp_path / f"{dataset}-{n}.csv", rng, commitments, dataset)
            import_file(db, path, recorded_at=moment, replace=dataset == "tracker")


def moments() -> list[datetime | None]:
    return [
        None,
        datetime(2023, 1, 1),
        *WAVES,
        *(w + timedelta(seconds=1) for w in WAVES),
        datetime(2023, 8, 1),
    ]


def in_order(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def assert_sums_agree(db: Database) -> int:
    """Every question's sums from the copy equal those summed in SQL; how many were asked."""
    asked = 0
    with db.reading() as connection:
        copy = cube.ledger_copy(connection)
        for by in BYS:
            keys = list(dict.fromkeys([*by, "kind", "stage", "dataset"]))
            for moment in moments():
                for filters in FILTERS:
                    held = copy.delta_sums(connection, keys, moment, filters.checks())
                    assert held is not None
                    read = _summed_in_sql(connection, keys, moment, filters)
                    # A group whose deltas cancel is still a group in both; compare them whole.
                    assert_frame_equal(in_order(held), in_order(read), check_dtypes=False)
                    asked += 1
    return asked


def test_sums_from_the_copy_equal_the_tables_before_and_after_more_is_written(
    db: Database, tmp_path: Path
) -> None:
    history(db, tmp_path, seed=11, waves=WAVES[:3])
    assert assert_sums_agree(db) == len(BYS) * len(moments()) * len(FILTERS)
    # More arrives after the copy and its rollups were made: they grow by what arrived.
    rng = random.Random(5)
    later = wave_file(tmp_path / "later.csv", rng, {}, "tracker")
    import_file(db, later, recorded_at=WAVES[3], replace=True)
    assert assert_sums_agree(db) > 0


def lags_one_by_one(
    db: Database, by: list[str], moment: datetime | None, donors: tuple[str, ...] = ()
) -> pl.DataFrame:
    """The distribution as Polars computes it over each linked delivery, joined in SQL."""
    d, c = ledger_entry.alias("d"), ledger_entry.alias("c")
    chosen = [d.c.donor.in_(donors)] if donors else []
    statement = (
        select(d.c.donor, d.c.category, d.c.subtype, d.c.dataset, d.c.event_date, c.c.event_date)
        .join(c, c.c.id == d.c.commitment_id)
        .where(and_(d.c.kind == "delivery", live_at(d, moment), live_at(c, moment), *chosen))
    )
    with db.reading() as connection:
        pairs = query_frame(
            connection,
            statement,
            {
                "donor": pl.Utf8,
                "category": pl.Utf8,
                "subtype": pl.Utf8,
                "dataset": pl.Utf8,
                "delivered_on": pl.Date,
                "committed_on": pl.Date,
            },
        )
    lag = (pl.col("delivered_on") - pl.col("committed_on")).dt.total_days()
    aggregated = [
        pl.len().alias("deliveries"),
        lag.min().alias("min"),
        *(
            lag.quantile(q, "linear").alias(n)
            for n, q in (("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9))
        ),
        lag.max().alias("max"),
        lag.mean().alias("mean"),
    ]
    if not by:
        return pairs.select(aggregated)
    return pairs.group_by(by).agg(aggregated).sort(by)


def test_lags_from_the_histogram_equal_the_quantiles_of_each_delivery(db: Database, tmp_path: Path) -> None:
    history(db, tmp_path, seed=23, waves=WAVES)
    measured = 0
    for by in ([], ["donor"], ["donor", "category"], ["subtype", "dataset"]):
        for moment in moments():
            with db.reading() as connection:
                got = lags(connection, by=by, moment=moment).frame
            expected = lags_one_by_one(db, by, moment)
            assert_frame_equal(got, expected, check_dtypes=False, abs_tol=1e-9, rel_tol=1e-12)
            measured += int(got.get_column("deliveries").sum())
    assert measured > 1_000
    chosen = LedgerFilter(donors=("DEU", "USA"), year_from=2024)  # lags have no year: it is ignored
    with db.reading() as connection:
        held = lags(connection, by=["category"], moment=WAVES[2], filters=chosen).frame
    with db.transaction() as connection:  # a writing connection reads the tables: the same answers
        written = lags(connection, by=["donor"], moment=WAVES[1]).frame
        filtered = lags(connection, by=["category"], moment=WAVES[2], filters=chosen).frame
    assert_frame_equal(written, lags_one_by_one(db, ["donor"], WAVES[1]), check_dtypes=False, abs_tol=1e-9)
    expected = lags_one_by_one(db, ["category"], WAVES[2], donors=("DEU", "USA"))
    assert expected.height > 1
    for got in (held, filtered):
        assert_frame_equal(got, expected, check_dtypes=False, abs_tol=1e-9)


def page_read_in_sql(db: Database, moment: datetime | None, query: ListQuery) -> pl.DataFrame:
    with db.reading() as connection:
        page = page_in_sql(connection, moment, query, everything=False)
    return page.report.frame.with_columns(pl.lit(page.total).alias("total"))


@pytest.mark.parametrize("sort", ["", "-event_date", "donor,-recorded_at", "kind,id"])
def test_pages_of_entries_from_the_copy_equal_those_sorted_in_sql(
    db: Database, tmp_path: Path, sort: str
) -> None:
    history(db, tmp_path, seed=31, waves=WAVES)
    for moment in moments():
        for page in (1, 2, 5, 40):
            query = ListQuery.parse(QueryParams(f"sort={sort}&page={page}&per_page=7"), set())
            with db.reading() as connection:
                shown = entries(connection, moment, query, everything=False)
            got = shown.report.frame.with_columns(pl.lit(shown.total).alias("total"))
            assert_frame_equal(got, page_read_in_sql(db, moment, query), check_dtypes=False)


def test_a_reader_whose_snapshot_predates_the_copy_reads_the_tables(db: Database, tmp_path: Path) -> None:
    """A reader that began before a write sees the state before it, though the copy has moved on."""
    history(db, tmp_path, seed=3, waves=WAVES[:2])
    keys = ["donor", "kind", "stage", "dataset"]
    with db.reading() as early:
        before = _summed_in_sql(early, keys, None, LedgerFilter())  # the snapshot begins here
        import_file(db, wave_file(tmp_path / "more.csv", random.Random(9), {}, "other"), recorded_at=WAVES[2])
        with db.reading() as late:
            after = cube.ledger_copy(late).delta_sums(late, keys, None, [])
        assert after is not None and after.get_column("entries").sum() > before.get_column("entries").sum()
        if db.dialect == "sqlite":  # PostgreSQL's statements each see what is committed
            assert cube.ledger_copy(early).delta_sums(early, keys, None, []) is None


@pytest.mark.parametrize("counted, numbered", [(1 << 16, 2**62), (0, 2**62), (0, 0)])
def test_arrays_sum_as_polars_groups_whichever_way_they_number_the_groups(
    monkeypatch: pytest.MonkeyPatch, counted: int, numbered: int
) -> None:
    """Counted in place of every combination, sorted by number, or sorted by rows of codes: the
    same groups and sums as Polars' group_by, empty values and filters included."""
    monkeypatch.setattr(cube, "COUNTED", counted)
    monkeypatch.setattr(cube, "COUNTED_PER_ROW", 4 if counted else 0)
    monkeypatch.setattr(cube, "NUMBERED", numbered)
    rng = random.Random(7)
    size = 500
    frame = pl.DataFrame(
        {
            "at": [datetime(2023, 1, 1) + timedelta(days=rng.randint(0, 3)) for _ in range(size)],
            "donor": [rng.choice(["DEU", "FRA", None, "USA", "Ä"]) for _ in range(size)],
            "year": [rng.choice([2022, 2023, None]) for _ in range(size)],
            "kind": [rng.choice(["commitment", "delivery"]) for _ in range(size)],
            "entries": [rng.randint(-2, 3) for _ in range(size)],
            "eur_cents": [float(rng.randint(-(10**9), 10**12)) for _ in range(size)],
        },
        schema_overrides={"year": pl.Int64},
    )
    arrays = cube.Arrays(frame, ("at",), ("entries", "eur_cents"))
    checks = [("donor", "in", ("DEU", "USA", "Ä")), ("year", ">=", 2023)]
    for keys, where in ((["donor", "year", "kind"], []), (["kind"], checks), ([], checks), (["year"], [])):
        got = arrays.summed(keys, arrays.chosen(where))
        expected = frame
        for column, test, value in where:
            expected = expected.filter(
                pl.col(column).is_in(value) if test == "in" else pl.col(column) >= value
            )
        expected = expected.group_by(keys or pl.lit(1).alias("_all")).agg(
            pl.col("entries").sum(), pl.col("eur_cents").sum()
        )
        expected = expected.select(*keys, "entries", "eur_cents")
        assert_frame_equal(in_order(got), in_order(expected), check_dtypes=False)
        if keys:  # in the keys' order, empty values first
            assert_frame_equal(got, got.sort(keys, nulls_last=False))


def lookups_in_sql(db: Database, moment: datetime | None) -> tuple[dict, dict, dict]:
    """Actors' names, aliases and datasets' declarations as known at ``moment``, read in SQL."""
    with db.reading() as connection:
        names = dict(connection.execute(known(actor, moment, actor.c.code, actor.c.name)).all())
        aliases = dict(
            connection.execute(known(actor_alias, moment, actor_alias.c.reference, actor_alias.c.actor)).all()
        )
        declared = {r["dataset"]: r["reports"] for r in live_rows(connection, ledger_dataset, moment)}
    return names, aliases, declared


def lookups_held(connection: Connection, moment: datetime | None) -> tuple[dict, dict, dict]:
    declared = {d: ", ".join(m) for d, m in reported_measures(connection, moment).items()}
    return actor_names(connection, moment), aliases_at(connection, moment), declared


def test_names_aliases_and_declarations_held_in_memory_answer_as_of_every_date(
    db: Database, tmp_path: Path
) -> None:
    """Held in memory (store/held.py), the small tables a question reads answer as the tables do,
    as of dates before and after a rename, a new declaration and an alias withdrawn (a retraction
    alone adds no row) — and a reader that began before those writes still sees the state before."""
    history(db, tmp_path, seed=13, waves=WAVES[:2])
    record_alias(db, "SE-0", "SWE")
    with db.reading() as connection:  # the tables are held from here on
        before = lookups_held(connection, None)
        named = totals(connection, by=["donor"]).frame
    assert dict(zip(named["donor"], named["donor_name"], strict=True))["DEU"] == "Germany"
    first = utcnow()
    with db.reading() as early:
        assert lookups_held(early, None) == before  # this reader's snapshot begins here
        with db.transaction() as connection:
            store_actors(
                connection,
                [actor_record("DEU", "state", "Federal Republic of Germany")],
                recorded_at=utcnow(),
            )
        declare(db, "other", "commitments, allocations")
        remove_alias(db, "SE-0")
        if db.dialect == "sqlite":  # PostgreSQL's statements each see what is committed
            assert lookups_held(early, None) == before
    for moment in (None, WAVES[0], first, utcnow()):
        with db.reading() as connection:
            assert lookups_held(connection, moment) == lookups_in_sql(db, moment)
    with db.reading() as connection:
        names, aliases, declared = lookups_held(connection, None)
        renamed = totals(connection, by=["donor"]).frame
        then = totals(connection, by=["donor"], moment=first).frame
    assert names["DEU"] == "Federal Republic of Germany" and "SE-0" not in aliases
    assert declared["other"] == "commitments, allocations"
    assert (
        dict(zip(renamed["donor"], renamed["donor_name"], strict=True))["DEU"]
        == "Federal Republic of Germany"
    )
    assert dict(zip(then["donor"], then["donor_name"], strict=True))["DEU"] == "Germany"


def test_a_question_answered_from_memory_asks_the_database_one_query(db: Database, tmp_path: Path) -> None:
    """Whether the deltas and the small tables changed is asked once per reading transaction, in
    one query; the totals, their names and notes, the series and the lags ask nothing more."""
    history(db, tmp_path, seed=17, waves=WAVES[:2])
    statements: list[str] = []

    def count(_c: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SET", "SHOW")):
            statements.append(statement)

    def questions(moment: datetime | None) -> None:
        with db.reading() as connection:
            totals(connection, by=["donor"], moment=moment)
            totals(connection, by=["year", "category"], moment=moment, filters=LedgerFilter(donors=("DEU",)))
            lags(connection, by=["donor"], moment=moment)

    questions(None)  # the first question reads what it holds
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for moment in (None, WAVES[0]):
            statements.clear()
            questions(moment)
            assert len(statements) == 1, statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_page_keeps_its_order_and_shows_a_row_gone_from_the_table_as_empty() -> None:
    """Rows read in any order come out in the copy's order; one the table no longer holds (a hand
    edit) leaves an empty row in its place, as a join would."""
    from ltsplan.ledger.entries import ENTRY_COLUMNS, _in_order

    def rows(ids: list[int]) -> pl.DataFrame:
        return pl.DataFrame(
            {"row_id": ids, **{c: [f"{c}-{i}" for i in ids] for c in ENTRY_COLUMNS}},
        )

    wanted = [30, 10, 20]
    got = _in_order(rows([10, 20, 30]), wanted)
    assert got.columns == ENTRY_COLUMNS
    assert got.get_column(ENTRY_COLUMNS[0]).to_list() == [f"{ENTRY_COLUMNS[0]}-{i}" for i in wanted]
    gone = _in_order(rows([30, 20]), wanted)
    assert gone.get_column(ENTRY_COLUMNS[0]).to_list() == [
        f"{ENTRY_COLUMNS[0]}-30",
        None,
        f"{ENTRY_COLUMNS[0]}-20",
    ]
    assert gone.columns == ENTRY_COLUMNS
