"""The pathway's pictures: where every member stands on every decision (a member × decision grid)
and when each position changed (a timeline, one line per member), as Vega-Lite specs for the pages;
and the two answers they are drawn from, which every face also serves as lists
(``/api/pathway/position-grid``, ``/api/pathway/position-changes``).

A *change* is a position whose stance or conditions differ from the same actor's previous position
on the same decision; the first position an actor states is a change from "no position", and
restating the same stance is not a change. Each decision is judged as ``reports.decisions`` judges
it: on the judged day — or on the day it was taken, among the members of that day — so a position
stated after that day is not shown.

The grid is coloured AND labelled: every cell carries its stance in words with a symbol, so colour
is never the only cue; a non-member's position is shown in parentheses and paler, because it never
counts. The specs take a ``link`` (decision code → address) so that this module knows no web paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection

from ltsplan.charting import vega
from ltsplan.pathway.consensus import Consensus, members_on
from ltsplan.pathway.model import Position
from ltsplan.pathway.reports import consensus_on, judged, judged_day
from ltsplan.pathway.state import State, load_state
from ltsplan.provenance.reports import actor_names
from ltsplan.report import Report

NO_POSITION = "no position"
STANCES = ("support", "conditional", "undecided", "oppose", NO_POSITION)
# Colours from the shared palette (charting.vega.CATEGORICAL: green, sand, cyan, wine), and its grey
# of "nothing reported" for a member that has said nothing.
STANCE_COLOURS = {
    "support": "#117733",
    "conditional": "#DDCC77",
    "undecided": "#88CCEE",
    "oppose": "#882255",
    NO_POSITION: vega.NOT_REPORTED,
}
SYMBOLS = {"support": "✓", "conditional": "~", "undecided": "?", "oppose": "✗", NO_POSITION: "–"}
SHAPES = {
    "support": "circle",
    "conditional": "diamond",
    "undecided": "square",
    "oppose": "triangle-down",
    NO_POSITION: "cross",
}
# Fills dark enough that their label is written in white (at least 4.5:1 against it).
DARK = ("support", "oppose")

Link = Callable[[str], str]

GRID_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "decision": pl.Utf8,
    "title": pl.Utf8,
    "actor": pl.Utf8,
    "name": pl.Utf8,
    "counts": pl.Boolean,
    "stance": pl.Utf8,
    "since": pl.Date,
    "stated": pl.Date,
    "conditions": pl.Utf8,
    "judged_on": pl.Date,
}
CHANGE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "decision": pl.Utf8,
    "title": pl.Utf8,
    "actor": pl.Utf8,
    "name": pl.Utf8,
    "counts": pl.Boolean,
    "date": pl.Date,
    "until": pl.Date,
    "stance": pl.Utf8,
    "previous": pl.Utf8,
    "conditions": pl.Utf8,
}


@dataclass(frozen=True)
class Change:
    position: Position
    previous: Position | None


def changes_of(positions: Iterable[Position]) -> list[Change]:
    """The changes among one decision's positions, in date order per actor (see the module's
    docstring: a restated stance is not a change)."""
    found = []
    last: dict[str, Position] = {}
    for p in sorted(positions, key=lambda p: (p.actor, p.stated)):
        before = last.get(p.actor)
        if before is None or (before.stance, before.conditions) != (p.stance, p.conditions):
            found.append(Change(p, before))
        last[p.actor] = p
    return found


def _judged_positions(state: State, code: str, day: date) -> tuple[Consensus, list[Position]]:
    c = consensus_on(state, code, day)
    return c, [p for p in state.positions if p.decision == code and p.stated <= c.on]


def _ordered_decisions(state: State) -> list[str]:
    return [
        code for code, _ in sorted(state.decisions.items(), key=lambda kv: (kv[1].due or date.max, kv[0]))
    ]


def position_grid(connection: Connection, moment: datetime | None, on: date | None = None) -> Report:
    """One row per member × decision (and per non-member that stated a position): the stance, since
    when it has held, and its conditions."""
    state = load_state(connection, moment)
    day = judged_day(moment, on)
    names = actor_names(connection, moment)
    rows = []
    for code in _ordered_decisions(state):
        d = state.decisions[code]
        c, mine = _judged_positions(state, code, day)
        latest: dict[str, Change] = {change.position.actor: change for change in changes_of(mine)}
        stated = {p.actor: p.stated for p in sorted(mine, key=lambda p: p.stated)}
        for actor in sorted(set(c.members) | set(latest)):
            change = latest.get(actor)
            p = change.position if change else None
            rows.append(
                {
                    "decision": code,
                    "title": d.title,
                    "actor": actor,
                    "name": names.get(actor, actor),
                    "counts": actor in c.members,
                    "stance": p.stance if p else NO_POSITION,
                    "since": p.stated if p else None,
                    "stated": stated.get(actor),
                    "conditions": p.conditions if p else None,
                    "judged_on": c.on,
                }
            )
    notes = [
        "one row per member of the deciding body on the day each decision is judged (the day it was "
        "taken, for one already taken), and per non-member that stated a position (counts: false — "
        "shown, never counted)",
        "since: the date of the position's last change of stance or conditions; stated: the date it "
        "was last stated",
        judged(day, moment),
    ]
    return Report(
        "Positions: members × decisions",
        pl.DataFrame(rows, schema=GRID_SCHEMA),
        notes=notes,
        params={"as_of": moment, "on": day},
    )


def position_changes(
    connection: Connection, moment: datetime | None, on: date | None = None, decision: str | None = None
) -> Report:
    """One row per change of position (stance or conditions), with the date until which it held:
    the actor's next change, or the day the decision is judged on."""
    state = load_state(connection, moment)
    day = judged_day(moment, on)
    codes = _ordered_decisions(state)
    if decision is not None:
        consensus_on(state, decision, day)  # an unknown decision is a NotFound naming the known ones
        codes = [decision]
    names = actor_names(connection, moment)
    rows = []
    for code in codes:
        d = state.decisions[code]
        c, mine = _judged_positions(state, code, day)
        changes = changes_of(mine)
        for index, change in enumerate(changes):
            p = change.position
            following = changes[index + 1] if index + 1 < len(changes) else None
            until = following.position.stated if following and following.position.actor == p.actor else c.on
            rows.append(
                {
                    "decision": code,
                    "title": d.title,
                    "actor": p.actor,
                    "name": names.get(p.actor, p.actor),
                    "counts": p.actor in members_on(state.memberships, d.body, p.stated),
                    "date": p.stated,
                    "until": until,
                    "stance": p.stance,
                    "previous": change.previous.stance if change.previous else NO_POSITION,
                    "conditions": p.conditions,
                }
            )
    frame = pl.DataFrame(rows, schema=CHANGE_SCHEMA).sort("decision", "date", "actor")
    notes = [
        "one row per change of position: a stance or conditions that differ from the actor's previous "
        "position on the decision (restating the same position is not a change); until: the actor's "
        "next change, else the day the decision is judged on",
        "counts: whether the actor was a member of the deciding body on the date of the change",
        judged(day, moment),
    ]
    return Report(
        "Changes of position",
        frame,
        notes=notes,
        params={"as_of": moment, "on": day, "decision": decision},
    )


