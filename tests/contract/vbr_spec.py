"""Contract checking against the vendor's OpenAPI 3.0 description of the VBR REST API 1.3-rev1.

The description lives outside the repository, at ``<repo root>/../shared/reference/``.
:class:`VBRSpec` loads it once, turns its schemas into a document plain ``jsonschema`` can
validate (OpenAPI's ``discriminator`` becomes a custom keyword, ``nullable`` becomes a ``null``
type, ``$ref`` targets become absolute), and validates request and response bodies, query and
header parameters and status codes against it.  Every ``validate_*`` method raises an
``AssertionError`` listing every violation with its JSON path; the matching ``*_violations``
methods return the same messages as a list instead.
"""

from __future__ import annotations

import copy
import functools
import html
import json
import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import parse_qs, urlsplit

import referencing
import referencing.jsonschema
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.validators import extend

__all__ = [
    "BUILTIN_ROLES",
    "NO_BODY",
    "SPEC_FILENAME",
    "Operation",
    "Parameter",
    "SpecMissingError",
    "VBRSpec",
    "parse_roles",
    "repo_root",
    "spec_path",
]

SPEC_FILENAME: Final = "vbr-rest-1.3-rev1-restore.json"
_BASE_URI: Final = "urn:drflow:vbr-rest-1.3-rev1"

#: The built-in VBR roles named in the description's "Available to" lines.
BUILTIN_ROLES: Final = frozenset(
    {
        "Veeam Backup Administrator",
        "Veeam Backup Operator",
        "Veeam Restore Operator",
        "Veeam Tape Operator",
        "Veeam Backup Viewer",
        "Veeam Security Administrator",
    }
)

RolesScope = Literal["listed", "builtin", "all", "unspecified"]


class _NoBody:
    """Sentinel: the message has no body at all (as opposed to a JSON ``null``)."""

    _instance: _NoBody | None = None

    def __new__(cls) -> _NoBody:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_BODY"

    def __bool__(self) -> bool:
        return False


#: Pass as ``body`` for a message without a body.  ``None`` and ``b""`` mean the same.
NO_BODY: Final = _NoBody()


class SpecMissingError(AssertionError):
    """The shared reference description is not where the tests expect it."""


# --------------------------------------------------------------------------- locating the file


