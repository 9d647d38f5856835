"""Tables of the standards catalogue and of national adoption.

``standard`` and ``requirement`` form the catalogue other domains refer to by id (a target or an
assessment names a ``requirement.id``). Ids are deterministic (``store.ids.record_id``):

- standard:          ``record_id("standard", designator)``
- requirement:       ``record_id("requirement", designator, code)``
- national_adoption: ``record_id("national_adoption", country, designator)``

``national_adoption`` is bitemporal: its valid time is carried by the dates it records
(``ratified_on``, ``implemented_on``: a standard counts as implemented on a day when
``implemented_on`` is on or before it), its record time by ``recorded_at`` / ``retracted_at``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Index, String, Text

from ltsplan.store.schema import versioned_table

standard = versioned_table(
    "standard",
    Column("designator", String(64), nullable=False),  # "STANAG 6001", "AJP-01"
    Column("title", Text, nullable=False),
    Column("domain", String(64), nullable=False),  # "land", "command and control", …
    Column("edition", String(32)),
    Column("edition_date", String(10)),  # as precise as the source gives it: "2014", "2014-08-07"
    Column("status", Text),  # catalogue status as the source states it
    Column("reference", Text),  # where the row comes from (repository, file, record)
    Column("source_id", String(32)),
    Column("note", Text),
)
Index("ix_standard_designator", standard.c.designator)
Index("ix_standard_domain", standard.c.domain)

requirement = versioned_table(
    "requirement",
    Column("standard_id", String(32), nullable=False),
    Column("code", String(64), nullable=False),  # unique within its standard
    Column("text", Text, nullable=False),
    Column("measure", String(16), nullable=False),  # binary | ordinal | percentage
    Column("levels", Text),  # ordinal only: JSON array of level names, lowest first
    Column("threshold_level", String(64)),  # ordinal only: the level that counts as meeting it
    Column("threshold_percent", Float),  # percentage only: 0–100, met at or above
    Column("mandatory", Boolean, nullable=False),
    Column("weight", Float, nullable=False),
    Column("illustrative", Boolean, nullable=False),  # True: not the standard's real wording
    Column("source_id", String(32)),
    Column("note", Text),
)
Index("ix_requirement_standard", requirement.c.standard_id)

national_adoption = versioned_table(
    "national_adoption",
    Column("country", String(64), nullable=False),  # actor code, e.g. "UKR"
    Column("standard_id", String(32), nullable=False),
    Column("applicable", Boolean, nullable=False),
    Column(
        "ratification", String(32), nullable=False
    ),  # ratified | ratified with reservations | not ratified
    Column("reservation", Text),  # the reservation's text, when ratified with reservations
    Column("ratified_on", Date),
    Column("implementation", String(32), nullable=False),  # not started | planned | in progress | implemented
    Column("implemented_on", Date),
    Column("evidence", Text),  # what shows it (a decree, an order, an evaluation report)
    Column("fictional", Boolean, nullable=False),  # True: invented for a demonstration
    Column("source_id", String(32)),
    Column("note", Text),
)
Index("ix_national_adoption_country", national_adoption.c.country)
Index("ix_national_adoption_standard", national_adoption.c.standard_id)