def holdouts(grid: Report, code: str) -> Report:
    """The members that do not (yet) support a decision — opposing, conditional or undecided — since
    when and on what condition, from the grid's rows for ``code``; members with no position are
    counted in the consensus's explanation instead of listed."""
    order = {s: i for i, s in enumerate(("oppose", "conditional", "undecided"))}
    frame = (
        grid.frame.filter(
            (pl.col("decision") == code) & pl.col("counts") & pl.col("stance").is_in(list(order))
        )
        .sort(pl.col("stance").replace_strict(order, return_dtype=pl.Int64), "since", "actor")
        .select("actor", "name", "stance", "since", "conditions")
    )
    return Report(
        f"Members not (yet) supporting '{code}'",
        frame,
        notes=["since: when the member's present position (stance and conditions) was first stated"],
        params=grid.params,
    )


def _labelled(frame: pl.DataFrame) -> pl.DataFrame:
    """``label``: the actor's name with its code ("Germany (DEU)"), or the code when it has no name."""
    named = pl.col("name").is_not_null() & (pl.col("name") != pl.col("actor"))
    return frame.with_columns(
        pl.when(named).then(pl.format("{} ({})", "name", "actor")).otherwise(pl.col("actor")).alias("label")
    )


def _actor_order(frame: pl.DataFrame) -> list[str]:
    """Members (of some decision's body) first, then actors that are members of none; by code."""
    ranked = (
        frame.group_by("actor", "label")
        .agg(pl.col("counts").any().alias("member"))
        .sort(pl.col("member").not_(), "actor")
    )
    return ranked.get_column("label").to_list()


