"""What the pictures share, without a browser: the categorical palette keeps twelve categories
apart (CIEDE2000 between every two colours) and is the same for the pages and the command line's
figures; money reads "€500 bn" everywhere, in specs and in the PNG/SVG figures; and the fulfilment
chart keeps groups whose data report no deliveries as their own state. (The same specs drawn in a
browser: test_pages_every_route.py.)"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import matplotlib
import numpy as np
import polars as pl
import pytest

from ltsplan.charting import figures, vega
from ltsplan.ledger import charts as ledger_charts
from ltsplan.report import Report
from ltsplan.standards.charts import coverage_curve

SVG = "{http://www.w3.org/2000/svg}"


def lab(colours: tuple[str, ...]) -> np.ndarray:
    """sRGB hex colours in CIELAB (D65)."""
    rgb = np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in colours])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def ciede2000(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The CIEDE2000 colour difference between rows of ``a`` and ``b`` (Sharma, Wu, Dalal 2005)."""
    l1, a1, b1 = a.T
    l2, a2, b2 = b.T
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_mean = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(
            np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)
        ),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(h_mean - 30))
        + 0.24 * np.cos(np.radians(2 * h_mean))
        + 0.32 * np.cos(np.radians(3 * h_mean + 6))
        - 0.20 * np.cos(np.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    rotation = (
        -np.sin(np.radians(60 * np.exp(-(((h_mean - 275) / 25) ** 2))))
        * 2
        * np.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
    )
    return np.sqrt(
        (d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + rotation * (d_c / s_c) * (d_h / s_h)
    )


def test_the_colour_difference_is_ciede2000() -> None:
    # pairs and differences from Sharma, Wu and Dalal's test data (pairs 1 and 17)
    first = np.array([[50.0, 2.6772, -79.7751], [50.0, 2.5, 0.0]])
    second = np.array([[50.0, 0.0, -82.7485], [73.0, 25.0, -18.0]])
    assert ciede2000(first, second) == pytest.approx([2.0425, 27.1492], abs=1e-4)


def test_the_palette_keeps_twelve_categories_apart() -> None:
    palette = vega.CATEGORICAL
    assert len(palette) >= 12 and len({c.lower() for c in palette}) == len(palette)
    colours = lab(palette)
    first, second = np.triu_indices(len(palette), 1)
    assert ciede2000(colours[first], colours[second]).min() >= 15
    # and none is the grey that means "not reported"
    grey = lab((vega.NOT_REPORTED,))
    assert ciede2000(colours, np.repeat(grey, len(palette), axis=0)).min() >= 15


def test_the_pages_and_the_figures_share_one_palette() -> None:
    assert figures.PALETTE == vega.CATEGORICAL
    spec = vega.base_spec("t", "d")
    assert spec["config"]["range"]["category"] == list(vega.CATEGORICAL)
    assert [figures.category_colour(i) for i in range(13)][12] == vega.CATEGORICAL[0]


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        (500e9, "EUR", "€500 bn"),
        (20e6, "EUR", "€20 m"),
        (3.2e9, "USD", "$3.2 bn"),
        (-3.2e9, "USD", "−$3.2 bn"),
        (1.25e12, "EUR", "€1.25 tn"),
        (999.7e6, "EUR", "€1 bn"),  # not "€1000 m"
        (547_983_846_000.0, "EUR", "€548 bn"),
        (7_500.0, "GBP", "£7.5 k"),
        (512.0, "EUR", "€512"),
        (0.0, "EUR", "€0"),
        (2.5e6, "CHF", "CHF 2.5 m"),
        (None, "EUR", "—"),
        (float("nan"), "EUR", "—"),
    ],
)
def test_money_reads_as_people_write_it(value: float | None, currency: str, text: str) -> None:
    assert vega.money_label(value, currency) == text


def walk(spec: Any) -> list[Any]:
    """Every value in a spec, nested ones included."""
    found = [spec]
    if isinstance(spec, dict):
        for value in spec.values():
            found += walk(value)
    elif isinstance(spec, list):
        for value in spec:
            found += walk(value)
    return found


def ledger_report(currency: str = "EUR") -> Report:
    frame = pl.DataFrame(
        {
            "donor": ["AAA", "BBB", "CCC", "DDD"],
            "donor_name": ["Aland", "Bland", "Cland", "Dland"],
            "pledged": [4e9, 2e9, 1e9, 0.0],
            "allocated": [3e9, 1e9, 1e9, 0.0],
            "delivered": [1e9, None, 0.0, 5e6],
            "fulfilment": [0.25, None, 0.0, None],
        }
    )
    return Report("Fulfilment", frame, params={"currency": currency})