def repo_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: this file) holding pyproject.toml."""
    here = (start or Path(__file__)).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    raise SpecMissingError(f"no pyproject.toml above {here}: cannot locate the repository root")


def spec_path() -> Path:
    """``<repo root>/../shared/reference/vbr-rest-1.3-rev1-restore.json``."""
    return (repo_root() / ".." / "shared" / "reference" / SPEC_FILENAME).resolve()


# --------------------------------------------------------------------------- roles

_AVAILABLE_TO = re.compile(r"\*\*\s*Available to\s*\*\*\s*:?\s*(?P<text>.*)", re.IGNORECASE)


def parse_roles(description: str) -> tuple[frozenset[str], RolesScope, str]:
    """Parse the "Available to" line of an operation description.

    Returns ``(roles, scope, raw_text)``.  Variants found in the 1.3-rev1 file:

    * ``Veeam Backup Administrator, Veeam Restore Operator.`` → those roles, scope ``listed``;
    * ``All built-in user roles. Authentication with custom roles is not allowed.`` →
      :data:`BUILTIN_ROLES`, scope ``builtin``;
    * ``All user roles.`` → :data:`BUILTIN_ROLES`, scope ``all`` (custom roles too).

    The line may be wrapped in ``<p>`` tags, use ``&#58;`` for the colon and carry a stray
    trailing ``"``.  No line at all gives ``(frozenset(), "unspecified", "")``.
    """
    text = html.unescape(description or "")
    text = re.sub(r"<[^>]*>", "\n", text)
    match = _AVAILABLE_TO.search(text)
    if match is None:
        return frozenset(), "unspecified", ""
    raw = match.group("text").strip().strip('"').strip()
    # Role names contain no full stop: the first one ends the list (and drops the
    # "Authentication with custom roles is not allowed." remark after "All built-in user roles").
    listing = raw.split(".", 1)[0].strip().strip('"').strip()
    folded = re.sub(r"\s+", " ", listing).lower()
    if folded in {"all built-in user roles", "all built-in roles"}:
        return BUILTIN_ROLES, "builtin", raw
    if folded in {"all user roles", "all roles"}:
        return BUILTIN_ROLES, "all", raw
    names = (re.sub(r"\s+", " ", n).strip() for n in re.split(r",|\band\b", listing))
    return frozenset(n for n in names if n), "listed", raw


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True, eq=False)
class Parameter:
    name: str
    location: str  # "path", "query", "header", "cookie"
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class Operation:
    """One operation of the description.  Schemas are the raw OpenAPI ones (with ``$ref``)."""

    method: str
    path_template: str
    operation_id: str
    request_schema: Mapping[str, Any] | None
    responses: Mapping[str, Mapping[str, Any] | None]
    roles: frozenset[str]
    roles_scope: RolesScope = "listed"
    roles_text: str = ""
    request_content_types: tuple[str, ...] = ()
    request_required: bool = False
    response_content_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()
    summary: str = ""
    tags: tuple[str, ...] = ()

    @property
    def allows_custom_roles(self) -> bool:
        return self.roles_scope == "all"

    @property
    def is_form(self) -> bool:
        return "application/x-www-form-urlencoded" in self.request_content_types

    def __repr__(self) -> str:
        return f"<Operation {self.method} {self.path_template} ({self.operation_id})>"


# --------------------------------------------------------------------------- schema transform

_OPENAPI_ONLY = frozenset(
    {
        "nullable",
        "discriminator",
        "readOnly",
        "writeOnly",
        "example",
        "examples",
        "xml",
        "externalDocs",
        "deprecated",
    }
)
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_SINGLE = ("items", "additionalProperties", "not", "additionalItems")


def _absolute(ref: str) -> str:
    return _BASE_URI + ref if ref.startswith("#") else ref


def _to_jsonschema(node: Any) -> Any:
    """Turn an OpenAPI 3.0 schema object into a Draft 4 schema (plus ``x-discriminator``)."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # OpenAPI 3.0: siblings of $ref are ignored
        out: dict[str, Any] = {"$ref": _absolute(node["$ref"])}
        return {"anyOf": [{"type": "null"}, out]} if node.get("nullable") is True else out
    out = {}
    for key, value in node.items():
        if key in _OPENAPI_ONLY or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _to_jsonschema(v) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_to_jsonschema(v) for v in value]
        elif key in _SCHEMA_SINGLE and isinstance(value, dict):
            out[key] = _to_jsonschema(value)
        else:
            out[key] = copy.deepcopy(value)

    discriminator = node.get("discriminator")
    variants = node.get("oneOf") or node.get("anyOf")
    if isinstance(discriminator, dict) and variants:
        mapping = {k: _absolute(v) for k, v in (discriminator.get("mapping") or {}).items()}
        if not mapping:  # implicit mapping: the variant schemas' names
            for variant in variants:
                ref = variant.get("$ref", "")
                if ref.startswith("#/components/schemas/"):
                    mapping[ref.rsplit("/", 1)[1]] = _absolute(ref)
        out.pop("oneOf" if "oneOf" in node else "anyOf", None)
        out["x-discriminator"] = {
            "propertyName": discriminator["propertyName"],
            "mapping": mapping,
        }

    if node.get("nullable") is True:
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"] if "null" not in types else types
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _discriminator_keyword(validator, spec, instance, schema) -> Iterator[ValidationError]:
    """Validate ``instance`` against the one variant its discriminator value maps to."""
    if not validator.is_type(instance, "object"):
        return
    name = spec["propertyName"]
    mapping: dict[str, str] = spec["mapping"]
    if name not in instance:
        if name not in schema.get("required", ()):
            yield ValidationError(f"discriminator property {name!r} is missing")
        return
    value = instance[name]
    target = mapping.get(value) if isinstance(value, str) else None
    if target is None:
        yield ValidationError(
            f"{value!r} is not a known {name!r} discriminator value "
            f"(mapping: {', '.join(sorted(mapping))})",
            path=[name],
        )
        return
    yield from validator.descend(instance, {"$ref": target})


