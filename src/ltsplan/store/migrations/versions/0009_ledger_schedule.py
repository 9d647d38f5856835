"""an optional yearly schedule for multi-year pledges (``ledger_entry.schedule``)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Earlier entries gave no schedule: empty, and phased pro rata by days.
    with op.batch_alter_table("ledger_entry") as batch:
        batch.add_column(sa.Column("schedule", sa.String(1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry") as batch:
        batch.drop_column("schedule")