def _stance_scale() -> dict[str, Any]:
    return {"domain": list(STANCES), "range": [STANCE_COLOURS[s] for s in STANCES]}


def grid_spec(report: Report, link: Link | None = None) -> dict[str, Any] | None:
    """The member × decision grid: a cell per row of ``position_grid``, coloured by stance and
    labelled with it in words (in parentheses when the actor is not a member and does not count)."""
    frame = report.frame
    if frame.is_empty():
        return None
    decisions = list(dict.fromkeys(frame.get_column("decision").to_list()))
    cells = _labelled(frame)
    symbol = pl.col("stance").replace_strict(SYMBOLS, return_dtype=pl.Utf8)
    words = pl.concat_str([symbol, pl.lit(" "), pl.col("stance")])
    cells = cells.with_columns(
        pl.when(pl.col("counts"))
        .then(words)
        .otherwise(pl.concat_str([pl.lit("("), words, pl.lit(")")]))
        .alias("text"),
        (pl.col("counts") & pl.col("stance").is_in(list(DARK))).alias("dark"),
        pl.when(pl.col("counts")).then(pl.lit("yes")).otherwise(pl.lit("no: not a member")).alias("counted"),
    )
    if link is not None:
        cells = cells.with_columns(
            pl.col("decision")
            .replace_strict({d: link(d) for d in decisions}, return_dtype=pl.Utf8)
            .alias("href")
        )
    order = _actor_order(cells)
    y = {"field": "label", "type": "nominal", "sort": order, "title": None}
    x = {
        "field": "decision",
        "type": "nominal",
        "sort": decisions,
        "title": None,
        "axis": {"orient": "top", "labelAngle": 0, "labelLimit": 130},
    }
    tooltip = [
        {"field": "label", "title": "actor"},
        {"field": "decision"},
        {"field": "title"},
        {"field": "stance"},
        {"field": "since", "title": "since"},
        {"field": "conditions"},
        {"field": "counted", "title": "counts"},
    ]
    rect: dict[str, Any] = {
        "color": {
            "field": "stance",
            "type": "nominal",
            "scale": _stance_scale(),
            "title": "Position",
            "legend": {"orient": "bottom", "columns": 3},
        },
        "fillOpacity": {"condition": {"test": "datum.counts", "value": 1}, "value": 0.35},
        "tooltip": tooltip,
    }
    if link is not None:
        rect["href"] = {"field": "href"}
    spec = vega.base_spec(
        "Where each member stands",
        f"Positions of {len(order)} actors on {len(decisions)} decisions: each cell coloured by stance and "
        "labelled with it; a non-member's position in parentheses (it does not count)",
    )
    spec.pop("title")  # the page's heading names it
    spec.update(
        width={"step": 132},
        height={"step": 22},
        data={"values": vega.values_of(cells)},
        encoding={"x": x, "y": y},
        layer=[
            {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 1}, "encoding": rect},
            {
                "mark": {"type": "text", "fontSize": 11},
                "encoding": {
                    "text": {"field": "text"},
                    "color": {"condition": {"test": "datum.dark", "value": "white"}, "value": "black"},
                    "tooltip": tooltip,
                    **({"href": {"field": "href"}} if link is not None else {}),
                },
            },
        ],
    )
    return spec


def _day(day: date) -> dict[str, Any]:
    """A date as Vega-Lite's DateTime object, in UTC as the pictures' time scales are."""
    return {"year": day.year, "month": day.month, "date": day.day, "utc": True}