def test_every_money_axis_of_the_ledger_uses_the_money_helper() -> None:
    report = ledger_report("USD")
    series = Report(
        "Series",
        pl.DataFrame(
            {
                "period": [date(2023, 1, 1), date(2023, 2, 1)],
                "pledged_cumulative": [1e9, 2e9],
                "allocated_cumulative": [5e8, 1e9],
                "delivered_cumulative": [1e8, 2e8],
            }
        ),
        params={"currency": "USD"},
    )
    specs = [ledger_charts.totals_bars(report), ledger_charts.series_lines(series)]
    for spec in specs:
        assert spec is not None
        values = walk(spec)
        assert "~s" not in values  # d3's SI prefixes ("500G")
        axes = [v for v in values if isinstance(v, dict) and "labelExpr" in v]
        assert axes == [vega.money_axis("USD")]


def test_the_fulfilment_chart_keeps_each_state_and_draws_no_bar_for_not_reported() -> None:
    spec = ledger_charts.fulfilment_bars(ledger_report())
    assert spec is not None
    rows = {r["group"]: r for r in spec["data"]["values"]}
    assert {g: r["state"] for g, r in rows.items()} == {
        "Aland": "reported",
        "Bland": "not reported",
        "Cland": "reported",  # delivered 0 of a pledge: a real 0 %
        "Dland": "nothing pledged to compare",
    }
    bars, shares, unreported = spec["layer"]
    reported = "datum.state === 'reported'"
    assert bars["mark"]["type"] == "bar" and bars["transform"] == [{"filter": reported}]
    # every group has a label: its share, or its state in italics
    assert shares["mark"]["type"] == "text" and shares["transform"] == [{"filter": reported}]
    assert unreported["transform"] == [{"filter": f"!({reported})"}]
    assert unreported["mark"]["type"] == "text" and unreported["mark"]["fontStyle"] == "italic"
    assert "datum.state" in next(t["calculate"] for t in spec["transform"] if t["as"] == "label")


def test_the_fulfilment_chart_counts_the_groups_it_leaves_out() -> None:
    spec = ledger_charts.fulfilment_bars(ledger_report(), limit=1)
    assert spec is not None
    assert [r["group"] for r in spec["data"]["values"]] == ["Aland"]
    assert spec["title"]["subtitle"] == (
        "the first 1 of 4 groups; not shown: 1 reported, 1 not reported, 1 nothing pledged to compare (see the table)"
    )
    whole = ledger_charts.fulfilment_bars(ledger_report(), limit=4)
    assert whole is not None and whole["title"] == "Fulfilment"  # nothing left out, nothing to say


def svg_texts(path: Path) -> list[str]:
    return [t.text or "" for t in ElementTree.parse(path).getroot().iter(f"{SVG}text")]


def test_the_command_line_chart_writes_money_as_the_pages_do(tmp_path: Path) -> None:
    report = Report(
        "Pledged and delivered",
        pl.DataFrame(
            {
                "period": [date(2022, 3, 1), date(2023, 3, 1), date(2024, 3, 1)],
                "pledged_cumulative": [50e9, 250e9, 480e9],
                "allocated_cumulative": [20e9, 150e9, 300e9],
                "delivered_cumulative": [5e9, 60e9, 120e9],
            }
        ),
        params={"currency": "EUR"},
    )
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text as text, to read the labels back
        png, svg = ledger_charts.pledged_vs_delivered(report, tmp_path / "pledged.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    money = [t for t in svg_texts(svg) if "€" in t]
    assert money and all(re.fullmatch(r"−?€\d+(\.\d+)?( (k|m|bn|tn))?", t) for t in money), money
    assert any(t.endswith(" bn") for t in money)


def test_the_coverage_figure_gives_twelve_domains_twelve_colours(tmp_path: Path) -> None:
    domains = [f"domain {n:02}" for n in range(12)]
    days = [date(2022, 12, 31), date(2023, 12, 31)]
    frame = pl.DataFrame(
        {
            "country": ["UKR"] * 24,
            "domain": [d for d in domains for _ in days],
            "day": days * 12,
            "coverage": [(n + k) / 30 for n in range(12) for k in range(2)],
        }
    )
    _, svg = coverage_curve(Report("Adoption coverage over time", frame), tmp_path / "coverage.png")
    root = ElementTree.parse(svg).getroot()
    strokes = set()
    for path in root.iter(f"{SVG}path"):
        style = path.get("style", "")
        found = re.search(r"stroke:\s*(#[0-9a-fA-F]{6})", style)
        if found and "stroke-width: 2" in style:
            strokes.add(found.group(1).upper())
    assert strokes == {c.upper() for c in vega.CATEGORICAL}
