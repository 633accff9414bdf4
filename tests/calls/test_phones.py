"""Phone number parsing and display."""

import pytest

from ringtonic.services.errors import ValidationError
from ringtonic.services.telephony.phones import (
    caller_number_or_blank,
    format_for_display,
    parse_phone_number,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(512) 555-0147", "+15125550147"),
        ("+1 303 555 0199", "+13035550199"),
        ("1-800-555-0100", "+18005550100"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_parses_numbers_to_e164(raw, e164):
    assert parse_phone_number(raw) == e164


@pytest.mark.parametrize(
    "raw", ["", "hello", "555", "+1 555 555 55555", "x" * 40, "+1 900 555 0100"]
)
def test_refuses_unusable_numbers_naming_the_field(raw):
    with pytest.raises(ValidationError) as error:
        parse_phone_number(raw, field="forwarding_number")
    assert error.value.field == "forwarding_number"


def test_caller_numbers_that_do_not_parse_become_blank():
    assert caller_number_or_blank("Anonymous") == ""
    assert caller_number_or_blank("+15125550147") == "+15125550147"


def test_display_format():
    assert format_for_display("+15125550147") == "(512) 555-0147"
    assert format_for_display("+442079460958") == "+44 20 7946 0958"
    assert format_for_display("") == "Unknown"
