"""Hostile input through the HTML forms and page query strings."""

from __future__ import annotations

import uuid

from tests.hostile.checks import (
    COMBINING,
    EMOJI,
    IMG,
    LONG,
    RTL,
    SCRIPT,
    SQL,
    second_umlaut_name_is_refused,
    shown_escaped,
)
from tests.hostile.stage import OVER_LIMIT, form, page, raw

CAMPAIGNS = "/campaigns"
NUMBERS = "/numbers"
NUMBER = {"number": "+15125550160", "forwarding_number": "+15125550100", "campaign": ""}
WORKSPACES = "/settings/workspaces"
TEAM = "/settings/team/invitations"
TELEPHONY = "/settings/telephony"
KEYS = "/settings/api-keys"
SID = "AC" + "3" * 32
INVISIBLE = "must contain a visible letter, digit or symbol"

FORM_CASES = [
    # Campaigns
    form("campaign-name-overlong", CAMPAIGNS, {"name": LONG}, 400, "at most 100 characters"),
    form("campaign-name-101", CAMPAIGNS, {"name": "n" * 101}, 400, "at most 100 characters"),
    form("campaign-name-nul", CAMPAIGNS, {"name": "Spring\x00mailer"}, 400, "control characters"),
    form("campaign-name-bell", CAMPAIGNS, {"name": "Ring\x07ring"}, 400, "control characters"),
    form("campaign-name-blank", CAMPAIGNS, {"name": " \t \u3000 "}, 400, "Enter a campaign name."),
    form("campaign-name-zero-width", CAMPAIGNS, {"name": "\u200b\u200c\u2060"}, 400, INVISIBLE),
    form("campaign-name-bidi-only", CAMPAIGNS, {"name": "\u202e\u2066\u200f"}, 400, INVISIBLE),
    form("campaign-name-hangul-filler", CAMPAIGNS, {"name": "\u3164\u3164"}, 400, INVISIBLE),
    # The stage's campaign, with a zero-width space and in capitals: the same name.
    form(
        "campaign-name-look-alike",
        CAMPAIGNS,
        {"name": "GOOGLE\u200b BUSINESS PROFILE", "type": "static"},
        400,
        "already exists in this workspace",
    ),
    form("campaign-type-unknown", CAMPAIGNS, {"name": "Ok", "type": "evil"}, 400, "Choose static"),
    form(
        "campaign-rename-nul",
        "/campaigns/{stage.campaign.uuid}",
        {"name": "\x00", "type": "static"},
        400,
        "control characters",
    ),
    form(
        "campaign-name-html",
        CAMPAIGNS,
        {"name": SCRIPT},
        302,
        check=shown_escaped(CAMPAIGNS, SCRIPT),
    ),
    form("campaign-name-sql", CAMPAIGNS, {"name": SQL}, 302, check=shown_escaped(CAMPAIGNS, SQL)),
    form(
        "campaign-name-emoji",
        CAMPAIGNS,
        {"name": EMOJI},
        302,
        check=shown_escaped(CAMPAIGNS, EMOJI),
    ),
    form("campaign-name-rtl", CAMPAIGNS, {"name": RTL}, 302, check=shown_escaped(CAMPAIGNS, RTL)),
    form(
        "campaign-name-combining",
        CAMPAIGNS,
        {"name": COMBINING},
        302,
        check=shown_escaped(CAMPAIGNS, COMBINING),
    ),
    # Tracking numbers
    form(
        "number-letters",
        NUMBERS,
        {**NUMBER, "number": "call me maybe"},
        400,
        "like +1 512 555 0147",
    ),
    form(
        "number-nul",
        NUMBERS,
        {**NUMBER, "number": "+1512\x005550160"},
        400,
        "Enter a phone number like",
    ),
    form(
        "number-overlong", NUMBERS, {**NUMBER, "number": "5" * 5000}, 400, "too long to be a phone"
    ),
    form(
        "number-arabic-digits",
        NUMBERS,
        {**NUMBER, "number": "+١٥١٢٥٥٥٠١٦٠"},
        302,
        check=shown_escaped(NUMBERS, "(512) 555-0160"),
    ),
    form(
        "number-forwards-to-itself",
        NUMBERS,
        {**NUMBER, "forwarding_number": "+15125550160"},
        400,
        "not to the tracking number itself",
    ),
    form(
        "number-friendly-nul",
        NUMBERS,
        {**NUMBER, "friendly_name": "GBP\x00"},
        400,
        "cannot contain control characters",
    ),
    form(
        "number-friendly-invisible",
        NUMBERS,
        {**NUMBER, "friendly_name": "\u2800\u200b"},
        400,
        INVISIBLE,
    ),
    form(
        "number-source-overlong", NUMBERS, {**NUMBER, "source": LONG}, 400, "at most 100 characters"
    ),
    form(
        "number-campaign-junk",
        NUMBERS,
        {**NUMBER, "campaign": "../../etc/passwd"},
        400,
        "Choose a campaign from the list.",
    ),
    form(
        "number-campaign-unknown",
        NUMBERS,
        {**NUMBER, "campaign": str(uuid.uuid4())},
        400,
        "Choose a campaign from the list.",
    ),
    form(
        "number-source-html",
        NUMBERS,
        {**NUMBER, "source": IMG},
        302,
        check=shown_escaped(NUMBERS, IMG),
    ),
    # Workspaces
    form(
        "workspace-name-overlong",
        WORKSPACES,
        {"name": LONG, "time_zone": "UTC"},
        400,
        "at most 100 characters",
    ),
    form(
        "workspace-name-nul",
        WORKSPACES,
        {"name": "A\x00B", "time_zone": "UTC"},
        400,
        "control characters",
    ),
    form(
        "workspace-name-invisible",
        WORKSPACES,
        {"name": "\u200b \u2061\ufe0f", "time_zone": "UTC"},
        400,
        INVISIBLE,
    ),
    # The stage's workspace in fullwidth capitals: NFKC makes it the same name.
    form(
        "workspace-name-fullwidth-look-alike",
        WORKSPACES,
        {"name": "ＨＯＳＴＩＬＥ ＡＧＥＮＣＹ", "time_zone": "UTC"},
        400,
        "A workspace with this name already exists.",
    ),
    form(
        "workspace-name-umlaut-twice",
        WORKSPACES,
        {"name": "ÄRZTE KÖLN", "time_zone": "UTC"},
        302,
        check=second_umlaut_name_is_refused,
    ),
    form(
        "workspace-zone-unknown",
        WORKSPACES,
        {"name": "Mars", "time_zone": "Mars/Olympus"},
        400,
        "Choose a time zone",
    ),
    form(
        "workspace-zone-traversal",
        WORKSPACES,
        {"name": "Dots", "time_zone": "../../etc/passwd"},
        400,
        "Choose a time zone",
    ),
    form(
        "workspace-name-emoji",
        WORKSPACES,
        {"name": "🦷 Smile Dental", "time_zone": "UTC"},
        302,
        check=shown_escaped(WORKSPACES, "🦷 Smile Dental"),
    ),
    # Team invitations
    form(
        "invite-email-junk",
        TEAM,
        {"email": "not-an-email", "role": "member"},
        400,
        "Enter a valid email address",
    ),
    form(
        "invite-email-header-injection",
        TEAM,
        {"email": "a@example.com\r\nBcc: all@evil.example", "role": "member"},
        400,
        "Enter a valid email address",
    ),
    form(
        "invite-email-overlong",
        TEAM,
        {"email": "a" * 300 + "@example.com", "role": "member"},
        400,
        "Email address is too long.",
    ),
    form(
        "invite-email-nul",
        TEAM,
        {"email": "a\x00@example.com", "role": "member"},
        400,
        "Enter a valid email address",
    ),
    form(
        "invite-role-unknown",
        TEAM,
        {"email": "new@example.com", "role": "owner"},
        400,
        "Choose a role: admin, manager, member.",
    ),
    # Telephony
    form(
        "telephony-sid-sql",
        TELEPHONY,
        {"account_sid": "AC' OR 1=1 --", "auth_token": "a" * 32},
        400,
        "Enter the Account SID",
    ),
    form(
        "telephony-token-overlong",
        TELEPHONY,
        {"account_sid": SID, "auth_token": LONG},
        400,
        "Enter the Auth Token",
    ),
    form(
        "telephony-token-nul",
        TELEPHONY,
        {"account_sid": SID, "auth_token": "a" * 31 + "\x00"},
        400,
        "Enter the Auth Token",
    ),
    # API keys
    form(
        "key-name-overlong", KEYS, {"name": LONG, "access": "read"}, 400, "at most 100 characters"
    ),
    form(
        "key-name-control",
        KEYS,
        {"name": "CRM\x1bsync", "access": "read"},
        400,
        "control characters",
    ),
    form("key-name-invisible", KEYS, {"name": "\u115f\u1160", "access": "read"}, 400, INVISIBLE),
    form(
        "key-access-unknown",
        KEYS,
        {"name": "CRM", "access": "admin"},
        400,
        "Choose Read only or Read and write.",
    ),
    form(
        "key-name-emoji",
        KEYS,
        {"name": "📞 CRM sync", "access": "read"},
        201,
        check=shown_escaped(KEYS, "📞 CRM sync"),
    ),
    # Query strings of pages
    page("calls-date-junk", "/calls?start_date=yesterday", 400, "Enter a date like 2024-03-31."),
    page(
        "calls-date-impossible",
        "/calls?start_date=2024-02-30",
        400,
        "Enter a date like 2024-03-31.",
    ),
    page("calls-date-far-future", "/calls?end_date=9999-01-01", 400, "Enter a date between"),
    page(
        "calls-dates-reversed",
        "/calls?start_date=2024-05-02&end_date=2024-05-01",
        400,
        "on or after the start date",
    ),
    page(
        "calls-campaign-not-uuid",
        "/calls?campaign=1%20OR%201=1",
        400,
        "No such campaign in this workspace.",
    ),
    page("calls-status-html", "/calls?status=%3Cscript%3E", 400, "Choose a status from the list."),
    page("calls-cursor-junk", "/calls?cursor=%00%FF", 400, "This page link is out of date."),
    page(
        "calls-cursor-unicode", "/calls?cursor=%F0%9F%93%9E", 400, "This page link is out of date."
    ),
    # Bodies over the configured limit, and bodies of the wrong type
    raw(
        "form-over-limit",
        "form",
        lambda s: s.client.post(
            CAMPAIGNS,
            data={"csrf_token": s.token, "form_workspace": s.workspace_field, "name": OVER_LIMIT},
        ),
        413,
        "larger than this server accepts",
    ),
    raw(
        "form-as-json",
        "form",
        lambda s: s.client.post(CAMPAIGNS, json={"name": "JSON"}, headers={"X-CSRFToken": s.token}),
        415,
        "Forms must be sent as form data",
    ),
    raw(
        "form-as-typed-json",
        "form",
        lambda s: s.client.post(
            CAMPAIGNS, json={"name": {"$ne": 1}}, headers={"X-CSRFToken": s.token}
        ),
        415,
        "Forms must be sent as form data",
    ),
    raw(
        "form-as-malformed-json",
        "form",
        lambda s: s.client.post(
            CAMPAIGNS,
            data='{"name": ',
            content_type="application/json",
            headers={"X-CSRFToken": s.token},
        ),
        415,
        "Forms must be sent as form data",
    ),
    raw(
        "form-as-text",
        "form",
        lambda s: s.client.post(
            CAMPAIGNS, data="name=Text", content_type="text/plain", headers={"X-CSRFToken": s.token}
        ),
        415,
        "not text/plain",
    ),
    # The workspace a form was shown for (hidden form_workspace): anything but the current
    # one changes nothing, and the next page says why.
    *[
        form(
            f"form-workspace-{label}-{where}",
            path,
            {**fields, "form_workspace": value},
            200,
            "for a workspace you cannot work in now",
            follow=True,
        )
        for label, value in (
            ("unknown", str(uuid.UUID(int=7))),
            ("junk", "../../workspaces/1"),
            ("sql", SQL),
            ("html", SCRIPT),
            ("overlong", LONG),
            ("nul", "\x00"),
        )
        for where, path, fields in (
            ("telephony", TELEPHONY, {"account_sid": SID, "auth_token": "f" * 32}),
            ("api-key", KEYS, {"name": "Stale tab", "access": "read_write"}),
        )
    ],
    *[
        form(
            f"form-workspace-missing-{label}-{path.strip('/')}",
            path,
            {"name": "No workspace", "form_workspace": value},
            200,
            "did not say which workspace it was for",
            follow=True,
        )
        for label, value in (("blank", ""), ("spaces", "   "))
        for path in (CAMPAIGNS, NUMBERS)
    ],
    form(
        "form-workspace-uppercase-is-the-same",
        CAMPAIGNS,
        {"name": "Upper-case id", "form_workspace": lambda s: s.workspace_field.upper()},
        302,
        check=shown_escaped(CAMPAIGNS, "Upper-case id"),
    ),
    # Settings → Recordings and Settings → Alerts
    *[
        form(f"retention-{label}", "/settings/recordings", {"retention": value}, 400, msg)
        for label, value, msg in (
            ("unknown", "30", "Choose 90 days, 1 year or forever."),
            ("sql", SQL, "Choose 90 days, 1 year or forever."),
            ("html", SCRIPT, "Choose 90 days, 1 year or forever."),
            ("nul", "90\x00", "Choose 90 days, 1 year or forever."),
            ("missing", "", "Choose 90 days, 1 year or forever."),
        )
    ],
    form(
        "alerts-stale-workspace",
        "/settings/alerts",
        {"missed_call": "y", "form_workspace": str(uuid.UUID(int=7))},
        200,
        "Nothing was changed",
        follow=True,
    ),
]