_Validator = extend(Draft4Validator, {"x-discriminator": _discriminator_keyword})

# ----------------------------------------------------------------------------- formats

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$")


def _is_uuid(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not _UUID.match(instance):
        return False
    uuid.UUID(instance)
    return True


def _is_date_time(instance: object) -> bool:
    """RFC 3339 ``date-time``: full date, ``T``, time with seconds, and a mandatory offset."""
    if not isinstance(instance, str):
        return True
    if not _RFC3339.match(instance):
        return False
    normalised = instance.upper()
    if normalised.endswith("Z"):
        normalised = normalised[:-1] + "+00:00"
    try:
        datetime.fromisoformat(normalised)
    except ValueError:
        return False
    return True


def _int_range(bits: int):
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def check(instance: object) -> bool:
        if isinstance(instance, bool) or not isinstance(instance, int):
            return True
        return low <= instance <= high

    return check


def _format_checker() -> FormatChecker:
    # Built from scratch (not jsonschema's defaults) so the checks do not depend on which optional
    # packages (rfc3339-validator, ...) happen to be installed.
    checker = FormatChecker(formats=())
    checker.checks("uuid")(_is_uuid)
    checker.checks("date-time")(_is_date_time)
    checker.checks("int32")(_int_range(32))
    checker.checks("int64")(_int_range(64))
    return checker


# ----------------------------------------------------------------------------- messages

_MAX_MESSAGE = 240


def _json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += f".{part}"
        else:
            out += f"[{str(part)!r}]"
    return out


def _render(error: ValidationError) -> str:
    parts = list(error.absolute_path)
    message = error.message
    if error.validator == "required":
        missing = re.match(r"^(['\"])(.*)\1 is a required property$", message)
        if missing:
            return f"{_json_path([*parts, missing.group(2)])}: required property is missing"
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    return f"{_json_path(parts)}: {message}"


def _sorted_errors(errors: Iterable[ValidationError]) -> list[str]:
    rendered = [_render(e) for e in errors]
    return sorted(dict.fromkeys(rendered))


def _fail(context: str, violations: list[str]) -> None:
    if violations:
        lines = "\n".join(f"  - {v}" for v in violations)
        raise AssertionError(f"{context}: {len(violations)} contract violation(s)\n{lines}")


# ----------------------------------------------------------------------------- the spec


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _is_empty(body: Any) -> bool:
    return body is None or body is NO_BODY or (isinstance(body, bytes | str) and not body)


def _status_keys(status: int | str) -> list[str]:
    text = str(status)
    return [text, f"{text[0]}XX", "default"]


class VBRSpec:
    """The VBR REST 1.3-rev1 description, ready to validate messages against.

    Use :meth:`load` (cached) rather than the constructor.
    """

    def __init__(self, document: Mapping[str, Any], source: Path | None = None) -> None:
        self.document = document
        self.source = source
        components = document.get("components", {})
        self._raw_schemas: Mapping[str, Any] = components.get("schemas", {})
        self._schemas_doc = {
            "components": {"schemas": {k: _to_jsonschema(v) for k, v in self._raw_schemas.items()}}
        }
        resource = referencing.Resource(
            contents=self._schemas_doc, specification=referencing.jsonschema.DRAFT4
        )
        self._registry = referencing.Registry().with_resource(_BASE_URI, resource)
        self._format_checker = _format_checker()
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._operations = tuple(self._build_operations())
        self._routes = [(self._compile_template(op.path_template), op) for op in self._operations]

    # ---- loading

    @classmethod
    def load(cls, path: Path | str | None = None) -> VBRSpec:
        """Load (once per path) the description; default :func:`spec_path`."""
        return _load(str(Path(path).resolve() if path else spec_path()))

    # ---- resolving

    def resolve_ref(self, ref: str) -> Any:
        """Resolve a local ``#/...`` JSON pointer in the raw document."""
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: Any = self.document
        for raw in ref[2:].split("/"):
            node = node[raw.replace("~1", "/").replace("~0", "~")]
        return node

    def _deref(self, node: Any) -> Any:
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise ValueError(f"reference cycle at {ref}")
            seen.add(ref)
            node = self.resolve_ref(ref)
        return node

    # ---- operations

    def _build_operations(self) -> Iterator[Operation]:
        for template, item in self.document.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method not in {"get", "put", "post", "delete", "patch", "head", "options"}:
                    continue
                params: dict[tuple[str, str], Parameter] = {}
                for raw in [*shared, *op.get("parameters", [])]:
                    p = self._deref(raw)
                    params[(p["in"], p["name"])] = Parameter(
                        name=p["name"],
                        location=p["in"],
                        required=bool(p.get("required")) or p["in"] == "path",
                        schema=p.get("schema", {}),
                    )
                body = self._deref(op.get("requestBody")) or {}
                body_content = body.get("content", {})
                request_schema = None
                for media in ("application/json", *body_content):
                    if media in body_content:
                        request_schema = body_content[media].get("schema")
                        break
                responses: dict[str, Mapping[str, Any] | None] = {}
                response_types: dict[str, tuple[str, ...]] = {}
                for status, raw_response in op.get("responses", {}).items():
                    response = self._deref(raw_response)
                    content = response.get("content") or {}
                    response_types[str(status)] = tuple(content)
                    schema = None
                    for media in ("application/json", *content):
                        if media in content:
                            schema = content[media].get("schema")
                            break
                    responses[str(status)] = schema
                roles, scope, roles_text = parse_roles(op.get("description", ""))
                yield Operation(
                    method=method.upper(),
                    path_template=template,
                    operation_id=op.get("operationId", ""),
                    request_schema=request_schema,
                    responses=responses,
                    roles=roles,
                    roles_scope=scope,
                    roles_text=roles_text,
                    request_content_types=tuple(body_content),
                    request_required=bool(body.get("required")),
                    response_content_types=response_types,
                    parameters=tuple(params.values()),
                    summary=op.get("summary", ""),
                    tags=tuple(op.get("tags", ())),
                )

    def operations(self) -> list[Operation]:
        """Every operation in the file, in file order."""
        return list(self._operations)

    def operation_by_id(self, operation_id: str) -> Operation:
        for op in self._operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    @staticmethod
    def _compile_template(template: str) -> tuple[re.Pattern[str], int]:
        pattern = "^"
        literal = 0
        for segment in template.strip("/").split("/"):
            names = re.findall(r"\{([^}/]+)\}", segment)
            if not names:
                literal += 1
            pieces = re.split(r"\{[^}/]+\}", segment)
            regex = re.escape(pieces[0])
            for name, piece in zip(names, pieces[1:], strict=True):
                group = re.sub(r"\W", "_", name)
                regex += f"(?P<{group}>[^/]+)" + re.escape(piece)
            pattern += "/" + regex
        return re.compile(pattern + "/?$"), literal

    @staticmethod
    def _path_only(url_path: str) -> str:
        if "://" in url_path:
            url_path = urlsplit(url_path).path
        return url_path.split("?", 1)[0].split("#", 1)[0] or "/"

    def match(self, method: str, url_path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for a concrete request and its path parameters, or ``None``."""
        path = self._path_only(url_path)
        best: tuple[int, Operation, dict[str, str]] | None = None
        for (regex, literal), op in self._routes:
            if op.method != method.upper():
                continue
            m = regex.match(path)
            if m and (best is None or literal > best[0]):
                best = (literal, op, m.groupdict())
        return None if best is None else (best[1], best[2])

    def find_operation(self, method: str, url_path: str) -> Operation:
        """Match a concrete path (e.g. ``/api/v1/sessions/<uuid>``) to its operation.

        Raises ``AssertionError`` if the description documents no such operation.
        """
        found = self.match(method, url_path)
        if found is None:
            raise AssertionError(self._unmatched_message(method, url_path))
        return found[0]

    def _unmatched_message(self, method: str, url_path: str) -> str:
        path = self._path_only(url_path)
        others = sorted({op.method for (rx, _lit), op in self._routes if rx.match(path)})
        if others:
            return (
                f"{method.upper()} {path}: the description documents no {method.upper()} "
                f"for this path (documented: {', '.join(others)})"
            )
        return f"{method.upper()} {path}: no operation in the description matches this path"

    # ---- schemas

    def _validator_for(self, schema: Mapping[str, Any], key: str):
        with self._lock:
            validator = self._validators.get(key)
            if validator is None:
                validator = _Validator(
                    _to_jsonschema(dict(schema)),
                    registry=self._registry,
                    format_checker=self._format_checker,
                )
                self._validators[key] = validator
            return validator

    def _named(self, name: str):
        if name not in self._raw_schemas:
            raise KeyError(f"no components/schemas/{name} in the description")
        return self._validator_for({"$ref": f"#/components/schemas/{name}"}, f"schema:{name}")

    def schema_names(self) -> list[str]:
        return list(self._raw_schemas)

    def schema_for(self, name: str) -> dict[str, Any]:
        """The jsonschema form of ``components/schemas/<name>``, references inlined (debugging).

        Discriminated unions appear as ``x-discriminator`` with the variants inlined under
        ``mapping``; a reference back to a schema already being inlined stays a ``$ref``.
        """
        if name not in self._raw_schemas:
            raise KeyError(f"no components/schemas/{name} in the description")
        schemas = self._schemas_doc["components"]["schemas"]
        prefix = _BASE_URI + "#/components/schemas/"

        def inline(node: Any, stack: tuple[str, ...]) -> Any:
            if isinstance(node, list):
                return [inline(n, stack) for n in node]
            if not isinstance(node, dict):
                return node
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix):
                target = ref[len(prefix) :]
                if target in stack:
                    return {"$ref": f"#/components/schemas/{target}"}
                return inline(schemas[target], (*stack, target))
            out = {}
            for key, value in node.items():
                if key == "x-discriminator":
                    out[key] = {
                        "propertyName": value["propertyName"],
                        "mapping": {
                            k: inline({"$ref": v}, stack) for k, v in value["mapping"].items()
                        },
                    }
                else:
                    out[key] = inline(value, stack)
            return out

        return inline(schemas[name], (name,))

    def schema_violations(self, name: str, instance: Any) -> list[str]:
        return _sorted_errors(self._named(name).iter_errors(instance))

    def validate_schema(self, name: str, instance: Any) -> None:
        """Validate ``instance`` against ``components/schemas/<name>``."""
        _fail(f"components/schemas/{name}", self.schema_violations(name, instance))

    def violations_against(self, schema: Mapping[str, Any], instance: Any) -> list[str]:
        """Validate against an arbitrary (raw OpenAPI) schema object of this description."""
        key = "inline:" + json.dumps(schema, sort_keys=True)
        return _sorted_errors(self._validator_for(schema, key).iter_errors(instance))

    # ---- form bodies and parameters

    def _scalar_type(self, schema: Mapping[str, Any] | None) -> str | None:
        node = self._deref(schema) if schema else None
        if not isinstance(node, dict):
            return None
        if "type" in node:
            return node["type"]
        for part in node.get("allOf", ()):
            found = self._scalar_type(part)
            if found:
                return found
        return None

    def _coerce_text(self, value: Any, schema: Mapping[str, Any] | None) -> Any:
        """Turn a form/query string into the JSON value the schema describes, when unambiguous."""
        if not isinstance(value, str):
            return value
        kind = self._scalar_type(schema)
        if kind == "boolean" and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        if kind == "integer" and re.fullmatch(r"[+-]?\d+", value):
            return int(value)
        if kind == "number":
            try:
                return float(value) if re.search(r"[.eE]", value) else int(value)
            except ValueError:
                return value
        return value

    def _coerce_form(self, schema: Mapping[str, Any] | None, body: Any) -> Any:
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        if isinstance(body, str):
            body = parse_qs(body, keep_blank_values=True)
        if not isinstance(body, Mapping):
            return body
        node = self._deref(schema) if schema else {}
        properties: Mapping[str, Any] = node.get("properties", {}) if isinstance(node, dict) else {}
        out: dict[str, Any] = {}
        for key, value in body.items():
            prop = properties.get(key)
            prop_is_array = self._scalar_type(prop) == "array"
            if isinstance(value, list | tuple) and not prop_is_array:
                value = value[0] if len(value) == 1 else list(value)
            if isinstance(value, list):
                items = (self._deref(prop) or {}).get("items") if prop else None
                out[key] = [self._coerce_text(v, items) for v in value]
            else:
                out[key] = self._coerce_text(value, prop)
        return out

    def parameter_violations(
        self,
        method: str,
        url_path: str,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Path parameters (always), query parameters (if ``query`` is given: ``{name: str or
        [str, ...]}``) and required headers (if ``headers`` is given)."""
        found = self.match(method, url_path)
        if found is None:
            return [self._unmatched_message(method, url_path)]
        op, path_values = found
        out: list[str] = []
        by_location: dict[str, dict[str, Parameter]] = {}
        for p in op.parameters:
            by_location.setdefault(p.location, {})[p.name] = p

        def check(where: str, p: Parameter, raw: Any) -> None:
            values = raw if isinstance(raw, list | tuple) else [raw]
            if self._scalar_type(p.schema) == "array":
                items = self._deref(p.schema).get("items")
                instance: Any = [self._coerce_text(v, items) for v in values]
            else:
                if len(values) > 1:
                    out.append(f"{where} {p.name}: repeated, but it is not an array")
                instance = self._coerce_text(values[0], p.schema)
            for violation in self.violations_against(p.schema, instance):
                out.append(f"{where} {p.name}{violation[1:]}")

        for name, p in by_location.get("path", {}).items():
            safe = re.sub(r"\W", "_", name)
            if safe in path_values:
                check("path parameter", p, path_values[safe])
        if query is not None:
            declared = by_location.get("query", {})
            for name, raw in query.items():
                if name not in declared:
                    out.append(f"query parameter {name}: not documented for this operation")
                else:
                    check("query parameter", declared[name], raw)
            for name, p in declared.items():
                if p.required and name not in query:
                    out.append(f"query parameter {name}: required but missing")
        if headers is not None:
            present = {k.lower(): v for k, v in headers.items()}
            for name, p in by_location.get("header", {}).items():
                if name.lower() in present:
                    check("header", p, present[name.lower()])
                elif p.required:
                    out.append(f"header {name}: required but missing")
        return out

    # ---- requests

    def request_violations(
        self,
        method: str,
        url_path: str,
        body: Any = NO_BODY,
        *,
        content_type: str | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[str]:
        found = self.match(method, url_path)
        if found is None:
            return [self._unmatched_message(method, url_path)]
        op = found[0]
        out = self.parameter_violations(method, url_path, query, headers)
        media = _media_type(content_type)
        if _is_empty(body):
            if op.request_required:
                out.append(
                    f"request body: required ({', '.join(op.request_content_types)}) but missing"
                )
            return out
        if not op.request_content_types:
            out.append("request body: the operation documents no request body, but one was sent")
            return out
        if media is not None and media not in op.request_content_types:
            out.append(
                f"request body: content type {media} is not documented "
                f"(documented: {', '.join(op.request_content_types)})"
            )
            return out
        if op.is_form and (media is None or media == "application/x-www-form-urlencoded"):
            body = self._coerce_form(op.request_schema, body)
        if op.request_schema is not None:
            out.extend(
                f"request body {v}" for v in self.violations_against(op.request_schema, body)
            )
        return out

    def validate_request(
        self,
        method: str,
        url_path: str,
        body: Any = NO_BODY,
        *,
        content_type: str | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Validate a request body (parsed JSON, or a form dict / urlencoded string for the token
        endpoint) and its path, plus query parameters and headers when given."""
        violations = self.request_violations(
            method, url_path, body, content_type=content_type, query=query, headers=headers
        )
        _fail(f"{method.upper()} {self._path_only(url_path)} request", violations)

    # ---- responses

    def response_violations(
        self,
        method: str,
        url_path: str,
        status: int | str,
        body: Any = NO_BODY,
        *,
        content_type: str | None = None,
    ) -> list[str]:
        found = self.match(method, url_path)
        if found is None:
            return [self._unmatched_message(method, url_path)]
        op = found[0]
        key = next((k for k in _status_keys(status) if k in op.responses), None)
        if key is None:
            return [
                f"status {status} is not documented for {op.method} {op.path_template} "
                f"(documented: {', '.join(op.responses)})"
            ]
        schema = op.responses[key]
        documented_types = op.response_content_types.get(key, ())
        media = _media_type(content_type)
        if _is_empty(body):
            if documented_types and schema != {"$ref": "#/components/schemas/EmptySuccessResponse"}:
                return [
                    f"status {status}: body missing, the description documents "
                    f"{', '.join(documented_types)}"
                ]
            return []
        if not documented_types:
            return [f"status {status}: the description documents no content, but a body was sent"]
        if media is not None and media not in documented_types:
            return [
                f"status {status}: content type {media} is not documented "
                f"(documented: {', '.join(documented_types)})"
            ]
        if schema is None:
            return []
        return [f"status {status} body {v}" for v in self.violations_against(schema, body)]

    def validate_response(
        self,
        method: str,
        url_path: str,
        status: int | str,
        body: Any = NO_BODY,
        *,
        content_type: str | None = None,
    ) -> None:
        """Validate a response: the status must be documented, and the body (parsed JSON;
        ``NO_BODY``/``None``/``b""`` for none) must match that status's schema."""
        violations = self.response_violations(
            method, url_path, status, body, content_type=content_type
        )
        _fail(f"{method.upper()} {self._path_only(url_path)} -> {status}", violations)

    # ---- examples

    def examples(self) -> list[tuple[str, str, Mapping[str, Any], Any]]:
        """Every vendor example with the schema it illustrates.

        Returns ``(case_id, example_name, raw_schema, value)`` for examples in
        ``components/schemas`` (``example`` at any depth) and in operation request/response contents
        (``example`` / ``examples``, references resolved).
        """
        out: list[tuple[str, str, Mapping[str, Any], Any]] = []

        def walk(node: Any, where: str) -> None:
            if not isinstance(node, dict):
                return
            if "example" in node and "$ref" not in node:
                out.append((f"schema:{where}", where, node, node["example"]))
            for key in _SCHEMA_MAPS:
                for prop, sub in (node.get(key) or {}).items():
                    walk(sub, f"{where}.{prop}")
            for key in _SCHEMA_LISTS:
                for i, sub in enumerate(node.get(key) or ()):
                    walk(sub, f"{where}.{key}[{i}]")
            for key in _SCHEMA_SINGLE:
                walk(node.get(key), f"{where}.{key}")

        for name, schema in self._raw_schemas.items():
            walk(schema, name)
        for template, item in self.document.get("paths", {}).items():
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                places = []
                body = self._deref(op.get("requestBody")) or {}
                places.append(("request", body.get("content", {})))
                for status, response in op["responses"].items():
                    places.append((str(status), self._deref(response).get("content") or {}))
                for where, content in places:
                    for media, media_obj in content.items():
                        schema = media_obj.get("schema")
                        if schema is None:
                            continue
                        where_id = f"{method.upper()} {template} {where}"
                        if "example" in media_obj:
                            out.append(
                                (
                                    f"{where_id} [{media}]",
                                    f"{where_id}",
                                    schema,
                                    media_obj["example"],
                                )
                            )
                        for ex_name, ex in (media_obj.get("examples") or {}).items():
                            ref = ex.get("$ref", "") if isinstance(ex, dict) else ""
                            label = ref.rsplit("/", 1)[1] if ref else ex_name
                            resolved = self._deref(ex)
                            if "value" not in resolved:
                                continue
                            out.append((f"{label}@{where_id}", label, schema, resolved["value"]))
        return out


@functools.cache
def _load(path: str) -> VBRSpec:
    file = Path(path)
    if not file.is_file():
        raise SpecMissingError(
            f"the VBR REST API description is missing: expected {file} "
            f"(<repo root>/../shared/reference/{SPEC_FILENAME}). The contract tests cannot run "
            "without it."
        )
    with file.open(encoding="utf-8") as fh:
        return VBRSpec(json.load(fh), source=file)
