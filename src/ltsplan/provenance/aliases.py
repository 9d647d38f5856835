"""One donor under many names: the references entries give (an IATI import stores a provider-org's
``US-GOV-1``, ``XM-DAC-5-1`` or ``DE-1``), resolved to the actor codes the rest of the ledger uses
(a state's ISO 3166 alpha-3 code such as ``USA``, ``EU`` for the EU institutions) when a question
is asked, never when an entry is written.

A reference names, at a moment:

1. the actor of the user's alias for it (``ltsplan actors alias REF ACTOR``), as recorded by then;
2. else the actor the shipped lists give (``ltsplan/data/iati``, see its README): OECD DAC donor
   and agency codes (``XM-DAC-302``, ``XM-DAC-5-1``), the EU institutions' DAC channel codes
   (``XM-DAC-42001``), the legacy IATI organisation identifiers (``DE-1``, ``GB-1``, ``EU-1``) and
   registers of government bodies (``GB-GOV-1``, ``CA-GOV-…``, ``US-GOV-1``, ``XR-EUCB-…``);
3. else nothing: the reference stands for itself.

Entries keep the reference as given, so an alias recorded later applies to every entry already
stored, and as of a date before it was recorded the reference stands for itself again.

An alias is one step, and no cycle can arise: resolution looks a reference up once and never
resolves the actor it finds, and the write refuses an alias whose actor is itself another name
(an alias's reference, or a reference the shipped lists map) and an alias of a code that other
aliases name as their actor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property, lru_cache

import polars as pl
import pycountry
from lxml import etree
from sqlalchemy import Connection

from ltsplan.errors import NotFound, Problem
from ltsplan.provenance.imports import actor_record, store_actors
from ltsplan.provenance.model import actor, is_state, state_name
from ltsplan.records.fields import Field, code_field
from ltsplan.records.sections import Sections, SectionsFile
from ltsplan.records.types import RecordType
from ltsplan.records.writing import SectionsWriter, Written, log_run
from ltsplan.report import Report
from ltsplan.shipped import shipped
from ltsplan.store.db import Database
from ltsplan.store.held import known_rows
from ltsplan.store.history import retract
from ltsplan.store.time import live_rows, utcnow

ACTOR_ALIAS = RecordType(
    "actor_alias",
    (
        code_field("reference", required=True, doc="the name entries give, such as XM-DAC-41114 or SE-0"),
        code_field(
            "actor",
            required=True,
            doc="the actor it names: a state's ISO alpha-3 code, EU, or an actor's code",
        ),
        Field("note", free=True),
    ),
    key=("reference",),
    title="actor alias",
    section="aliases",
)
RECORDS = (ACTOR_ALIAS,)
actor_alias = ACTOR_ALIAS.table

EU = "EU"
EU_CHANNEL = "42000"  # DAC channel "European Union Institutions", and the parent of the EU's channels
# The shape of an organisation reference rather than an actor's own code: an IATI organisation
# identifier (a registration agency's prefix, XM-DAC or GB-COH, then the organisation's number), a
# legacy one (DE-1) or a bare DAC channel code (41114). Such a code names no actor until an alias
# or the shipped lists say which.
REFERENCE_SHAPE = re.compile(r"^(?:[A-Z]{2}(?:_[A-Z]{2})?-[A-Z0-9_]+-.+|[A-Z]{2}-\d+|\d{5})$", re.IGNORECASE)


# -- the shipped lists (pure) ------------------------------------------------------------------


@dataclass(frozen=True)
class Codelists:
    """The shipped lists: each code → (actor or None, name)."""

    dac_donors: Mapping[str, tuple[str, str]]  # DAC donor code (5, 302, 918) → (actor, name)
    channels: Mapping[str, tuple[str | None, str]]  # DAC channel code → (EU or None, name)
    legacy: Mapping[str, tuple[str | None, str]]  # retired IATI identifiers (DE-1, 41114)
    prefixes: Mapping[str, tuple[str, str]]  # a register's prefix (GB-GOV) → (actor, register name)

    @cached_property  # asked once per reference a listing shows
    def actors(self) -> frozenset[str]:
        """Every actor code the lists name (states and EU)."""
        found = {a for a, _ in self.dac_donors.values()} | {a for a, _ in self.prefixes.values()}
        found |= {a for a, _ in (*self.channels.values(), *self.legacy.values()) if a is not None}
        return frozenset(found)


def _codelist(name: str) -> dict[str, tuple[str, str | None]]:
    """An IATI codelist shipped unchanged: code → (English name, category)."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    root = etree.fromstring(shipped("iati", f"{name}.xml").read_bytes(), parser)
    found: dict[str, tuple[str, str | None]] = {}
    for item in root.iter("codelist-item"):
        label = item.find("name/narrative")
        text = " ".join((label.text or "").split()) if label is not None else ""
        found[(item.findtext("code") or "").strip()] = (
            text,
            (item.findtext("category") or "").strip() or None,
        )
    return found


