"""Request logs never hold an API key or the Authorization header."""

from __future__ import annotations

import logging
import re
import runpy
from pathlib import Path

from ringtonic.api.log_redaction import REQUEST_LOGGERS
from ringtonic.services.api_keys import generate_api_key

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


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
