"""Hostile input through the Twilio webhooks: signed, so only the content is hostile."""

from __future__ import annotations

import uuid

from tests.hostile.checks import FORMULA, RTL, SCRIPT, exported_safely, stored_call
from tests.hostile.stage import OVER_LIMIT, raw, webhook
from tests.support.telephony_helpers import post_signed, voice_params


def _sid(label: str) -> str:
    return "CA" + uuid.uuid5(uuid.NAMESPACE_URL, label).hex


OTHER_NUMBER = "+15125550999"
WEBHOOK_CASES = [
    webhook("webhook-sid-missing", voice_params(CallSid=""), logs="no valid CallSid"),
    webhook("webhook-sid-nul", voice_params(CallSid="CA\x00" + "a" * 30), logs="no valid CallSid"),
    webhook(
        "webhook-sid-overlong", voice_params(CallSid="CA" + "a" * 200), logs="no valid CallSid"
    ),
    webhook("webhook-sid-sql", voice_params(CallSid="CA' OR '1'='1"), logs="no valid CallSid"),
    webhook(
        "status-sid-html", voice_params(CallSid=SCRIPT), kind="status", logs="no valid CallSid"
    ),
    webhook(
        "webhook-other-number", voice_params(To=OTHER_NUMBER), 200, logs="not a tracking number"
    ),
    webhook(
        "webhook-city-html",
        voice_params(_sid("html"), FromCity=SCRIPT),
        200,
        check=stored_call(_sid("html"), caller_city=SCRIPT),
    ),
    webhook(
        "webhook-city-nul",
        voice_params(_sid("nul"), FromCity="Aus\x00tin"),
        200,
        check=stored_call(_sid("nul"), caller_city="Austin"),
    ),
    webhook(
        "webhook-city-overlong",
        voice_params(_sid("long"), FromCity="x" * 20_000),
        200,
        check=stored_call(_sid("long"), caller_city="x" * 100),
    ),
    webhook(
        "webhook-city-rtl",
        voice_params(_sid("rtl"), FromCity=RTL),
        200,
        # Direction marks and overrides dropped: they would reorder the text around them.
        check=stored_call(_sid("rtl"), caller_city="مكالمات evil.exe"),
    ),
    webhook(
        "webhook-city-invisible-only",
        voice_params(_sid("invisible"), FromCity="\u200b\u202e\u2066\u3164"),
        200,
        check=stored_call(_sid("invisible"), caller_city=""),
    ),
    webhook(
        "webhook-state-zero-width",
        voice_params(_sid("zero-width"), FromState="T\u200bX", FromCity="Aus\u2060tin"),
        200,
        check=stored_call(_sid("zero-width"), caller_state="TX", caller_city="Austin"),
    ),
    webhook(
        "webhook-caller-junk",
        voice_params(_sid("junk"), From="'; DROP TABLE calls; --"),
        200,
        check=stored_call(_sid("junk"), caller_number=""),
    ),
    webhook(
        "webhook-city-formula",
        voice_params(_sid("formula"), FromCity=FORMULA),
        200,
        check=exported_safely(FORMULA),
    ),
    webhook(
        "status-duration-negative",
        voice_params(_sid("neg"), CallStatus="completed", CallDuration="-5"),
        200,
        kind="status",
        check=stored_call(_sid("neg"), duration_seconds=0, status="missed"),
    ),
    webhook(
        "status-duration-huge",
        voice_params(_sid("huge"), CallStatus="completed", CallDuration="9" * 40),
        200,
        kind="status",
        check=stored_call(_sid("huge"), duration_seconds=7 * 24 * 3600, status="answered"),
    ),
    webhook(
        "status-duration-float",
        voice_params(_sid("float"), CallStatus="completed", CallDuration="1e9999"),
        200,
        kind="status",
        check=stored_call(_sid("float"), duration_seconds=0, status="missed"),
    ),
    webhook(
        "status-unknown-status",
        voice_params(_sid("odd"), CallStatus="exploded"),
        200,
        kind="status",
        check=stored_call(_sid("odd"), status="ringing"),
    ),
    raw(
        "webhook-bad-signature",
        "webhook",
        lambda s: s.visitor.post(
            s.voice_path, data=voice_params(), headers={"X-Twilio-Signature": "forged"}
        ),
        403,
    ),
    raw(
        "webhook-unsigned",
        "webhook",
        lambda s: s.visitor.post(s.voice_path, data=voice_params()),
        403,
    ),
    raw(
        "webhook-json-body",
        "webhook",
        lambda s: s.visitor.post(
            s.voice_path, json=voice_params(), headers={"X-Twilio-Signature": "forged"}
        ),
        403,
    ),
    raw(
        "webhook-workspace-junk",
        "webhook",
        lambda s: s.visitor.post("/hooks/twilio/voice/not-a-uuid", data=voice_params()),
        404,
    ),
    raw(
        "webhook-workspace-unknown",
        "webhook",
        lambda s: s.visitor.post(f"/hooks/twilio/voice/{uuid.uuid4()}", data=voice_params()),
        404,
    ),
    raw(
        "webhook-over-limit",
        "webhook",
        lambda s: post_signed(s.visitor, s.voice_path, voice_params(FromCity=OVER_LIMIT)),
        413,
    ),
]
