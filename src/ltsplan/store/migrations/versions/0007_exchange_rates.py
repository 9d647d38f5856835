"""exchange rates loaded by ltsplan rates import: one row per file, its CSV compressed

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A whole ECB history is about 7,000 days × 41 currencies: kept as the file given (about 600 kB
    # compressed), not as 300,000 rows, since it is only ever read whole (ledger/money.py).
    op.create_table(
        "exchange_rate_file",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("currencies", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("csv", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_exchange_rate_file")),
    )


def downgrade() -> None:
    op.drop_table("exchange_rate_file")
