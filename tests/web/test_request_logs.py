"""Request logs never hold an API key, an invitation token or the Authorization header."""

from __future__ import annotations

import logging
import re
import runpy
import secrets
from pathlib import Path

from ringtonic.log_redaction import REQUEST_LOGGERS
from ringtonic.services.keys.api_keys import generate_api_key

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_gunicorn_access_log_has_no_query_string_headers_or_referer():
    log_format = runpy.run_path(str(GUNICORN_CONF))["access_log_format"]
    atoms = set(re.findall(r"%\(([^)]+)\)s", log_format))
    # r: request line with query, q: query, U: path only; {...}i: any request header; f: Referer.
    assert "U" in atoms
    assert not atoms & {"r", "q", "f"}
    assert not any(atom.startswith("{") for atom in atoms)


def test_request_loggers_redact_keys_from_request_lines(app, caplog):
    key = generate_api_key()
    caplog.set_level(logging.INFO)
    for name in REQUEST_LOGGERS:
        # How werkzeug's dev server and gunicorn's error log write a request line.
        logging.getLogger(name).info('"%s" %s %s', f"GET /api/v1/me?api_key={key} HTTP/1.1", 400, 1)
    assert key not in caplog.text
    assert caplog.text.count("/api/v1/me?api_key=ringtonic_[redacted]") == len(REQUEST_LOGGERS)


def test_gunicorn_style_dict_records_are_redacted_too(app, caplog):
    key = generate_api_key()
    caplog.set_level(logging.INFO)
    logging.getLogger("gunicorn.access").info("%(r)s %(s)s", {"r": f"GET /?token={key}", "s": 400})
    assert key not in caplog.text and "/?token=ringtonic_[redacted] 400" in caplog.text


def test_request_loggers_redact_invitation_tokens(app, caplog):
    token = secrets.token_urlsafe(32)
    caplog.set_level(logging.INFO)
    for name in REQUEST_LOGGERS:
        logging.getLogger(name).info('"%s" %s %s', f"POST /invitations/{token} HTTP/1.1", 302, 0)
    logging.getLogger("gunicorn.access").info(
        "%(m)s %(U)s %(s)s", {"m": "GET", "U": f"/invitations/{token}", "s": 200}
    )

    assert token not in caplog.text
    assert caplog.text.count("/invitations/[redacted] HTTP/1.1") == len(REQUEST_LOGGERS)
    assert "GET /invitations/[redacted] 200" in caplog.text


def test_invitation_links_are_redacted_wherever_a_log_shows_them(app, caplog):
    token = secrets.token_urlsafe(32)
    caplog.set_level(logging.INFO)
    logging.getLogger("gunicorn.error").info(
        "sent https://calls.example.com/invitations/%s?utm=mail to new@example.com", token
    )
    assert token not in caplog.text
    assert "https://calls.example.com/invitations/[redacted]?utm=mail" in caplog.text


def test_the_admins_invitation_paths_are_logged_as_they_are(app, caplog):
    caplog.set_level(logging.INFO)
    lines = [
        "POST /settings/team/invitations HTTP/1.1",
        "POST /settings/team/invitations/0b5b3c1e-8a4f-4d55-9d0e-3f1f2f0c9a11/revoke HTTP/1.1",
    ]
    for line in lines:
        logging.getLogger("gunicorn.access").info('"%s" %s', line, 302)
    for line in lines:
        assert f'"{line}" 302' in caplog.text
