"""Measures: how a requirement is met, on each kind of scale (pure, no database)."""

from __future__ import annotations

import pytest

from ltsplan.records.reading import read_record
from ltsplan.standards.measures import STANAG_6001_LEVELS, Measure, MeasureError, level_index, meets
from ltsplan.standards.model import REQUIREMENT, requirement_id, standard_id

SLP = Measure.ordinal(STANAG_6001_LEVELS, threshold="2")


def test_plus_levels_sit_between_their_neighbours_on_the_stanag_6001_scale():
    assert level_index(SLP, "1+") > level_index(SLP, "1")
    assert level_index(SLP, "2") < level_index(SLP, "2+")
    assert level_index(SLP, "2+") < level_index(SLP, "3")
    assert [level_index(SLP, lv) for lv in STANAG_6001_LEVELS] == list(range(len(STANAG_6001_LEVELS)))


def test_an_ordinal_observation_meets_a_target_at_or_above_it_and_never_by_text_order():
    assert meets(SLP, "2")
    assert meets(SLP, "2+")
    assert not meets(SLP, "1+")
    assert meets(SLP, "1+", target="1")
    assert not meets(SLP, "2", target="2+")
    # As text "10" < "9"; levels compare by position in the scale, whatever their names.
    scale = Measure.ordinal(["low", "9", "10"], threshold="9")
    assert meets(scale, "10")
    assert not meets(scale, "low")


def test_a_spreadsheet_number_reads_as_the_level_of_the_same_name():
    assert meets(SLP, 2.0)
    assert level_index(SLP, 3) == STANAG_6001_LEVELS.index("3")


def test_a_level_not_on_the_scale_is_refused_naming_the_levels():
    with pytest.raises(MeasureError, match="0, 0\\+, 1"):
        meets(SLP, "6")


def test_binary_and_percentage_measures_meet_their_thresholds():
    binary = Measure.binary()
    assert meets(binary, "met") and meets(binary, True) and meets(binary, "Yes")
    assert not meets(binary, "not met") and not meets(binary, False)
    with pytest.raises(MeasureError):
        meets(binary, "perhaps")
    share = Measure.percentage(80)
    assert meets(share, 80) and meets(share, "85%")
    assert not meets(share, 79.9)
    assert meets(share, 50, target=40)
    with pytest.raises(MeasureError):
        meets(share, 120)


def test_attainment_places_observations_between_zero_and_one():
    assert SLP.attainment("0") == 0.0
    assert SLP.attainment("5") == 1.0
    assert Measure.percentage(50).attainment(25) == 0.25
    assert Measure.binary().attainment("met") == 1.0


def test_a_measure_with_a_threshold_off_its_scale_is_invalid():
    fields = [f for f, _ in Measure.ordinal(["a", "b"], threshold="c").problems()]
    assert fields == ["threshold"]
    assert [f for f, _ in Measure.percentage(None).problems()] == ["threshold"]
    assert [f for f, _ in Measure("scale").problems()] == ["measure"]
    assert [f for f, _ in Measure.ordinal(["a", "a"]).problems()] == ["levels"]


def test_ids_do_not_depend_on_spacing_or_case_of_the_designator():
    assert standard_id("stanag  6001") == standard_id("STANAG 6001")
    given = {"designator": "STANAG 6001", "code": "SLP-S", "text": "x", "measure": "binary"}
    located, problems = read_record(REQUIREMENT, given, file="test")
    assert not problems
    assert requirement_id("Stanag 6001", " SLP-S ") == located.id
