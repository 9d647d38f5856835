"""Sources and their grading on the NATO Admiralty scale (pure: no I/O)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from typing import Any

import pycountry

from ltsplan.store.ids import record_id, version_hash

SOURCE_KINDS = (
    "official document",
    "dataset release",
    "news report",
    "opinion",
    "statement",
    "assessment",
)
# What an actor is: every actor (a donor state, NATO, the North Atlantic Council, a minister…) is one.
ACTOR_KINDS = ("state", "organisation", "body", "person")
ATTRIBUTIONS = ("on the record", "official spokesman", "anonymous")
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}


@dataclass(frozen=True)
class Source:
    kind: str
    title: str
    publisher: str | None = None
    url: str | None = None
    published: date | None = None
    attribution: str = "on the record"
    reliability: str = "F"
    credibility: int = 6
    note: str | None = None

    @cached_property  # a frozen record: computed once (an IATI file asks for it per activity)
    def id(self) -> str:
        """Same title, publisher, url and date: same source, however often it is imported."""
        return record_id("source", self.title, self.publisher, self.url, self.published)

    @property
    def grade(self) -> str:
        return f"{self.reliability}{self.credibility}"

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for each thing wrong; empty when the source is valid."""
        found = []
        if self.kind not in SOURCE_KINDS:
            found.append(
                (
                    "kind",
                    f"'{self.kind}' is not a source kind; use one of {', '.join(SOURCE_KINDS)}",
                )
            )
        if not self.title or not self.title.strip():
            found.append(("title", "a source needs a title"))
        if self.attribution not in ATTRIBUTIONS:
            found.append(("attribution", f"'{self.attribution}' is not one of {', '.join(ATTRIBUTIONS)}"))
        if self.reliability not in RELIABILITY:
            found.append(("reliability", f"'{self.reliability}' is not an Admiralty reliability A–F"))
        if self.credibility not in CREDIBILITY:
            found.append(("credibility", f"'{self.credibility}' is not an Admiralty credibility 1–6"))
        return found

    def record(self) -> dict[str, Any]:
        values = asdict(self)
        return {"id": self.id, "version": version_hash(values.values()), **values}


def parse_grade(text: str) -> tuple[str, int]:
    """'B2' → ('B', 2); raises ValueError with what would be accepted."""
    cleaned = text.strip().upper()
    if len(cleaned) != 2 or cleaned[0] not in RELIABILITY or not cleaned[1].isdigit():
        raise ValueError(f"'{text}' is not an Admiralty grade such as B2 (A–F then 1–6)")
    credibility = int(cleaned[1])
    if credibility not in CREDIBILITY:
        raise ValueError(f"'{text}' is not an Admiralty grade such as B2 (A–F then 1–6)")
    return cleaned[0], credibility


def is_state(code: str) -> bool:
    return pycountry.countries.get(alpha_3=code) is not None


def state_name(code: str) -> str | None:
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return None
    return getattr(country, "common_name", None) or country.name
