"""JSON responses read exactly as Flask's own encoder wrote them, whichever encoder runs."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from ringtonic.json_provider import OrjsonProvider


@dataclasses.dataclass
class Place:
    city: str
    calls: int


DOCUMENT = {
    "zeta": 1,
    "alpha": [1.5, 0.1, -3, None, True, False],
    "city": "Mérida, Yucatán — 北京 🚀",
    "when": datetime(2026, 3, 8, 7, 59, 30, tzinfo=UTC),
    "day": date(2026, 11, 27),
    "amount": Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "place": Place("Austin", 3),
    "html": Markup("<b>x</b>"),
    "nested": {"b": {"d": 1, "c": 2}, "a": []},
    "by_hour": {9: "nine", 10: "ten"},
}


def _answer(provider_class, debug: bool = False):
    app = Flask(__name__)
    app.debug = debug
    app.json = provider_class(app)
    with app.app_context():
        return jsonify(DOCUMENT)


def test_the_api_app_encodes_with_orjson(app):
    assert isinstance(app.json, OrjsonProvider)


def test_a_response_parses_to_what_flask_would_have_sent():
    ours, flasks = _answer(OrjsonProvider), _answer(DefaultJSONProvider)

    assert json.loads(ours.get_data()) == json.loads(flasks.get_data())
    assert ours.mimetype == flasks.mimetype == "application/json"


def test_keys_are_sorted_compact_and_the_body_ends_with_a_newline():
    body = _answer(OrjsonProvider).get_data(as_text=True)

    assert body.endswith("}\n") and "\n" not in body[:-1]
    assert body.index('"alpha"') < body.index('"by_hour"') < body.index('"zeta"')
    assert '"nested":{"a":[],"b":{"c":2,"d":1}}' in body


def test_dates_keep_flasks_http_date_form():
    document = json.loads(_answer(OrjsonProvider).get_data())

    assert document["when"] == "Sun, 08 Mar 2026 07:59:30 GMT"
    assert document["day"] == "Fri, 27 Nov 2026 00:00:00 GMT"


def test_debug_responses_are_indented_as_flask_indents_them():
    ours, flasks = _answer(OrjsonProvider, True), _answer(DefaultJSONProvider, True)

    assert ours.get_data(as_text=True).splitlines()[1] == '  "alpha": ['
    assert json.loads(ours.get_data()) == json.loads(flasks.get_data())


def test_what_json_cannot_hold_is_refused_as_flask_refuses_it():
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    with app.app_context(), pytest.raises(TypeError):
        jsonify({"set": object()})


def test_dumps_with_options_uses_the_standard_encoder():
    app = Flask(__name__)
    app.json = OrjsonProvider(app)

    assert app.json.dumps({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    assert app.json.dumps({"a": "é"}, ensure_ascii=True) == '{"a": "\\u00e9"}'
