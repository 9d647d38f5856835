"""Sharing the EU institutions' aid out to the member states (pure), as the Kiel tracker does for
its "EU aid shares": each member gets the EU institutions' figures in proportion to its weight (its
attributed share of the EU budget-financed aid). The grand total is unchanged; see docs/kiel.md.
"""

from __future__ import annotations

import polars as pl

EU = "EU"


def share_out(
    sums: pl.DataFrame,
    weights: dict[str, float],
    *,
    values: tuple[str, ...] = ("eur_cents", "usd_cents"),
    counts: tuple[str, ...] = ("entries", "eur_missing", "usd_missing", "no_amount"),
    organisation: str = EU,
) -> pl.DataFrame:
    """Replace the ``organisation``'s rows of ``sums`` (which has a ``donor`` column) by one row per
    member, its values times the member's share of the weights, added to the member's own rows.

    Shares of whole cents are fractions of a cent, kept as they are: sharing is linear, so the share
    of a sum is the sum of the shares (phasing moves shared figures between years and they still add
    up), and answers round to the cent at the end. Counts (entries, entries not converted) are not
    divided: a member's row counts every entry that
    contributes to it, its own and the organisation's, so an unconverted EU entry is reported on
    every member's row that draws on it.
    """
    if "donor" not in sums.columns or sums.is_empty():
        return sums
    total_weight = sum(weights.values())
    if total_weight <= 0:
        raise ValueError("the weights must add up to more than zero")
    values = tuple(v for v in values if v in sums.columns)
    counts = tuple(c for c in counts if c in sums.columns)
    keys = [c for c in sums.columns if c not in values and c not in counts]
    own = sums.filter(pl.col("donor") != organisation)
    shared_from = sums.filter(pl.col("donor") == organisation)
    if shared_from.is_empty():
        return sums
    shares = pl.DataFrame(
        {"member": list(weights), "weight": [w / total_weight for w in weights.values()]},
        schema={"member": pl.Utf8, "weight": pl.Float64},
    )
    shared = (
        shared_from.join(shares, how="cross")
        .with_columns(
            pl.col("member").alias("donor"), *[(pl.col(v) * pl.col("weight")).alias(v) for v in values]
        )
        .select(sums.columns)
    )
    combined = pl.concat([own, shared], how="vertical_relaxed")
    return (
        combined.group_by(keys, maintain_order=True)
        .agg(*[pl.col(v).sum() for v in values], *[pl.col(c).sum() for c in counts])
        .select(sums.columns)
    )
