"""Shared foundations of the VBR models: tolerant parsing, camelCase aliases, open enums."""

from __future__ import annotations

import enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class OpenEnum(enum.StrEnum):
    """A string enum that accepts values it does not know.

    Newer API revisions add enum values (1.3-rev2 adds session state ``ActionRequired``);
    a value outside the known set becomes a pseudo-member instead of a validation error, so
    a newer server never breaks parsing. ``member.known`` says whether the value was listed.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    @property
    def known(self) -> bool:
        return self._name_ in type(self).__members__


class VBRModel(BaseModel):
    """Base of every VBR model.

    Fields are snake_case in Python and camelCase on the wire; unknown fields are kept, not
    rejected, because newer servers add them.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        use_enum_values=False,
    )

    def to_api(self) -> dict[str, Any]:
        """The JSON body VBR expects: wire names, no unset optional fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RequestModel(VBRModel):
    """Base of request bodies: unknown fields are a programming error, not a newer server."""

    model_config = ConfigDict(extra="forbid")


class PaginationResult(VBRModel):
    """The ``pagination`` object of every list answer."""

    total: int
    count: int
    skip: int | None = None
    limit: int | None = None


ItemT = TypeVar("ItemT")


class Page(VBRModel, Generic[ItemT]):
    """One page of a list answer: ``{data: [...], pagination: {...}}``."""

    data: list[ItemT]
    pagination: PaginationResult
