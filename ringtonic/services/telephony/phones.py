"""Phone numbers: parsing, validation and display, through the `phonenumbers` library."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ringtonic.services.errors import ValidationError

DEFAULT_REGION = "US"
# Numbers people can call and be forwarded to. Toll-free counts: many tracking numbers are.
DIALABLE_TYPES = frozenset(
    {
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.VOIP,
    }
)

# What arrives instead of a number when the caller withheld it: the words carriers and
# exports use, and Twilio's placeholder numbers for anonymous (+266696687), unknown
# (+86282452253) and unavailable (+8656696) callers. They are not callers' numbers:
# +266 and +86 would otherwise read as calls from Lesotho and China.
WITHHELD_CALLER_IDS = frozenset(
    {
        "",
        "anonymous",
        "restricted",
        "unknown",
        "private",
        "blocked",
        "withheld",
        "unavailable",
        "+266696687",
        "+86282452253",
        "+8656696",
    }
)
_NUMBER_PUNCTUATION = re.compile(r"[\s().-]")


def is_withheld_caller(raw: str) -> bool:
    """Return whether a caller ID is one of the stand-ins for a withheld number."""
    return _NUMBER_PUNCTUATION.sub("", raw or "").lower() in WITHHELD_CALLER_IDS


def parse_phone_number(raw: str, field: str = "number", region: str = DEFAULT_REGION) -> str:
    """Return the number in E.164 form, or raise ValidationError naming `field`."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Enter a phone number.", field)
    if len(text) > 32:
        raise ValidationError("That is too long to be a phone number.", field)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "Enter a phone number like +1 512 555 0147 or (512) 555-0147.", field
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError("That is not a valid phone number.", field)
    if phonenumbers.number_type(parsed) not in DIALABLE_TYPES:
        raise ValidationError(
            "Use a landline, mobile or toll-free number (not a pager or premium number).", field
        )
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def caller_number_or_blank(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return a caller's number in E.164 when it parses, else "" (withheld, anonymous)."""
    if is_withheld_caller(raw):
        return ""
    try:
        parsed = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def format_for_display(e164: str) -> str:
    """Return a number formatted for people: national for US numbers, international otherwise."""
    if not e164:
        return "Unknown"
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    style = (
        PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(parsed) == DEFAULT_REGION
        else PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)
