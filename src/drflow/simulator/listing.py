"""List semantics shared by every collection: filter, sort, then ``skip``, then ``limit``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from drflow.vbr.models import OpenEnum, PaginationResult

from .errors import bad_request

T = TypeVar("T")

DEFAULT_LIMIT = 200


def name_matches(pattern: str | None, value: str | None) -> bool:
    """VBR name filters: case-insensitive; ``*`` stands for any characters (at either end,
    or inside); without ``*`` the whole value must match."""
    if pattern is None or pattern == "":
        return True
    if value is None:
        return False
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value, flags=re.IGNORECASE) is not None


def known(value: OpenEnum | None, name: str) -> OpenEnum | None:
    """Reject an enum value the contract does not list (the models accept it tolerantly)."""
    if value is not None and not value.known:
        raise bad_request(f"{name}: unsupported value {value.value!r}")
    return value


def known_all(values: Sequence[OpenEnum] | None, name: str) -> list[OpenEnum]:
    return [known(v, name) for v in values or []]  # type: ignore[misc]


def split_multi(values: Sequence[str] | None) -> list[str]:
    """Array query parameters: repeated (``a=1&a=2``) or comma separated (``a=1,2``)."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def parse_uuids(values: Sequence[str] | None, name: str) -> list[UUID]:
    out = []
    for value in split_multi(values):
        try:
            out.append(UUID(value))
        except ValueError:
            raise bad_request(f"{name}: {value!r} is not a valid UUID") from None
    return out


def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def sort_items(items: list[T], key: Callable[[T], Any] | None, ascending: bool) -> list[T]:
    """Stable sort; items whose key is ``None`` go last in either direction."""
    if key is None:
        return items
    present = [item for item in items if key(item) is not None]
    missing = [item for item in items if key(item) is None]
    present.sort(key=key, reverse=not ascending)
    return present + missing


def paginate(
    items: Iterable[T], skip: int | None, limit: int | None
) -> tuple[list[T], PaginationResult]:
    all_items = list(items)
    skip = 0 if skip is None else skip
    limit = DEFAULT_LIMIT if limit is None else limit
    if skip < 0:
        raise bad_request("skip: must be zero or positive")
    if limit < 0:
        raise bad_request("limit: must be zero or positive")
    page = all_items[skip : skip + limit]
    return page, PaginationResult(total=len(all_items), count=len(page), skip=skip, limit=limit)
