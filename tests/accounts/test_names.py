"""Names people type follow one rule, whatever they name: workspace, campaign, key, company."""

from __future__ import annotations

import pytest

from ringtonic.services.accounts.accounts import check_company_name
from ringtonic.services.accounts.workspaces import check_workspace_name
from ringtonic.services.errors import ValidationError
from ringtonic.services.keys.api_keys import check_key_name
from ringtonic.services.telephony.campaigns import check_campaign_name

CHECKS = [check_company_name, check_key_name, check_campaign_name, check_workspace_name]


@pytest.mark.parametrize("check", CHECKS)
def test_whitespace_is_trimmed_and_runs_of_it_become_one_space(check):
    assert check("  Joe's \t Plumbing\n  Austin ") == "Joe's Plumbing Austin"


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("bad", ["nul\x00", "bell\x07", "escape\x1b[31m", "delete\x7f"])
def test_control_characters_are_refused_everywhere(check, bad):
    with pytest.raises(ValidationError, match="control characters"):
        check(bad)


@pytest.mark.parametrize("check", CHECKS)
def test_an_empty_name_says_what_to_enter(check):
    with pytest.raises(ValidationError, match="^Enter "):
        check(" \t ")


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",  # zero-width space
        "\u200c\u200d\u2060\ufeff",  # joiners, word joiner, BOM
        "\u202e\u2066\u200f",  # right-to-left override, isolate, mark
        "\u3164",  # Hangul filler: a "letter" that draws nothing
        "\u2800 \u115f",  # Braille blank, Hangul choseong filler
        "\u00ad\ufe0f",  # soft hyphen, variation selector
        "\u0301\u0308",  # combining marks with nothing to sit on
    ],
)
def test_names_with_nothing_visible_are_refused_everywhere(check, invisible):
    with pytest.raises(ValidationError, match="must contain a visible letter"):
        check(invisible)


@pytest.mark.parametrize("check", CHECKS)
def test_visible_text_with_direction_marks_is_a_name(check):
    assert check("\u200fمكالمات\u200f") == "\u200fمكالمات\u200f"
