"""What /docs/api shows about webhooks: verification code in three languages, test vectors.

tests/webhooks/test_webhook_signatures.py runs the Python and Node examples against the
vectors, so the page cannot drift from what deliveries send.
"""

from __future__ import annotations

VECTOR = {
    "secret": "whsec_MfKQ9r8GKYqrTkq0M4Mhzt0sBFhR2wK5u1uXo1wE3qY",
    "timestamp": 1767225600,
    "body": '{"id":"evt_5f2b7c1e9a3d4e6f8a0b1c2d3e4f5a6b","type":"call.completed"}',
    "ringtonic_signature": (
        "t=1767225600,v1=545df35868d2fc5d76e003da735dbbb914556991ac9d1fe80145317b0033593d"
    ),
    "signature": "5c99a08a7646a6ccd94b4db276cf0c8a4df19b030e86fb4f98f9cf97bc2d7685",
}

PYTHON = '''import hashlib
import hmac
import time


def verify(secret: str, header: str, body: bytes, tolerance: int = 300, now=None) -> bool:
    """Return whether the Ringtonic-Signature header signs this raw request body."""
    items = [part.partition("=")[::2] for part in header.split(",")]
    timestamp = next((value for key, value in items if key == "t"), "")
    now = time.time() if now is None else now
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(key == "v1" and hmac.compare_digest(value, expected) for key, value in items)


# Flask: verify(SECRET, request.headers["Ringtonic-Signature"], request.get_data())
'''

NODE = """const crypto = require("crypto");

function verify(secret, header, rawBody, tolerance = 300, now = Date.now() / 1000) {
  const items = header.split(",").map((part) => {
    const at = part.indexOf("=");
    return [part.slice(0, at), part.slice(at + 1)];
  });
  const t = (items.find(([key]) => key === "t") || [])[1] || "";
  if (!/^[0-9]+$/.test(t) || Math.abs(now - Number(t)) > tolerance) return false;
  const expected = Buffer.from(
    crypto.createHmac("sha256", secret).update(t + ".").update(rawBody).digest("hex")
  );
  return items.some(([key, value]) =>
    key === "v1" && value.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(value), expected));
}

// Express: app.post("/hooks", express.raw({ type: "application/json" }), (req, res) =>
//   res.sendStatus(verify(SECRET, req.get("Ringtonic-Signature"), req.body) ? 200 : 400));
module.exports = { verify };
"""

PHP = """<?php
function ringtonic_verify(
    string $secret, string $header, string $rawBody, int $tolerance = 300
): bool {
    $t = null;
    $signatures = [];
    foreach (explode(',', $header) as $part) {
        [$key, $value] = array_pad(explode('=', $part, 2), 2, '');
        if ($key === 't') { $t = $value; } elseif ($key === 'v1') { $signatures[] = $value; }
    }
    if ($t === null || !ctype_digit($t) || abs(time() - (int) $t) > $tolerance) {
        return false;
    }
    $expected = hash_hmac('sha256', $t . '.' . $rawBody, $secret);
    foreach ($signatures as $signature) {
        if (hash_equals($expected, $signature)) { return true; }
    }
    return false;
}

$ok = ringtonic_verify(getenv('RINGTONIC_WEBHOOK_SECRET'),
    $_SERVER['HTTP_RINGTONIC_SIGNATURE'] ?? '', file_get_contents('php://input'));
http_response_code($ok ? 200 : 400);
"""
