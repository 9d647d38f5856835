"""Country names as trackers write them, read as ISO 3166 alpha-3 codes (pure).

pycountry knows each country's ISO name, common name and official name; the United Nations' own
spellings, which OCHA's FTS uses ("occupied Palestinian territory", "Venezuela (Bolivarian
Republic of)"), and a few everyday ones are added here. A name neither knows is not guessed: the
reader that asked keeps what it was given, or says that it cannot place it.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Lower-case name → alpha-3, for names pycountry does not match exactly.
ALIASES = {
    "occupied palestinian territory": "PSE",
    "democratic republic of the congo": "COD",
    "venezuela (bolivarian republic of)": "VEN",
    "bolivia (plurinational state of)": "BOL",
    "iran (islamic republic of)": "IRN",
    "micronesia (federated states of)": "FSM",
    "democratic people's republic of korea": "PRK",
    "republic of korea": "KOR",
    "holy see": "VAT",
    "turkey": "TUR",
    "turkiye": "TUR",
    "cote d'ivoire": "CIV",
    "china, hong kong special administrative region": "HKG",
    "china, macao special administrative region": "MAC",
    "united states of america": "USA",
}
GOVERNMENT_SUFFIX = ", government of"


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """The alpha-3 code of a country named as people write it, or None.

    "Canada, Government of" (FTS's name for a donor government) is read as "Canada"."""
    if not name:
        return None
    cleaned = " ".join(name.split())
    if cleaned.lower().endswith(GOVERNMENT_SUFFIX):
        cleaned = cleaned[: -len(GOVERNMENT_SUFFIX)].strip()
    if len(cleaned) < 4:  # two or three letters would be taken as a code, not a name
        return ALIASES.get(cleaned.lower())
    try:
        return str(pycountry.countries.lookup(cleaned).alpha_3)
    except LookupError:
        return ALIASES.get(cleaned.lower())
