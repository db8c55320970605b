"""What every route module needs: the simulator, the caller, JSON answers, pages, error docs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from starlette.responses import JSONResponse

from drflow.vbr.models import Error, VBRModel

from ..auth import Principal
from ..errors import ApiError
from ..listing import paginate, sort_items

if TYPE_CHECKING:
    from ..state import Simulator

T = TypeVar("T")
E = TypeVar("E")

OrderBy = Annotated[E | None, Query(alias="orderColumn")]
"""``orderColumn`` of a list, of the list's enum."""
StateFilter = Annotated[E | None, Query(alias="stateFilter")]
"""``stateFilter`` of a list, of the list's enum."""

_ERROR_TEXT = {
    400: "Bad request: the body or a parameter is invalid.",
    401: "Unauthorized: missing, invalid or expired token.",
    403: "Forbidden: the user's role may not call this operation.",
    404: "Not found: no object has the given id.",
    500: "Internal server error.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the OpenAPI document: these statuses answer the ``Error`` model."""
    return {code: {"model": Error, "description": _ERROR_TEXT[code]} for code in codes}


def sim_of(request: Request) -> Simulator:
    return request.state.sim


def caller(request: Request) -> Principal:
    """The authenticated caller (set by the gate of :mod:`drflow.simulator.app`)."""
    principal = request.scope.get("state", {}).get("principal")
    if principal is None:  # pragma: no cover - the gate always sets it on /api routes
        raise ApiError(401, "InvalidToken", "Authorization header is missing.")
    return principal


def answer(model: VBRModel, status: int = 200) -> JSONResponse:
    return JSONResponse(model.to_api(), status_code=status)


class Paging:
    """``skip``, ``limit`` and ``orderAsc`` of a list request (a FastAPI dependency)."""

    def __init__(
        self,
        skip: Annotated[int | None, Query()] = None,
        limit: Annotated[int | None, Query()] = 200,
        order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    ) -> None:
        self.skip = skip
        self.limit = limit
        self.ascending = order_asc is not False


Page = Annotated[Paging, Depends()]


def page(
    result: Callable[..., VBRModel],
    items: Sequence[T],
    to_model: Callable[[T], Any],
    paging: Paging,
    *,
    order: Any = None,
    keys: Mapping[str, Callable[[T], Any]] | None = None,
) -> JSONResponse:
    """A list answer: ``items`` sorted by ``keys[order.value]`` (when ``order`` is given), then
    ``skip`` and ``limit``; only the page is turned into models."""
    if order is not None and keys is not None:
        items = sort_items(list(items), keys[order.value], paging.ascending)
    selected, pagination = paginate(items, paging.skip, paging.limit)
    return answer(result(data=[to_model(item) for item in selected], pagination=pagination))


@dataclass(frozen=True)
class ListQuery:
    """What a list request of a workload kind asks for: its page, ``orderColumn`` and
    ``stateFilter`` (None when not given), and the model it is answered with."""

    result: Callable[..., VBRModel]
    paging: Paging
    order: Any
    state: Any

    def page(
        self,
        items: Sequence[T],
        to_model: Callable[[T], Any],
        keys: Mapping[str, Callable[[T], Any]],
    ) -> JSONResponse:
        """The answer: the page of ``items`` (see :func:`page`), sorted by ``keys``."""
        return page(self.result, items, to_model, self.paging, order=self.order, keys=keys)
