"""import runs count the records an import withdrew (``ltsplan import --replace``)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Earlier runs withdrew nothing: 0, not unknown.
    with op.batch_alter_table("import_run") as batch:
        batch.add_column(sa.Column("withdrawn", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("import_run") as batch:
        batch.drop_column("withdrawn")
