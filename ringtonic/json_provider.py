"""JSON responses encoded by orjson, with the same output rules as Flask's own provider.

A geo-data answer is about 30 kB and a monthly series since 2000 about 60 kB: the
standard library's encoder took longer over them than the database took to count the
calls. What clients read does not change: keys stay sorted, documents stay compact
(indented in debug mode, as Flask does) and end with a newline, dates still become HTTP
dates. Only non-ASCII text is now sent as UTF-8 instead of \\u escapes, which any JSON
parser reads as the same string.
"""

from __future__ import annotations

import dataclasses
import decimal
import uuid
from datetime import date
from typing import Any, cast

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.http import http_date

# Sorted keys as Flask sorts them; str() for non-string keys as json.dumps does; dates
# handed to `_default` so they keep Flask's HTTP-date form rather than orjson's ISO form.
OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _default(value: Any) -> Any:
    """Encode what orjson leaves to us exactly as Flask's provider would."""
    if isinstance(value, date):
        return http_date(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson doing the encoding."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Encode `obj`; callers asking for json.dumps options get the standard encoder."""
        if kwargs:
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=_default, option=OPTIONS).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Build a JSON response (what `jsonify` returns) without a detour through str."""
        obj = self._prepare_response_obj(args, kwargs)
        option = OPTIONS
        if self.compact is False or (self.compact is None and self._app.debug):
            option |= orjson.OPT_INDENT_2
        body = orjson.dumps(obj, default=_default, option=option | orjson.OPT_APPEND_NEWLINE)
        # The provider is only ever installed on a Flask app (create_app), whose
        # response_class is Flask's Response; the sans-IO base class types it wider.
        app = cast(Flask, self._app)
        return app.response_class(body, mimetype=self.mimetype)
