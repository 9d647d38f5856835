"""An IATI 2.03 activity file whose donors are organisation references, for the alias tests.

Written for these tests with real organisation identifiers: USAID reports as ``US-GOV-1``, Sweden's
Sida as ``SE-0`` (which no shipped list maps), the UK's FCDO as ``GB-GOV-1`` funding UNDP
(``XM-DAC-41114``, a multilateral, named by no state). The native file beside it is the
documentation's example (docs/examples/ledger.csv: DEU, USA, GBR, FRA, NATO). Expected figures are
computed here from these inputs with the ECB rates (``ledger_sample.in_currency``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

NATIVE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "ledger.csv"

IATI_XML = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2023-08-01T00:00:00Z">
 <iati-activity default-currency="USD">
  <iati-identifier>US-GOV-1-UA-ENERGY-1</iati-identifier>
  <reporting-org ref="US-GOV-1" type="10"><narrative>U.S. Agency for International Development</narrative></reporting-org>
  <title><narrative>Energy security support</narrative></title>
  <recipient-country code="UA" percentage="100"/>
  <default-finance-type code="110"/>
  <transaction ref="C1"><transaction-type code="2"/><transaction-date iso-date="2023-03-01"/>
   <value value-date="2023-03-01">1000000</value>
   <provider-org ref="US-GOV-1"><narrative>USAID</narrative></provider-org></transaction>
  <transaction ref="D1"><transaction-type code="3"/><transaction-date iso-date="2023-05-02"/>
   <value value-date="2023-05-02">400000</value>
   <provider-org ref="US-GOV-1"><narrative>USAID</narrative></provider-org></transaction>
 </iati-activity>
 <iati-activity default-currency="SEK">
  <iati-identifier>SE-0-SE-6-UA-1</iati-identifier>
  <reporting-org ref="SE-0" type="10"><narrative>Swedish International Development Cooperation Agency</narrative></reporting-org>
  <title><narrative>Humanitarian support</narrative></title>
  <recipient-country code="UA" percentage="100"/>
  <sector vocabulary="1" code="72010" percentage="100"/>
  <transaction ref="C1"><transaction-type code="2"/><transaction-date iso-date="2023-02-01"/>
   <value value-date="2023-02-01">5000000</value></transaction>
  <transaction ref="D1"><transaction-type code="3"/><transaction-date iso-date="2023-04-03"/>
   <value value-date="2023-04-03">2000000</value></transaction>
 </iati-activity>
 <iati-activity default-currency="GBP">
  <iati-identifier>GB-GOV-1-300123</iati-identifier>
  <reporting-org ref="GB-GOV-1" type="10"><narrative>Foreign, Commonwealth and Development Office</narrative></reporting-org>
  <title><narrative>Contribution to recovery programme</narrative></title>
  <transaction ref="C1"><transaction-type code="2"/><transaction-date iso-date="2023-06-20"/>
   <value value-date="2023-06-20">2000000</value>
   <receiver-org ref="XM-DAC-41114"><narrative>United Nations Development Programme</narrative></receiver-org></transaction>
 </iati-activity>
</iati-activities>
"""

# (donor as given, kind, amount, currency, date) of each IATI entry, as the XML above gives them.
IATI_ENTRIES = [
    ("US-GOV-1", "commitment", 1_000_000.0, "USD", date(2023, 3, 1)),
    ("US-GOV-1", "delivery", 400_000.0, "USD", date(2023, 5, 2)),
    ("SE-0", "commitment", 5_000_000.0, "SEK", date(2023, 2, 1)),
    ("SE-0", "delivery", 2_000_000.0, "SEK", date(2023, 4, 3)),
    ("GB-GOV-1", "commitment", 2_000_000.0, "GBP", date(2023, 6, 20)),
]
# The USA commitment of the native example (allocated, so pledged and allocated).
NATIVE_USA = (325_000_000.0, "USD", date(2023, 6, 9))


def write_iati(folder: Path) -> Path:
    path = folder / "donors-by-reference.xml"
    path.write_text(IATI_XML, encoding="utf-8")
    return path


def iati_sum(donors: set[str], kind: str) -> float:
    """The IATI entries of ``donors`` and ``kind``, in EUR at the ECB rate of each value date."""
    from ledger_sample import in_currency

    total = 0.0
    for donor, entry_kind, amount, currency, on in IATI_ENTRIES:
        if donor in donors and entry_kind == kind:
            value = in_currency(amount, currency, on)
            assert value is not None
            total += value
    return total


def native_usa_pledged() -> float:
    from ledger_sample import in_currency

    value = in_currency(*NATIVE_USA)
    assert value is not None
    return value
