"""Settings from the environment: the request-body limit (``LTSPLAN_MAX_BODY_BYTES``)."""

from __future__ import annotations

import pytest

from ltsplan.config import DEFAULT_MAX_BODY_BYTES, Settings
from ltsplan.errors import InvalidInput


def test_the_body_limit_is_one_megabyte_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LTSPLAN_MAX_BODY_BYTES", raising=False)
    assert Settings.from_environment().max_body_bytes == DEFAULT_MAX_BODY_BYTES == 1_000_000


def test_the_body_limit_comes_from_the_environment_and_an_option_overrides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LTSPLAN_MAX_BODY_BYTES", "2048")
    assert Settings.from_environment().max_body_bytes == 2048
    assert Settings.from_environment(max_body_bytes=100).max_body_bytes == 100


@pytest.mark.parametrize("value", ["lots", "0", "-5", "1.5"])
def test_a_body_limit_that_is_not_a_number_of_bytes_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LTSPLAN_MAX_BODY_BYTES", value)
    with pytest.raises(InvalidInput) as raised:
        Settings.from_environment()
    assert raised.value.problems[0].field == "LTSPLAN_MAX_BODY_BYTES"
    assert f"'{value}'" in raised.value.problems[0].message
