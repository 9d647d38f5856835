"""Charts as Vega-Lite specs (data inline), built from the same Reports the tables show; the
pages render them with the vendored vega-embed, and show the table when scripts do not run.

What every chart shares lives here: the categorical palette (``CATEGORICAL``, also the default
range of every spec's colour scales, and the palette of the matplotlib figures), the grey of
"not reported", and money as people write it — "€500 bn", "€20 m", "$3.2 bn" — both as a Vega
expression (``money_expr``, for axes and tooltips; the pages' security policy forbids eval, so it
uses only what vega-interpreter evaluates) and as the same text in Python (``money_label``, for the
command line's figures and for tests that compare the two).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

from ltsplan.report import Report

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
WIDTH = "container"

# Paul Tol's "muted" scheme (nine colours, chosen to stay apart for colour-blind readers too) and
# three of his "vibrant"/"rainbow" colours that keep clear of all nine (CIEDE2000 ≥ 15 between
# any two: tests/charting). Grey is left out: it means "not reported".
CATEGORICAL: tuple[str, ...] = (
    "#332288",  # indigo
    "#EE7733",  # orange
    "#117733",  # green
    "#CC6677",  # rose
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#DDCC77",  # sand
    "#AA4499",  # purple
    "#999933",  # olive
    "#0077BB",  # blue
    "#661100",  # brown
)
NOT_REPORTED = "#BBBBBB"  # marks of a figure the data do not report
NOT_REPORTED_TEXT = "#595959"  # its labels: 7:1 against white

PERCENT_AXIS = ".0%"  # "45%" on axes
PERCENT_TOOLTIP = ".1%"  # "45.2%" in tooltips, as the tables write shares

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
# Each scale and its suffix; a value is written in the largest whose 0.9995 it reaches, so that
# 999.7 million reads "€1 bn", not "€1000 m".
MONEY_SCALES: tuple[tuple[float, str], ...] = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k"))
MINUS = "\u2212"  # the minus sign d3-format writes too


def currency_prefix(currency: str) -> str:
    """ "€" for EUR, "$" for USD, else the code and a space ("CHF ")."""
    code = currency.upper()
    return SYMBOLS.get(code, f"{code} ")


def money_expr(value: str, currency: str, missing: str = "—") -> str:
    """A Vega expression writing the number ``value`` (itself an expression: ``datum.value``,
    ``datum['pledged']``) as money people read: "€500 bn", "€20 m", "−$3.2 bn", "€750 k"; three
    significant digits; ``missing`` when the value is null or not finite."""
    prefix = currency_prefix(currency).replace("\\", "\\\\").replace("'", "\\'")
    size = f"abs({value})"
    scaled = f"format({size}, '.3~r')"
    for divisor, suffix in reversed(MONEY_SCALES):
        scaled = f"({size} >= {divisor * 0.9995!r} ? format({size} / {divisor!r}, '.3~r') + ' {suffix}' : {scaled})"
    sign = f"({value} < 0 ? '{MINUS}' : '')"
    return f"(isValid({value}) && isFinite({value})) ? {sign} + '{prefix}' + {scaled} : '{missing}'"


def _significant(number: float, digits: int = 3) -> str:
    """``number`` (≥ 0) to ``digits`` significant digits, trailing zeros dropped: d3-format's
    ``.3~r``, which rounds the exact binary value half up (JavaScript's toExponential)."""
    if number == 0:
        return "0"
    exact = Decimal(number)
    rounded = exact.quantize(Decimal(1).scaleb(exact.adjusted() - digits + 1), rounding=ROUND_HALF_UP)
    text = format(rounded, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_label(value: float | None, currency: str, missing: str = "—") -> str:
    """The text ``money_expr`` gives in the browser, in Python (the command line's figures)."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return missing
    size = abs(value)
    scaled = _significant(size)
    for divisor, suffix in MONEY_SCALES:
        if size >= divisor * 0.9995:
            scaled = f"{_significant(size / divisor)} {suffix}"
            break
    return f"{MINUS if value < 0 else ''}{currency_prefix(currency)}{scaled}"


def money_axis(currency: str, **axis: Any) -> dict[str, Any]:
    """An axis whose labels are money ("€500 bn"): every chart's money axis is this one."""
    return {"labelExpr": money_expr("datum.value", currency), **axis}


def money_text(field: str, currency: str, *, to: str | None = None, missing: str = "—") -> dict[str, Any]:
    """A ``calculate`` transform writing ``field`` as money into ``to`` (default ``field_text``),
    for tooltips and labels (a tooltip's ``format`` cannot say "bn")."""
    quoted = field.replace("\\", "\\\\").replace("'", "\\'")
    return {"calculate": money_expr(f"datum['{quoted}']", currency, missing), "as": to or f"{field}_text"}


def values_of(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        for row in frame.to_dicts()
    ]


def base_spec(title: str, description: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": 280,
        # The page's width; heights are the chart's own (a plot of 280 px, or a step per row).
        # Vega-Lite's default for a container width fits the height too, and warns where rows set it.
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelFontSize": 12, "titleFontSize": 12},
            # every nominal colour scale without a range of its own takes the shared palette
            "range": {"category": list(CATEGORICAL)},
        },
    }


def heatmap(report: Report, *, x: str, y: str, value: str, title: str | None = None) -> dict[str, Any] | None:
    """A grid of ``value`` by ``x`` and ``y`` (readiness by force element and requirement, say)."""
    frame = report.frame
    if frame.is_empty() or not {x, y, value} <= set(frame.columns):
        return None
    spec = base_spec(title or report.title, f"{value} by {x} and {y}")
    spec.update(
        height={"step": 18},
        data={"values": values_of(frame.select(x, y, value))},
        mark="rect",
        encoding={
            "x": {"field": x, "type": "nominal", "title": None},
            "y": {"field": y, "type": "nominal", "title": None},
            "color": {"field": value, "type": "quantitative", "scale": {"scheme": "viridis"}},
            "tooltip": [{"field": x}, {"field": y}, {"field": value}],
        },
    )
    return spec
