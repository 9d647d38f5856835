"""the whole-release snapshots of --replace, exact ledger totals (whole cents), entries with no amount counted apart, the currency of
unconverted amounts, and the measures each dataset reports

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DIMENSIONS = ("dataset", "kind", "stage", "donor", "recipient", "category", "subtype", "currency")
LARGEST = 1.7976931348623157e308  # the largest finite double: beyond it (or NaN) is not a number


def upgrade() -> None:
    op.create_table(
        "ledger_dataset",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("reports", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("retracted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_ledger_dataset")),
    )
    with op.batch_alter_table("ledger_dataset", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_dataset_id_recorded", ["id", "recorded_at"], unique=False)
        batch_op.create_index(
            "uq_ledger_dataset_live_id",
            ["id"],
            unique=True,
            sqlite_where=sa.text("retracted_at IS NULL"),
            postgresql_where=sa.text("retracted_at IS NULL"),
        )

    op.create_table(
        "ledger_snapshot",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_ledger_snapshot")),
    )
    op.create_index("ix_ledger_snapshot_dataset", "ledger_snapshot", ["dataset"], unique=False)

    # Normalised money to the cent, as the totals now count it.
    for table in ("ledger_entry", "ledger_plan"):
        for column in ("eur", "usd"):
            op.execute(
                f"UPDATE {table} SET {column} = ROUND(CAST({column} AS NUMERIC), 2) "
                f"WHERE {column} BETWEEN -1e15 AND 1e15"
            )

    # The totals are rebuilt from the entries' versions in whole cents: sums kept as floats drifted
    # (a residue where arrivals and departures should cancel).
    op.drop_index("ix_ledger_total_delta_at", table_name="ledger_total_delta")
    op.drop_table("ledger_total_delta")
    op.create_table(
        "ledger_total_delta",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("donor", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("subtype", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("eur_cents", sa.BigInteger(), nullable=False),
        sa.Column("usd_cents", sa.BigInteger(), nullable=False),
        sa.Column("eur_missing", sa.Integer(), nullable=False),
        sa.Column("usd_missing", sa.Integer(), nullable=False),
        sa.Column("no_amount", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_ledger_total_delta")),
    )
    op.create_index("ix_ledger_total_delta_at", "ledger_total_delta", ["at"], unique=False)
    for moment, sign, condition in (
        ("recorded_at", 1, None),
        ("retracted_at", -1, "retracted_at IS NOT NULL"),
    ):
        _rebuild(moment, sign, condition)


def _rebuild(moment: str, sign: int, condition: str | None) -> None:
    entry = sa.table(
        "ledger_entry",
        *(sa.column(n) for n in (*DIMENSIONS, "event_date", "amount", "eur", "usd", moment)),
    )
    names = ["at", *DIMENSIONS, "year", "month", "entries", "eur_cents", "usd_cents"]
    names += ["eur_missing", "usd_missing", "no_amount"]
    delta = sa.table("ledger_total_delta", *(sa.column(n) for n in names))
    given = entry.c.amount.is_not(None)
    sums = []
    for name in ("eur", "usd"):
        value = entry.c[name]
        finite = value.between(-LARGEST, LARGEST)
        whole = sa.cast(sa.func.round(value * 100), sa.BigInteger)
        sums.append(sa.func.coalesce(sa.func.sum(sa.case((finite, whole), else_=0)), 0) * sign)
        sums.append(
            sa.func.sum(sa.case((sa.and_(given, sa.or_(value.is_(None), ~finite)), 1), else_=0)) * sign
        )
    year = sa.cast(sa.extract("year", entry.c.event_date), sa.Integer)
    month = sa.cast(sa.extract("month", entry.c.event_date), sa.Integer)
    unexplained = sa.and_(
        given,
        sa.or_(entry.c.eur.is_(None), entry.c.usd.is_(None), ~entry.c.eur.between(-LARGEST, LARGEST)),
    )
    dimensions = [
        sa.case((unexplained, entry.c.currency)).label("currency") if n == "currency" else entry.c[n]
        for n in DIMENSIONS
    ]
    chosen = sa.select(
        entry.c[moment],
        *dimensions,
        year,
        month,
        sa.func.count() * sign,
        sums[0],
        sums[2],
        sums[1],
        sums[3],
        sa.func.sum(sa.case((given, 0), else_=1)) * sign,
    ).group_by(entry.c[moment], *(getattr(d, "element", d) for d in dimensions), year, month)
    if condition is not None:
        chosen = chosen.where(sa.text(condition))
    op.execute(delta.insert().from_select(names, chosen))


def downgrade() -> None:
    raise NotImplementedError("the float totals of 0005 are not rebuilt; restore a backup to go back")
