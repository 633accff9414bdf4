"""Turn the OpenAPI document into what the /docs/api page shows for each operation."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from markupsafe import Markup, escape

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_CODE_SPAN = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Parameter:
    """One row of an operation's parameters table."""

    name: str
    location: str
    type: str
    required: bool
    description: Markup


@dataclass(frozen=True)
class ResponseSummary:
    """One status an operation answers with, and what it means."""

    status: str
    description: Markup
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    """Everything the reference shows for one method on one path."""

    anchor: str
    method: str
    path: str
    summary: str
    description: Markup
    public: bool
    parameters: tuple[Parameter, ...]
    responses: tuple[ResponseSummary, ...]
    example_response: str
    curl: str


@dataclass(frozen=True)
class Section:
    """A tag of the document: its operations under one heading."""

    anchor: str
    name: str
    description: Markup
    operations: tuple[Operation, ...]


def inline_code(text: str) -> Markup:
    """Escape `text` and show its `backtick` spans as code, the only markup descriptions use."""
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))


def resolve(document: dict, node: dict) -> dict:
    """Follow a local $ref ("#/components/...") to what it names."""
    while "$ref" in node:
        target: dict = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def describe_type(schema: dict) -> str:
    """Say in words what values a parameter schema accepts."""
    if "anyOf" in schema:
        return " or ".join(describe_type(option) for option in schema["anyOf"])
    if "enum" in schema:
        text = "one of " + ", ".join(str(v) for v in schema["enum"])
    else:
        text = schema.get("format") or schema.get("type", "any")
        if "minimum" in schema and "maximum" in schema:
            text += f", {schema['minimum']}–{schema['maximum']}"
    if "default" in schema:
        text += f"; default {schema['default']}"
    return text


def _example_value(document: dict, media: dict) -> object:
    if "example" in media:
        return media["example"]
    first = next(iter(media.get("examples", {}).values()), None)
    return resolve(document, first)["value"] if first else None


def _example_response(document: dict, responses: dict) -> str:
    content = resolve(document, responses["200"]).get("content", {})
    if "application/json" in content:
        return json.dumps(
            _example_value(document, content["application/json"]), indent=2, ensure_ascii=False
        )
    return ""


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def curl_command(document: dict, server_url: str, method: str, path: str, operation: dict) -> str:
    """Return a curl command that runs the operation with its example values."""
    values = {}
    query = {}
    for parameter in operation.get("parameters", []):
        example = parameter.get("example")
        if example is None:
            continue
        if parameter["in"] == "path":
            values[parameter["name"]] = example
        elif parameter["in"] == "query":
            query[parameter["name"]] = example
    url = server_url + path.format(**values)
    if query:
        url += "?" + urlencode(query, safe="/")
    lines = []
    if operation.get("security") != []:
        lines.append('-H "Authorization: Bearer $RINGTONIC_API_KEY"')
    lines.append('-H "Accept: application/json"')
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        lines.append('-H "Content-Type: application/json"')
        lines.append("-d " + _shell_quote(json.dumps(_example_value(document, body))))
    lines.append(f'"{url}"')
    command = "curl" if method == "get" else f"curl -X {method.upper()}"
    lines[0] = f"{command} {lines[0]}"
    return " \\\n  ".join(lines)


def _problem_codes(response: dict) -> tuple[str, ...]:
    media = response.get("content", {}).get("application/problem+json", {})
    return tuple(media.get("examples", {}))


def _operation(
    document: dict, servers: tuple[str, str], method: str, path: str, raw: dict
) -> Operation:
    server_url, curl_server = servers
    parameters = tuple(
        Parameter(
            name=p["name"],
            location=p["in"],
            type=describe_type(p["schema"]),
            required=p.get("required", False),
            description=inline_code(p.get("description", "")),
        )
        for p in (resolve(document, p) for p in raw.get("parameters", []))
    )
    responses = tuple(
        ResponseSummary(status, inline_code(response["description"]), _problem_codes(response))
        for status, response in (
            (status, resolve(document, r)) for status, r in raw["responses"].items()
        )
    )
    return Operation(
        anchor=raw["operationId"],
        method=method.upper(),
        path=urlsplit(server_url).path + path,
        summary=raw["summary"],
        description=inline_code(raw.get("description", "")),
        public=raw.get("security") == [],
        parameters=parameters,
        responses=responses,
        example_response=_example_response(document, raw["responses"]),
        curl=curl_command(document, curl_server, method, path, raw),
    )


def rate_limit_headers(document: dict) -> list[tuple[str, Markup]]:
    """Return the rate-limit headers the document describes, with what each says."""
    return [
        (name, inline_code(header["description"]))
        for name, header in document["components"]["headers"].items()
        if "RateLimit" in name or name == "Retry-After"
    ]


def api_reference(document: dict, curl_base: str | None = None) -> list[Section]:
    """Group the document's operations by tag, in the document's tag order.

    The curl lines start with `curl_base` (a URL or a shell variable) when given, else
    with the document's server URL.
    """
    server_url = document["servers"][0]["url"]
    curl_server = server_url if curl_base is None else curl_base + urlsplit(server_url).path
    by_tag: dict[str, list[Operation]] = {tag["name"]: [] for tag in document.get("tags", [])}
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                raw = item[method]
                tag = (raw.get("tags") or ["Other"])[0]
                by_tag.setdefault(tag, []).append(
                    _operation(document, (server_url, curl_server), method, path, raw)
                )
    descriptions = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    return [
        Section(
            anchor="tag-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
            name=name,
            description=inline_code(descriptions.get(name, "")),
            operations=tuple(operations),
        )
        for name, operations in by_tag.items()
        if operations
    ]
