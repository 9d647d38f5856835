"""Write a synthetic IATI 2.03 activity file of a given size for the ``iati_import`` benchmark.

``python benchmarks/generate_iati.py --size-mb 1024`` writes ``benchmarks/data/iati-1024mb.xml``
(not committed). Activities are shaped like real publishers' (DFID, BMZ, UN agencies): titles and
descriptions, participating organisations, locations, sectors, budgets (some revised), planned
disbursements, a commitment, a few disbursements and expenditures, an incoming-funds transaction
and a results section — about 6 KB and 7 transactions each. The same seed gives the same file.

Beside the file, ``counts_path(file)`` (JSON) says what an import must find in it, counted as it is
written: activities, entries (each activity's commitment and its 3–7 disbursements and
expenditures; its incoming funds are not counted, as IATI's provider counts them) and plans (three
yearly budgets, a revised one replacing its original, and one planned disbursement).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import DATA

PUBLISHERS = [
    ("GB-GOV-1", "UK - Foreign, Commonwealth and Development Office"),
    ("DE-1", "Federal Ministry for Economic Cooperation and Development"),
    ("XM-DAC-41114", "United Nations Development Programme"),
    ("NL-1", "Netherlands - Ministry of Foreign Affairs"),
    ("SE-0", "Sweden, through Swedish International Development Cooperation Agency"),
]
COUNTRIES = ["UA", "MD", "GE", "AF", "SO", "ET", "KE", "YE", "SY", "HT", "NG", "ML"]
SECTORS = ["15210", "15220", "15250", "72010", "72040", "73010", "11220", "12220", "14030", "15110", "24010"]
CURRENCIES = ["USD", "EUR", "GBP", "SEK"]
FINANCE = ["110", "110", "110", "421", "410", "1100"]
WORDS = [
    "support",
    "resilience",
    "programme",
    "national",
    "capacity",
    "security",
    "reform",
    "health",
    "water",
    "sanitation",
    "governance",
    "recovery",
    "emergency",
    "response",
    "training",
    "equipment",
    "communities",
    "partners",
    "delivery",
]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


PLANS_PER_ACTIVITY = (
    4  # three yearly budgets (a revised one replaces its original) and one planned disbursement
)


def counts_path(file: Path) -> Path:
    return file.with_suffix(".counts.json")


def activity(rng: random.Random, n: int, entries: list[int] | None = None) -> str:
    """One activity's XML; ``entries`` gains the number of ledger entries it holds."""
    ref, name = PUBLISHERS[n % len(PUBLISHERS)]
    ident = f"{ref}-P{n:08d}"
    currency = rng.choice(CURRENCIES)
    country = rng.choice(COUNTRIES)
    year = rng.randint(2014, 2024)
    parts = [
        f'<iati-activity xml:lang="en" default-currency="{currency}" last-updated-datetime="{year + 1}-03-01T00:00:00Z" humanitarian="{int(rng.random() < 0.2)}" hierarchy="1">',
        f"<iati-identifier>{ident}</iati-identifier>",
        f'<reporting-org ref="{ref}" type="10"><narrative>{name}</narrative></reporting-org>',
        f"<title><narrative>{_text(rng, 8)}</narrative></title>",
        f'<description type="1"><narrative>{_text(rng, 60)}</narrative></description>',
        f'<description type="2"><narrative>{_text(rng, 30)}</narrative></description>',
        f'<participating-org ref="{ref}" role="1" type="10"><narrative>{name}</narrative></participating-org>',
        f'<participating-org ref="XM-DAC-{41000 + n % 300}" role="4" type="40"><narrative>Implementing partner {n % 300}</narrative></participating-org>',
        '<activity-status code="2"/>',
        f'<activity-date iso-date="{year}-01-15" type="1"/><activity-date iso-date="{year}-02-01" type="2"/>',
        f'<activity-date iso-date="{year + 3}-12-31" type="3"/>',
        f'<recipient-country code="{country}" percentage="100"/>',
        f'<location ref="{country}-{n % 50}"><name><narrative>{_text(rng, 3)}</narrative></name>'
        f'<point srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><pos>{rng.uniform(-40, 60):.4f} {rng.uniform(-20, 120):.4f}</pos></point>'
        '<exactness code="1"/><location-class code="2"/></location>',
    ]
    for sector in rng.sample(SECTORS, 2):
        parts.append(f'<sector vocabulary="1" code="{sector}" percentage="50"/>')
    parts.append(f'<default-finance-type code="{rng.choice(FINANCE)}"/>')
    total = rng.randint(100, 50_000) * 1000
    for offset in range(3):
        parts.append(
            f'<budget type="1" status="2"><period-start iso-date="{year + offset}-01-01"/>'
            f'<period-end iso-date="{year + offset}-12-31"/><value value-date="{year + offset}-01-01">{total // 3}</value></budget>'
        )
        if rng.random() < 0.3:
            parts.append(
                f'<budget type="2" status="2"><period-start iso-date="{year + offset}-01-01"/>'
                f'<period-end iso-date="{year + offset}-12-31"/><value value-date="{year + offset}-06-01">{total // 4}</value></budget>'
            )
    parts.append(
        f'<planned-disbursement type="1"><period-start iso-date="{year}-01-01"/><period-end iso-date="{year}-12-31"/>'
        f'<value value-date="{year}-01-01">{total // 2}</value></planned-disbursement>'
    )
    parts.append(
        f'<transaction ref="{ident}-C"><transaction-type code="2"/><transaction-date iso-date="{year}-02-01"/>'
        f'<value value-date="{year}-02-01">{total}</value>'
        f"<description><narrative>{_text(rng, 6)}</narrative></description>"
        f'<receiver-org ref="XM-DAC-{41000 + n % 300}" receiver-activity-id="XM-DAC-{41000 + n % 300}-{n}"><narrative>Implementing partner</narrative></receiver-org></transaction>'
    )
    parts.append(
        f'<transaction><transaction-type code="1"/><transaction-date iso-date="{year}-02-10"/>'
        f'<value currency="{currency}" value-date="{year}-02-10">{total}</value>'
        f'<provider-org ref="{ref}" provider-activity-id="{ref}-F{n:08d}"><narrative>{name}</narrative></provider-org></transaction>'
    )
    flows = rng.randint(3, 7)
    if entries is not None:
        entries.append(1 + flows)  # the commitment and the disbursements and expenditures
    for k in range(flows):
        code = "3" if k % 2 == 0 else "4"
        month = 1 + (k * 2) % 12
        value = rng.randint(1, total // 5_000 + 1) * 1000 * (-1 if rng.random() < 0.01 else 1)
        parts.append(
            f'<transaction ref="{ident}-{k}"><transaction-type code="{code}"/><transaction-date iso-date="{year + k // 6}-{month:02d}-15"/>'
            f'<value value-date="{year + k // 6}-{month:02d}-15">{value}</value>'
            f"<description><narrative>{_text(rng, 5)}</narrative></description>"
            f'<receiver-org ref="XM-DAC-{41000 + n % 300}"><narrative>Implementing partner</narrative></receiver-org>'
            f'<finance-type code="{rng.choice(FINANCE)}"/></transaction>'
        )
    parts.append(
        f'<document-link format="application/pdf" url="https://example.org/{ident}.pdf"><title><narrative>{_text(rng, 5)}</narrative></title>'
        f'<category code="A02"/><language code="en"/><document-date iso-date="{year}-03-01"/></document-link>'
    )
    parts.append(
        f'<result type="1" aggregation-status="1"><title><narrative>{_text(rng, 6)}</narrative></title>'
        f'<indicator measure="1" ascending="1"><title><narrative>{_text(rng, 6)}</narrative></title>'
        f'<baseline year="{year}" iso-date="{year}-01-01" value="{rng.randint(0, 100)}"/>'
        f'<period><period-start iso-date="{year}-01-01"/><period-end iso-date="{year}-12-31"/>'
        f'<target value="{rng.randint(100, 200)}"/><actual value="{rng.randint(50, 250)}"/></period>'
        "</indicator></result>"
    )
    parts.append("</iati-activity>")
    return "\n".join(parts) + "\n"


def generate(size_mb: float, target: Path | None = None, seed: int = 2023) -> Path:
    target = target or DATA / f"iati-{size_mb:g}mb.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    wanted = int(size_mb * 1024 * 1024)
    rng = random.Random(seed)
    written = 0
    n = 0
    entries: list[int] = []
    with target.open("w", encoding="utf-8") as out:
        head = '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03" generated-datetime="2025-01-01T00:00:00Z">\n'
        out.write(head)
        written += len(head)
        while written < wanted:
            chunk = "".join(activity(rng, n + i, entries) for i in range(200))
            n += 200
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
        out.write("</iati-activities>\n")
    counts = {"activities": n, "entries": sum(entries), "plans": n * PLANS_PER_ACTIVITY}
    counts_path(target).write_text(json.dumps(counts) + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1024.0, help="file size in MiB (default 1024)")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default benchmarks/data/)")
    args = parser.parse_args(argv)
    path = generate(args.size_mb, args.out)
    print(f"wrote {path} ({path.stat().st_size / 2**20:,.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
