"""Hostile input through call handling: blocked numbers, spam, call flows and their webhooks."""

from __future__ import annotations

from tests.hostile.api_v1_cases import patch_case
from tests.hostile.checks import SCRIPT
from tests.hostile.stage import OVER_LIMIT, form, webhook
from tests.support.flow_requests import recording_status, transcription

BLOCKED = "/settings/blocked-numbers"
ACCOUNT_BLOCKED = "/settings/blocked-numbers/account"
FLOW = "/campaigns/{stage.campaign.uuid}/call-flow"
SPAM = "/calls/{stage.call.uuid}/spam"
SID = "CA" + "9" * 32
NOT_A_NUMBER = "Enter a phone number like"

HANDLING_CASES = [
    form("block-number-script", BLOCKED, {"number": SCRIPT, "reason": "spam"}, 400, NOT_A_NUMBER),
    form("block-number-sql", BLOCKED, {"number": "1' OR '1'='1", "reason": "spam"}, 400),
    form("block-number-overlong", BLOCKED, {"number": "5" * 5000, "reason": "spam"}, 400),
    form("block-number-nul", BLOCKED, {"number": "512\x00555 0199", "reason": "spam"}, 400),
    form(
        "block-reason-unknown",
        BLOCKED,
        {"number": "+15125550199", "reason": "DROP TABLE"},
        400,
        "Choose a reason from the list.",
    ),
    form(
        "block-note-overlong",
        BLOCKED,
        {"number": "+15125550199", "reason": "other", "note": "n" * 500},
        400,
        "Keep the note under 200 characters.",
    ),
    form("block-account-junk", ACCOUNT_BLOCKED, {"account-number": SCRIPT}, 400, NOT_A_NUMBER),
    form("block-body-oversized", BLOCKED, {"number": OVER_LIMIT}, 413),
    form(
        "flow-hours-junk",
        FLOW,
        {"hours_enabled": "y", "hours_mon": "<script>"},
        400,
        "Write hours like",
    ),
    form("flow-hours-backwards", FLOW, {"hours_mon": "17:00-09:00"}, 400, "after its opening time"),
    form("flow-hours-25", FLOW, {"hours_tue": "09:00-25:00"}, 400, "Times run from 00:00"),
    form("flow-closed-day-junk", FLOW, {"closed_days": "2026-13-45"}, 400, "is not a date"),
    form(
        "flow-after-hours-number-junk",
        FLOW,
        {"hours_enabled": "y", "after_hours_action": "forward", "after_hours_number": SCRIPT},
        400,
        NOT_A_NUMBER,
    ),
    form(
        "flow-after-hours-action-junk",
        FLOW,
        {"after_hours_action": "hangup-on-everyone"},
        400,
        "Choose forward or voicemail.",
    ),
    form("flow-consent-overlong", FLOW, {"consent_text": "c" * 400}, 400, "under 300 characters"),
    form("flow-body-oversized", FLOW, {"gate_prompt": OVER_LIMIT}, 413),
    form("spam-flag-junk", SPAM, {"spam": "maybe"}, 200, "That did not work", follow=True),
    patch_case("api-patch-spam-string", 400, "validation_error", {"spam": "true"}),
    patch_case("api-patch-spam-number", 400, "validation_error", {"spam": 1}),
    patch_case("api-patch-spam-object", 400, "validation_error", {"spam": {"$ne": False}}),
    webhook(
        "recording-sid-junk",
        {**recording_status(SID, 1, 5), "RecordingSid": SCRIPT},
        kind="recording",
        logs="no valid RecordingSid",
    ),
    webhook(
        "recording-url-javascript",
        {**recording_status(SID, 1, 5), "RecordingUrl": "javascript:alert(1)"},
        200,
        kind="recording",
        logs="not a tracking number",
    ),
    webhook(
        "transcription-sid-missing",
        {**transcription(SID, 1, SCRIPT), "RecordingSid": ""},
        kind="transcription",
        logs="no valid RecordingSid",
    ),
    webhook("gate-sid-junk", {"CallSid": SCRIPT, "Digits": "1"}, kind="gate", logs="CallSid"),
]
