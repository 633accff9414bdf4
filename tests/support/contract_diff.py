"""Compare two OpenAPI documents: what a client written against the older one would lose."""

from __future__ import annotations

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _resolve(document: dict, node: dict) -> dict:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node, seen = target, seen + 1
    return node


def _signature(document: dict, schema: dict) -> object:
    """Return what a generated client relies on in a schema: its types, formats and refs."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return ("ref", schema["$ref"])
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            parts = [_signature(document, part) for part in schema[combinator]]
            return (combinator, tuple(sorted(map(repr, parts))))
    kind = schema.get("type")
    kinds = tuple(sorted(kind)) if isinstance(kind, list) else kind
    items = _signature(document, schema["items"]) if "items" in schema else None
    return (kinds, schema.get("format"), items)


def _compare_schema(old_doc, new_doc, old: dict, new: dict, where: str, found: list) -> None:
    old, new = _resolve(old_doc, old), _resolve(new_doc, new)
    if _signature(old_doc, old) != _signature(new_doc, new):
        found.append(f"{where}: type changed")
        return
    for name, old_property in old.get("properties", {}).items():
        new_property = new.get("properties", {}).get(name)
        if new_property is None:
            found.append(f"{where}.{name}: removed")
            continue
        _compare_schema(old_doc, new_doc, old_property, new_property, f"{where}.{name}", found)
    if "items" in old and "items" in new:
        _compare_schema(old_doc, new_doc, old["items"], new["items"], f"{where}[]", found)


def breaking_changes(old: dict, new: dict) -> list[str]:
    """Return every removal or type change from `old` to `new`; additions are fine."""
    found: list[str] = []
    for path, old_item in old.get("paths", {}).items():
        new_item = new.get("paths", {}).get(path, {})
        for method in METHODS:
            if method not in old_item:
                continue
            label = f"{method.upper()} {path}"
            if method not in new_item:
                found.append(f"{label}: operation removed")
                continue
            _compare_operation(old, new, old_item[method], new_item[method], label, found)
    for name, old_schema in old.get("components", {}).get("schemas", {}).items():
        new_schema = new.get("components", {}).get("schemas", {}).get(name)
        if new_schema is None:
            found.append(f"schema {name}: removed")
        else:
            _compare_schema(old, new, old_schema, new_schema, f"schema {name}", found)
    return found


def _parameters(document: dict, operation: dict) -> dict:
    resolved = (_resolve(document, p) for p in operation.get("parameters", []))
    return {(p["in"], p["name"]): p for p in resolved}


def _compare_operation(old_doc, new_doc, old: dict, new: dict, label: str, found: list) -> None:
    old_params, new_params = _parameters(old_doc, old), _parameters(new_doc, new)
    for key, old_param in old_params.items():
        new_param = new_params.get(key)
        if new_param is None:
            found.append(f"{label}: parameter {key[1]} removed")
            continue
        if new_param.get("required") and not old_param.get("required"):
            found.append(f"{label}: parameter {key[1]} became required")
        _compare_schema(
            old_doc, new_doc, old_param["schema"], new_param["schema"], f"{label} {key[1]}", found
        )
    for key, new_param in new_params.items():
        if key not in old_params and new_param.get("required"):
            found.append(f"{label}: new required parameter {key[1]}")
    for status, old_response in old.get("responses", {}).items():
        new_response = new.get("responses", {}).get(status)
        if new_response is None:
            found.append(f"{label} {status}: response removed")
            continue
        old_response, new_response = (
            _resolve(old_doc, old_response),
            _resolve(new_doc, new_response),
        )
        for media, old_media in old_response.get("content", {}).items():
            new_media = new_response.get("content", {}).get(media)
            if new_media is None:
                found.append(f"{label} {status} {media}: removed")
                continue
            where = f"{label} {status} {media}"
            _compare_schema(
                old_doc,
                new_doc,
                old_media.get("schema", {}),
                new_media.get("schema", {}),
                where,
                found,
            )
        for header in old_response.get("headers", {}):
            if header not in new_response.get("headers", {}):
                found.append(f"{label} {status}: header {header} removed")