def _table(name: str) -> pl.DataFrame:
    return pl.read_csv(shipped("iati", name), infer_schema=False)


def _state_of_alpha2(code: str) -> str | None:
    if code == EU:
        return EU
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country is not None else None


@cache
def codelists() -> Codelists:
    """The shipped lists, read once per process."""
    channels = {
        code: (EU if EU_CHANNEL in (code, category) else None, name)
        for code, (name, category) in _codelist("CRSChannelCode").items()
    }
    legacy = {
        code: (_state_of_alpha2(code.split("-")[0]) if "-" in code else None, name)
        for code, (name, _) in _codelist("OrganisationIdentifier").items()
    }
    donors = {r["code"]: (r["actor"], r["name"]) for r in _table("dac_donors.csv").iter_rows(named=True)}
    prefixes = {
        r["prefix"].upper(): (r["actor"], r["name"])
        for r in _table("organisation_prefixes.csv").iter_rows(named=True)
    }
    return Codelists(donors, channels, legacy, prefixes)


def _dac(reference: str) -> tuple[str | None, str] | None:
    """XM-DAC-<donor>, XM-DAC-<donor>-<agency> or XM-DAC-<channel>."""
    lists = codelists()
    parts = reference.split("-")
    if parts[0] in lists.dac_donors and len(parts) <= 2:
        return lists.dac_donors[parts[0]]
    if len(parts) == 1 and parts[0] in lists.channels:
        return lists.channels[parts[0]]
    return None


@lru_cache(maxsize=65536)
def shipped_entry(reference: str) -> tuple[str | None, str] | None:
    """(actor or None, name) for a reference the shipped lists know; None when they do not."""
    given = reference.strip().upper()
    lists = codelists()
    if given.startswith("XM-DAC-"):
        return _dac(given.removeprefix("XM-DAC-"))
    if given in lists.legacy:
        return lists.legacy[given]
    parts = given.split("-")
    for end in range(len(parts), 0, -1):  # the longest register prefix first (XI-IATI-EC_NEAR, GB-GOV)
        found = lists.prefixes.get("-".join(parts[:end]))
        if found is not None:
            return found
    return None


def shipped_actor(reference: str) -> str | None:
    """The actor the shipped lists give a reference (``GB-GOV-1`` → ``GBR``), or None."""
    entry = shipped_entry(reference)
    return entry[0] if entry is not None else None


def looks_like_reference(code: str) -> bool:
    return REFERENCE_SHAPE.match(code) is not None


def actor_of(reference: str, aliases: Mapping[str, str]) -> str | None:
    """The actor a reference names: the user's alias, else the shipped lists; one step only."""
    return aliases.get(reference) or shipped_actor(reference)


# -- reading, as known at a moment -------------------------------------------------------------------


def aliases_at(connection: Connection, moment: datetime | None) -> dict[str, str]:
    """The user's aliases as recorded by ``moment``: reference → actor."""
    return dict(known_rows(connection, actor_alias, moment, "reference", "actor"))


def _actor_codes(connection: Connection, moment: datetime | None) -> set[str]:
    return {code for (code,) in known_rows(connection, actor, moment, "code")}


def donor_map(
    connection: Connection, moment: datetime | None, references: Iterable[str] | None = None
) -> dict[str, str]:
    """Every reference known at ``moment`` that names another actor: reference → actor code.

    Known references are the codes entries have named (the ledger records an actor for each code it
    is given; actors are never deleted, so today's list holds every one) and the aliases recorded
    by ``moment``; ``references`` asks about those only (the donors of one answer)."""
    aliases = aliases_at(connection, moment)
    candidates = set(references) if references is not None else _actor_codes(connection, None) | set(aliases)
    found = {}
    for reference in candidates:  # distinct codes (tens to thousands), not entries
        code = actor_of(reference, aliases)
        if code is not None and code != reference:
            found[reference] = code
    return found


