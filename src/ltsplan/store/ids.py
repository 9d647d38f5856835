"""Deterministic identifiers: the same natural key always gives the same id, so re-imports are
idempotent. ``record_id`` (one record, in Python) and ``record_id_expr`` (a column, in Polars) give
the same answer for the same parts: the first 32 hex digits of SHA-256 over the parts joined by US.
"""

from __future__ import annotations

import hashlib

import polars as pl
import polars_hash  # noqa: F401  (registers the stable .chash namespace on expressions)

SEPARATOR = "\x1f"


def _canonical(part: object) -> str:
    return "" if part is None else str(part)


def record_id(*parts: object) -> str:
    """A 32-hex-digit id from a record's natural key (for example dataset, donor, date, reference)."""
    text = SEPARATOR.join(_canonical(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def record_id_expr(*parts: pl.Expr | str) -> pl.Expr:
    """The column version of ``record_id``: literal strings are taken as constants, not names."""
    exprs = [pl.lit(p) if isinstance(p, str) else p.cast(pl.Utf8).fill_null("") for p in parts]
    # polars-hash is stable across releases (Polars' own hash is not), which ids stored in a
    # database need.
    return pl.concat_str(exprs, separator=SEPARATOR).chash.sha2_256().str.slice(0, 32)  # type: ignore[attr-defined]


def version_hash(values: object) -> str:
    """A digest of one record's content (an iterable of its values)."""
    return record_id(*values)  # type: ignore[misc]


def version_expr(columns: list[str]) -> pl.Expr:
    """The digest of each row's content, column-wise; null and empty string are told apart."""
    exprs = [pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in columns]
    return pl.concat_str(exprs, separator=SEPARATOR).chash.sha2_256().str.slice(0, 32)  # type: ignore[attr-defined]
