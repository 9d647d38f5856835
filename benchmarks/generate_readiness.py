"""Generate a readiness workload: a force tree of N elements, R requirements, a target for every
element × requirement (or a share of them), and assessments over 36 months (seeded, deterministic).

Usage: python benchmarks/generate_readiness.py [--elements 2000] [--requirements 1000] [--months 36]
writes benchmarks/data/readiness-*.parquet (elements, targets, assessments).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import DATA

START = date(2023, 1, 1)


def tree(n: int) -> pl.DataFrame:
    """ministry → 10 commands → 10 brigades each → battalions (the rest, spread over brigades)."""
    codes = [f"E{i:05d}" for i in range(n)]
    parent: list[str | None] = [None]
    commands = list(range(1, min(11, n)))
    parent += [codes[0]] * len(commands)
    brigades = list(range(len(parent), min(len(parent) + 10 * len(commands), n)))
    parent += [codes[commands[(b - brigades[0]) % len(commands)]] for b in brigades]
    rest = n - len(parent)
    parent += [codes[brigades[i % len(brigades)]] for i in range(rest)] if brigades else [codes[0]] * rest
    domains = ["land", "air", "maritime", "cyber", "logistics", "command and control"]
    return pl.DataFrame({"code": codes, "parent": parent, "domain": [domains[i % 6] for i in range(n)]})


def generate(
    elements: int, requirements: int, months: int, share: float, seed: int = 7
) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    el = tree(elements)
    e_idx, r_idx = np.meshgrid(np.arange(elements), np.arange(requirements), indexing="ij")
    e_idx, r_idx = e_idx.ravel(), r_idx.ravel()
    if share < 1:
        keep = rng.random(e_idx.size) < share
        e_idx, r_idx = e_idx[keep], r_idx[keep]
    n_targets = e_idx.size
    kind = r_idx % 3  # 0 binary (target 1), 1 ordinal 0..4 (target 3), 2 percentage (target 80)
    target_value = np.choose(kind, [1.0, 3.0, 80.0])
    req_codes = np.array([f"R{i:04d}" for i in range(requirements)])
    el_codes = el.get_column("code").to_numpy()
    targets = pl.DataFrame(
        {
            "element": el_codes[e_idx],
            "requirement": req_codes[r_idx],
            "standard": np.array([f"S{i // 10:03d}" for i in range(requirements)])[r_idx],
            "target_value": target_value,
            "weight": rng.integers(1, 4, n_targets).astype(np.float64),
            "mandatory": rng.random(n_targets) < 0.7,
        }
    )
    # 0–3 assessments per target over the months, improving; some with an expiry.
    per = rng.integers(0, 4, n_targets)
    pair = np.repeat(np.arange(n_targets), per)
    day = rng.integers(0, months * 30, pair.size)
    progress = np.clip(rng.random(pair.size) * 0.6 + day / (months * 30) * 0.6, 0, 1.2)
    k = kind[pair]
    value = np.where(
        k == 0,
        (progress >= 1).astype(float),
        np.where(k == 1, np.floor(progress * 4).clip(0, 4), np.round(progress * 80, 1).clip(0, 100)),
    )
    expires = np.where(rng.random(pair.size) < 0.1, day + rng.integers(180, 720, pair.size), -1)
    assessments = pl.DataFrame(
        {
            "element": el_codes[e_idx[pair]],
            "requirement": req_codes[r_idx[pair]],
            "value": value,
            "assessed_on": pl.Series(np.datetime64(START) + day.astype("timedelta64[D]")).cast(pl.Date),
            "expires_on": pl.Series(
                np.datetime64(START) + np.maximum(expires, 0).astype("timedelta64[D]")
            ).cast(pl.Date),
            "method": np.where(rng.random(pair.size) < 0.2, "external evaluation", "self-evaluation"),
            "recorded_at": pl.Series(np.arange(pair.size)).cast(pl.Int64),
        }
    ).with_columns(pl.when(pl.Series(expires) >= 0).then(pl.col("expires_on")).alias("expires_on"))
    return {"elements": el, "targets": targets, "assessments": assessments}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elements", type=int, default=2000)
    parser.add_argument("--requirements", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument(
        "--share", type=float, default=1.0, help="share of element × requirement pairs with a target"
    )
    args = parser.parse_args(argv)
    DATA.mkdir(parents=True, exist_ok=True)
    for name, frame in generate(args.elements, args.requirements, args.months, args.share).items():
        frame.write_parquet(DATA / f"readiness-{name}.parquet")
        print(f"{name}: {frame.height:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