def references_of(connection: Connection, codes: Iterable[str], moment: datetime | None) -> list[str]:
    """The codes and every reference that names one of them at ``moment`` (for a donor filter)."""
    wanted = set(codes)
    named = {r for r, code in donor_map(connection, moment).items() if code in wanted}
    return sorted(wanted | named)


def as_actors(
    connection: Connection, frame: pl.DataFrame, moment: datetime | None, column: str = "donor"
) -> pl.DataFrame:
    """``frame`` with each reference in ``column`` replaced by the actor it names at ``moment``."""
    if frame.is_empty():
        return frame
    named = frame.get_column(column).unique().to_list()
    mapping = donor_map(connection, moment, [r for r in named if r is not None])
    return frame.with_columns(pl.col(column).replace(mapping)) if mapping else frame


def summed_as_actors(
    connection: Connection, frame: pl.DataFrame, keys: list[str], moment: datetime | None
) -> pl.DataFrame:
    """Sums grouped by ``keys`` (donor among them) with each donor under the actor it names, the
    groups of one actor summed again; the other columns are the sums."""
    mapped = as_actors(connection, frame, moment)
    if mapped is frame:
        return frame
    return mapped.group_by(keys, maintain_order=True).agg(pl.exclude(keys).sum()).select(frame.columns)


# -- writing -------------------------------------------------------------------------------------------


def _known_actor(code: str, aliases: Mapping[str, str], actors: set[str]) -> bool:
    """An actor an alias may name: a state, one the shipped lists name, or one already recorded."""
    return is_state(code) or code in codelists().actors or code in actors or code in aliases.values()


def cross_check(connection: Connection, found: SectionsFile) -> list[Problem]:
    """Each alias names a known actor that is not itself another name, and its reference is not a
    code that others name (so every alias is one step)."""
    items = [x for x in found.found["aliases"] if x.ok]
    if not items:
        return []
    stored = aliases_at(connection, None)
    given = {x.values["reference"]: x.values["actor"] for x in items}
    aliases = {**stored, **given}
    actors = _actor_codes(connection, None)
    problems = []
    for item in items:
        reference, code = item.values["reference"], item.values["actor"]
        naming = sorted(r for r, a in aliases.items() if a == reference and r != reference)
        if reference == code:
            problems.append(item.problem(f"'{reference}' cannot be another name for itself", "actor"))
        elif is_state(reference) or reference in codelists().actors:
            problems.append(
                item.problem(f"'{reference}' is an actor's own code, not another name for one", "reference")
            )
        elif naming:
            problems.append(
                item.problem(
                    f"'{reference}' is the actor that {', '.join(naming)} name(s); alias those to "
                    f"'{code}' instead, or remove them first",
                    "reference",
                )
            )
        elif actor_of(code, aliases) not in (None, code):
            problems.append(
                item.problem(
                    f"'{code}' is itself another name for {actor_of(code, aliases)}; "
                    f"alias '{reference}' to {actor_of(code, aliases)}",
                    "actor",
                )
            )
        elif not _known_actor(code, {r: a for r, a in aliases.items() if r != reference}, actors):
            problems.append(
                item.problem(
                    f"'{code}' is not a known actor: give a state's ISO 3166 alpha-3 code (such as "
                    "DEU), EU, or the code of an actor already recorded (ltsplan actors lists them)",
                    "actor",
                )
            )
    return problems


SECTIONS = Sections("actor aliases", RECORDS, labels={"aliases": lambda raw: str(raw.get("reference") or "")})
WRITER = SectionsWriter(SECTIONS, cross_check)


def record_alias(database: Database, reference: str, code: str, note: str | None = None) -> Written:
    """Record (or change) what ``reference`` names, from now on; one transaction."""
    values = {"reference": reference, "actor": code, "note": note}
    with database.transaction() as connection:
        now = utcnow()  # once the write may start: after any write it waited for
        written = WRITER.write_records(
            connection, {"aliases": [values]}, recorded_at=now, origin="command line"
        )
        if is_state(code) and code not in _actor_codes(connection, None):  # named in totals from ISO 3166
            store_actors(connection, [actor_record(code, "state")], recorded_at=now)
        return written


