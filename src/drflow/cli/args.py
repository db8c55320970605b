"""``drflow run``: command-line words into a flow's parameters, with errors that name the field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from drflow.errors import DrflowError

_OPTION = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)*$")


class UsageError(DrflowError):
    """A mistake in the command line or the parameters file: said plainly, no traceback."""


def parse_params(words: list[str], model: type[BaseModel]) -> BaseModel:
    """``--vm web01 --then unmount --restore-point.max-age-hours 4 --params @file.json``.

    Names are kebab-case field names; dots reach into nested fields. A value is read as JSON
    when it parses (numbers, booleans, lists, objects), as text otherwise. ``--params @FILE``
    (or inline JSON) gives a base that the other options override.
    """
    values: dict[str, Any] = {}
    overrides: list[tuple[list[str], Any]] = []
    index = 0
    while index < len(words):
        word = words[index]
        if not word.startswith("--") or word == "--":
            raise UsageError(f"expected an option like --vm NAME, got {word!r}")
        name, _, inline = word[2:].partition("=")
        if not _OPTION.match(name):
            raise UsageError(
                f"expected an option like --vm NAME or --restore-point.max-age-hours 4, "
                f"got {word!r}"
            )
        if inline:
            value_text = inline
        elif index + 1 < len(words) and not words[index + 1].startswith("--"):
            index += 1
            value_text = words[index]
        else:
            value_text = "true"  # a bare flag: --isolated
        index += 1
        if name == "params":
            values = _load_params(value_text)
            continue
        path = [part.replace("-", "_") for part in name.split(".")]
        overrides.append((path, _value(value_text)))
    for path, value in overrides:
        target = values
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise UsageError(f"--{'.'.join(path)}: {part} is not an object")
        target[path[-1]] = value
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise UsageError(describe_validation(exc, flag_style=True)) from None


def describe_validation(exc: ValidationError, *, flag_style: bool = False) -> str:
    """Every problem of a validation error on its own line, naming the field."""
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"] if not str(part).startswith("function-")]
        where = ".".join(part.replace("_", "-") for part in loc) if flag_style else ".".join(loc)
        prefix = f"--{where}" if flag_style and where else where or "parameters"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown parameter: check its spelling (--help-params lists them)"
        elif error["type"] == "missing":
            message = "required, but missing"
        elif error["type"] != "value_error" and not isinstance(error.get("input"), dict | list):
            message += f", got {json.dumps(error['input'], default=str)}"
        lines.append(f"{prefix}: {message}")
    return "\n".join(lines)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _load_params(text: str) -> dict[str, Any]:
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--params: cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"--params: {path} is not UTF-8 text (byte {exc.start})") from None
    try:
        loaded = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--params: not JSON ({exc})") from None
    if not isinstance(loaded, dict):
        raise UsageError("--params: expected a JSON object of parameters")
    return loaded
