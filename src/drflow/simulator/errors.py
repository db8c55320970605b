"""Errors as VBR answers them: every error body is the contract's ``Error`` model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from starlette.responses import JSONResponse

from drflow.vbr.models import Error, OpenEnum


class ApiError(Exception):
    """Raised anywhere in a handler; answered as ``Error`` with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        resource_id: object | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.resource_id = None if resource_id is None else str(resource_id)
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return error_response(self.status, self.code, self.message, self.resource_id, self.headers)


def error_response(
    status: int,
    code: str,
    message: str,
    resource_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Error(error_code=code, message=message, resource_id=resource_id).to_api()
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def not_found(kind: str, resource_id: object) -> ApiError:
    return ApiError(404, "NotFound", f"{kind} with ID {resource_id} was not found.", resource_id)


def bad_request(message: str, resource_id: object | None = None) -> ApiError:
    return ApiError(400, "UnexpectedContent", message, resource_id)


# --- validation messages -------------------------------------------------------------------

_DISCRIMINATORS = ("type", "platform")


def describe_validation_errors(errors: Sequence[Mapping[str, Any]], body: object = None) -> str:
    """``restorePointId: Field required; secureRestore: Field required`` from pydantic errors.

    The location drops FastAPI's ``body``/``query``/``path`` prefix and the tags pydantic adds
    for discriminated unions, so the path is the one the client sent.
    """
    parts: list[str] = []
    for err in errors:
        loc = list(err.get("loc", ()))
        source = loc.pop(0) if loc and loc[0] in ("body", "query", "path", "header") else None
        names = _strip_union_tags(loc, body if source == "body" else None)
        message = str(err.get("msg", "invalid value"))
        kind = err.get("type")
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            ctx = err.get("ctx") or {}
            discriminator = str(ctx.get("discriminator", "type")).strip("'")
            if discriminator.endswith("()"):  # a callable discriminator, e.g. on ``platform``
                discriminator = next((d for d in _DISCRIMINATORS if d in discriminator), "type")
            names = [*names, discriminator]
            if kind == "union_tag_invalid":
                message = (
                    f"unsupported value {ctx.get('tag')!r}, expected one of "
                    f"{ctx.get('expected_tags')}"
                )
            else:
                message = "Field required"
        where = _join(names) or ("request body" if source == "body" else "request")
        parts.append(f"{where}: {message}")
    return "; ".join(dict.fromkeys(parts))


def _strip_union_tags(loc: list[Any], body: object) -> list[Any]:
    names: list[Any] = []
    node = body
    for item in loc:
        if isinstance(node, dict) and isinstance(item, str) and item not in node:
            if any(node.get(key) == item for key in _DISCRIMINATORS) or (
                item == "VSphere" and node.get("platform") == "VMware"
            ):
                continue  # a union tag, not a field
            if item.startswith("function-"):
                continue
        names.append(item)
        if isinstance(node, dict) and isinstance(item, str):
            node = node.get(item)
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            node = node[item]
        else:
            node = None
    return names


def _join(names: list[Any]) -> str:
    text = ""
    for name in names:
        if isinstance(name, int):
            text += f"[{name}]"
        else:
            text += f".{name}" if text else str(name)
    return text


def unknown_enum_values(model: object, path: str = "") -> list[str]:
    """Fields of a parsed request whose enum value the contract does not list.

    The models read tolerantly (an unknown value becomes a pseudo-member); a server must not
    accept one in a request, so the simulator answers 400 naming the field.
    """
    found: list[str] = []
    if isinstance(model, OpenEnum):
        if not model.known:
            found.append(f"{path}: unsupported value {model.value!r}")
    elif isinstance(model, BaseModel):
        for name, info in type(model).model_fields.items():
            alias = info.alias or name
            found += unknown_enum_values(getattr(model, name), f"{path}.{alias}" if path else alias)
    elif isinstance(model, list | tuple):
        for index, item in enumerate(model):
            found += unknown_enum_values(item, f"{path}[{index}]")
    return found


def reject_unknown_enums(model: object, path: str = "") -> None:
    problems = unknown_enum_values(model, path)
    if problems:
        raise bad_request("; ".join(problems))
