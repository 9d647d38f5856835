"""aliases: other names of actors (IATI organisation references), resolved when a question is asked

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actor_alias",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("retracted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_actor_alias")),
    )
    with op.batch_alter_table("actor_alias", schema=None) as batch_op:
        batch_op.create_index("ix_actor_alias_id_recorded", ["id", "recorded_at"], unique=False)
        batch_op.create_index(
            "uq_actor_alias_live_id",
            ["id"],
            unique=True,
            sqlite_where=sa.text("retracted_at IS NULL"),
            postgresql_where=sa.text("retracted_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("actor_alias", schema=None) as batch_op:
        batch_op.drop_index("uq_actor_alias_live_id")
        batch_op.drop_index("ix_actor_alias_id_recorded")
    op.drop_table("actor_alias")