def _time_domain(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """From the first change to the last, with a margin: a position that still holds runs on to the
    right edge, so that a few weeks of changes are not squeezed by the years since."""
    first, last = frame.get_column("date").min(), frame.get_column("date").max()
    assert isinstance(first, date) and isinstance(last, date)
    margin = max(timedelta(days=7), (last - first) / 10)
    return [_day(first - margin), _day(last + margin)]


def _timeline_layers(
    order: list[str], domain: list[dict[str, Any]], link: Link | None
) -> list[dict[str, Any]]:
    # The scale is declared once, on the dots' layer: the rules' layer shares it.
    x = {"field": "date", "type": "temporal", "title": None}
    scaled = {
        **x,
        "scale": {"type": "utc", "domain": domain},
        "axis": {"format": "%Y-%m-%d", "labelOverlap": True},
    }
    y = {"field": "label", "type": "nominal", "sort": order, "title": None}
    colour = {
        "field": "stance",
        "type": "nominal",
        "scale": _stance_scale(),
        "title": "Position",
        "legend": {"orient": "bottom", "columns": 3},
    }
    tooltip = [
        {"field": "label", "title": "actor"},
        {"field": "decision"},
        {"field": "day", "title": "date"},
        {"field": "previous", "title": "before"},
        {"field": "stance", "title": "now"},
        {"field": "conditions"},
        {"field": "counted", "title": "counts"},
    ]
    point: dict[str, Any] = {
        "x": scaled,
        "y": y,
        "color": colour,
        "shape": {
            "field": "stance",
            "type": "nominal",
            "scale": {"domain": list(STANCES), "range": [SHAPES[s] for s in STANCES]},
            "title": "Position",
        },
        "tooltip": tooltip,
    }
    if link is not None:
        point["href"] = {"field": "href"}
    return [
        {
            "mark": {"type": "rule", "strokeWidth": 3, "clip": True},
            "encoding": {
                "x": x,
                "x2": {"field": "until"},
                "y": y,
                "color": colour,
                "strokeDash": {"condition": {"test": "datum.counts", "value": [1, 0]}, "value": [4, 3]},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {
                "type": "point",
                "filled": True,
                "size": 80,
                "opacity": 1,
                "stroke": "black",
                "strokeWidth": 0.5,
            },
            "encoding": point,
        },
    ]


def timeline_spec(report: Report, link: Link | None = None) -> dict[str, Any] | None:
    """When each actor's position changed: a dot per change (shaped and coloured by the stance it
    changed to), and a line per actor in the colour of the stance that held until its next change
    (dashed while the actor was not a member). One panel per decision."""
    frame = report.frame
    if frame.is_empty():
        return None
    values = _labelled(frame).with_columns(
        pl.col("date").dt.to_string("%Y-%m-%d").alias("day"),
        pl.when(pl.col("counts")).then(pl.lit("yes")).otherwise(pl.lit("no: not a member")).alias("counted"),
    )
    decisions = list(dict.fromkeys(values.get_column("decision").to_list()))
    if link is not None:
        values = values.with_columns(
            pl.col("decision")
            .replace_strict({d: link(d) for d in decisions}, return_dtype=pl.Utf8)
            .alias("href")
        )
    spec = vega.base_spec(
        "When positions changed",
        f"{values.height} changes of position on {len(decisions)} decision(s): a dot per change, a line per "
        "actor coloured by the position it held",
    )
    spec.pop("height")
    titles = dict(values.select("decision", "title").unique("decision").iter_rows())
    if len(decisions) == 1:
        code = decisions[0]
        spec.update(
            title={"text": f"{code}: {titles[code]}", "anchor": "start", "fontSize": 12, "limit": 640},
            height={"step": 16},
            data={"values": vega.values_of(values)},
            layer=_timeline_layers(_actor_order(values), _time_domain(values), link),
        )
        return spec
    spec.pop("width")
    spec.pop("title")  # the page's heading names it; each panel its decision
    spec.update(
        vconcat=[
            {
                "title": {
                    "text": code,
                    "subtitle": titles[code],
                    "anchor": "start",
                    "fontSize": 12,
                    "limit": 480,
                },
                "width": 340,
                "height": {"step": 16},
                "data": {"values": vega.values_of(part)},
                # each decision over its own months: one taken in 2017 would squeeze one of 2023
                "layer": _timeline_layers(_actor_order(part), _time_domain(part), link),
            }
            for code in decisions
            for part in (values.filter(pl.col("decision") == code),)
        ],
        resolve={"scale": {"x": "independent", "y": "independent", "color": "shared", "shape": "shared"}},
    )
    return spec