def remove_alias(database: Database, reference: str) -> datetime:
    """Withdraw the alias of ``reference`` from now on (its history stays: as of an earlier date it
    still applies). Returns when."""
    with database.transaction() as connection:
        rows = live_rows(connection, actor_alias, None, actor_alias.c.reference == reference)
        if not rows:
            raise NotFound(f"'{reference}' has no alias to remove (ltsplan actors lists the aliases)")
        now = utcnow()
        retract(connection, actor_alias, [r["id"] for r in rows], at=now)
        log_run(
            connection,
            Written(now),
            origin="command line",
            fmt="records",
            dataset="actor aliases",
            withdrawn=len(rows),
        )
        return now


# -- reports ------------------------------------------------------------------------------------------


def actors_report(connection: Connection, moment: datetime | None = None) -> Report:
    """Every actor known at ``moment``, with the other names that stand for it; a code that is
    another actor's name is listed under that actor, not on its own."""
    aliases = aliases_at(connection, moment)
    rows = {r["code"]: (r["kind"], r["name"]) for r in live_rows(connection, actor, moment)}
    mapping = donor_map(connection, moment, set(rows) | set(aliases))
    names: dict[str, list[str]] = {}
    for reference, code in sorted(mapping.items()):
        names.setdefault(code, []).append(reference)
    for code in names:  # an actor only references name (USA, when only IATI files were imported)
        if code not in rows:
            rows[code] = ("state" if is_state(code) else "organisation", state_name(code) or code)
    listed = sorted(code for code in rows if code not in mapping)
    frame = pl.DataFrame(
        {
            "code": listed,
            "kind": [rows[c][0] for c in listed],
            "name": [rows[c][1] for c in listed],
            "also_named": ["; ".join(names.get(c, [])) for c in listed],
        },
        schema={"code": pl.Utf8, "kind": pl.Utf8, "name": pl.Utf8, "also_named": pl.Utf8},
    )
    notes = [
        "also_named: the references entries give that count as this actor (your aliases, then the "
        "IATI and DAC lists shipped with ltsplan); see docs/ledger.md"
    ]
    if moment is not None:
        notes.append(f"as known on {moment:%Y-%m-%d %H:%M} UTC")
    return Report("Actors", frame, notes, params={"as_of": moment})


def unmapped(connection: Connection, sums: pl.DataFrame, moment: datetime | None = None) -> Report:
    """The donors and recipients of live entries that name no known actor, most entries first.

    ``sums``: live entries counted by donor (as actors) and recipient, as the ledger's maintained
    totals give them (``ledger.reports.delta_sums`` by donor and recipient)."""
    counts = [
        sums.filter(pl.col(role).is_not_null())
        .group_by(role)
        .agg(pl.col("entries").sum().alias(f"{role}_entries"))
        .rename({role: "reference"})
        for role in ("donor", "recipient")
    ]
    both = (
        counts[0]
        .join(counts[1], on="reference", how="full", coalesce=True)
        .fill_null(0)
        .with_columns((pl.col("donor_entries") + pl.col("recipient_entries")).alias("entries"))
        .filter(pl.col("entries") > 0)
    )
    aliases = aliases_at(connection, moment)
    recorded = {r["code"]: r["name"] for r in live_rows(connection, actor, moment)}
    ours = {c for c in recorded if not looks_like_reference(c)}
    lost = [
        r
        for r in both.get_column("reference").to_list()
        if actor_of(r, aliases) is None and not _known_actor(r, aliases, ours)
    ]
    names = {r: _name_of(r, recorded) for r in lost}
    frame = (
        both.filter(pl.col("reference").is_in(lost))
        .with_columns(
            pl.col("reference").replace_strict(names, default=None, return_dtype=pl.Utf8).alias("name")
        )
        .select("reference", "name", "entries", "donor_entries", "recipient_entries")
        .sort(["entries", "reference"], descending=[True, False])
    )
    notes = [
        "references in live ledger entries that name no known actor: totals show each on its own; "
        "say which actor one names with ltsplan actors alias REF ACTOR (for example SE-0 SWE)"
    ]
    if frame.is_empty():
        notes.append("every donor and recipient names a known actor")
    if moment is not None:
        notes.append(f"as known on {moment:%Y-%m-%d %H:%M} UTC")
    return Report("Unmapped references", frame, notes, params={"as_of": moment})


def _name_of(reference: str, recorded: Mapping[str, str]) -> str | None:
    """What the entries' import called it, else what the shipped lists do."""
    given = recorded.get(reference)
    if given and given != reference:
        return given
    entry = shipped_entry(reference)
    return entry[1] if entry is not None else None
