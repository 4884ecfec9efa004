"""Which characters text from outside may hold."""

import pytest

from reparo_shared.text import is_storable


@pytest.mark.parametrize(
    "value",
    ["SN-001", "第一行\r\n第二行\tand a tab", "家人 👨\u200d👩\u200d👧", "مرحبا", ""],
)
def test_ordinary_text_in_any_script_with_line_breaks_and_emoji_is_storable(value: str) -> None:
    assert is_storable(value)


@pytest.mark.parametrize(
    "value",
    ["\x00TX", "bell\x07", "esc\x1b[2J", "del\x7f", "c1\x85", "SN1\u202e9", "x\u2066y", "\ud800"],
)
def test_nul_controls_bidi_overrides_and_lone_surrogates_are_not(value: str) -> None:
    assert not is_storable(value)
