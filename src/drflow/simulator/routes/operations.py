"""Serving a workload kind's operations, one declaration each.

Most operations of the contract are one call on a workload kind with what the request names:
the ids in its path, its body, the caller. :class:`Operations` declares such an operation once
(method, path, ``operationId``, handler, answer model and status, documented errors) and
builds its FastAPI route, whose summary is the first line of the handler's docstring:

- the handler is called as ``handler(workload, *path_ids, *query, body, who)``: the path's ids
  (UUIDs) in order, a list's :class:`~._common.ListQuery` and the values of the operation's
  own query parameters, the body when the operation takes one, and the caller when the
  handler has a parameter named ``who``;
- a body is validated against its model, and refused with 400 when it carries an enum value
  the contract does not list;
- the handler's result is the answer: a response (a list's page) or a contract model as it
  is; anything with ``to_model(now)`` (a session record, a mount) as it is at the time of the
  answer; None is 204 without a body.

Operations whose requests carry more (a filter of several parameters) are plain FastAPI routes
on the kind's router.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Body, Depends, Query
from starlette.responses import Response

from drflow.vbr.models import VBRModel

from ..auth import Principal
from ..errors import reject_unknown_enums
from ..workload import Workload
from ._common import ListQuery, OrderBy, Page, StateFilter, answer, caller, errors

W = TypeVar("W", bound=Workload[Any])
_PATH_PARAM = re.compile(r"{(\w+)}")
_KEYWORD = inspect.Parameter.KEYWORD_ONLY
_START_CODES = (400, 401, 403, 500)
_STOP_CODES = (401, 403, 404, 500)
_READ_CODES = (401, 403, 404, 500)


class Answerable(Protocol):
    def to_model(self, now: datetime) -> VBRModel: ...


Result = Response | VBRModel | Answerable | None


class Operations(Generic[W]):
    """The operations ``kind`` serves on its router, at paths under ``base``. Each one's
    summary is the first line of its handler's docstring."""

    def __init__(self, kind: type[W], base: str) -> None:
        self.kind = kind
        self.base = base

    def get(
        self,
        path: str,
        operation_id: str,
        handler: Callable[..., Result],
        answers: type[VBRModel],
        *,
        codes: Sequence[int] = _READ_CODES,
        query: Mapping[str, Any] | None = None,
    ) -> None:
        """A read: 200 with ``answers``; ``codes``: its documented errors. ``query``: the
        operation's own query parameters, name -> type (optional when the type admits None)."""
        self._add("GET", path, operation_id, handler, answers, 200, None, codes, query)

    def list(
        self,
        path: str,
        operation_id: str,
        handler: Callable[..., Response],
        answers: type[VBRModel],
        *,
        order: Any,
        state: Any,
        query: Mapping[str, Any] | None = None,
    ) -> None:
        """A list: :meth:`get` whose handler is given the request's :class:`~._common.ListQuery`
        (``skip``, ``limit``, ``orderAsc``, ``orderColumn`` of the enum ``order`` and
        ``stateFilter`` of ``state``, answered with ``answers``) and answers its page."""
        listing = (order, state)
        self._add(
            "GET", path, operation_id, handler, answers, 200, None, _READ_CODES, query, listing
        )

    def post(
        self,
        path: str,
        operation_id: str,
        handler: Callable[..., Result],
        answers: type[VBRModel] | None,
        status: int = 200,
        *,
        body: Any = None,
        codes: Sequence[int] = (400, 401, 403, 404, 500),
    ) -> None:
        """A change: ``status`` with ``answers`` (None: no body). ``body`` is the model of the
        request body (``Model | None`` when it may be left out)."""
        self._add("POST", path, operation_id, handler, answers, status, body, codes)

    def start(self, *args: Any, body: Any) -> None:
        """:meth:`post` of a change the request body wholly describes (a start, a sign-in
        step): nothing named by the path has to exist, so its errors are 400, 401, 403, 500."""
        self.post(*args, body=body, codes=_START_CODES)

    def stop(self, *args: Any) -> None:
        """:meth:`post` of the end of what the path names (an unmount, a stop), with no request
        body: its documented errors are 401, 403, 404 and 500."""
        self.post(*args, codes=_STOP_CODES)

    def put(
        self,
        path: str,
        operation_id: str,
        handler: Callable[..., Result],
        answers: type[VBRModel],
        status: int = 200,
        *,
        body: Any,
        codes: Sequence[int] = (401, 403, 404, 500),
    ) -> None:
        """A replacement of a resource by the request body."""
        self._add("PUT", path, operation_id, handler, answers, status, body, codes)

    def _add(
        self,
        method: str,
        path: str,
        operation_id: str,
        handler: Callable[..., Result],
        answers: type[VBRModel] | None,
        status: int,
        body: Any,
        codes: Sequence[int],
        query: Mapping[str, Any] | None = None,
        listing: tuple[Any, Any] | None = None,
    ) -> None:
        path = self.base + path
        ids = _PATH_PARAM.findall(path)
        queried = [f"query_{n}" for n in range(len(query or {}))]
        wants_caller = "who" in inspect.signature(handler).parameters
        kind = self.kind

        async def endpoint(**values: Any) -> Response:
            workload: W = values["workload"]
            args = [values[name] for name in ids]
            if listing is not None:
                args.append(ListQuery(answers, values["paging"], values["order"], values["state"]))
            args.extend(values[name] for name in queried)
            if body is not None:
                spec = values["spec"]
                if spec is not None:
                    reject_unknown_enums(spec)
                args.append(spec)
            if wants_caller:
                args.append(values["who"])
            result = handler(workload, *args)
            if result is None:
                return Response(status_code=status)
            if isinstance(result, Response):
                return result
            if not isinstance(result, VBRModel):
                result = result.to_model(workload.sim.now())
            return answer(result, status)

        params = [inspect.Parameter(name, _KEYWORD, annotation=uuid.UUID) for name in ids]
        if listing is not None:
            order, state = listing
            params += [
                inspect.Parameter("paging", _KEYWORD, annotation=Page),
                inspect.Parameter("order", _KEYWORD, annotation=OrderBy[order], default=None),
                inspect.Parameter("state", _KEYWORD, annotation=StateFilter[state], default=None),
            ]
        params += [
            _parameter(name, of, Query(alias=alias))
            for name, (alias, of) in zip(queried, (query or {}).items(), strict=True)
        ]
        if body is not None:
            params.append(_parameter("spec", body, Body()))
        params.append(
            inspect.Parameter("workload", _KEYWORD, annotation=Annotated[kind, Depends(kind.of)])
        )
        if wants_caller:
            params.append(
                inspect.Parameter("who", _KEYWORD, annotation=Annotated[Principal, Depends(caller)])
            )
        endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        endpoint.__name__ = operation_id
        documented = errors(*codes)
        no_body: dict[str, Any] = {}
        if answers is None:
            documented[status] = {"description": "Done (no body)."}
            no_body["response_class"] = Response
        kind.router.add_api_route(
            path,
            endpoint,
            methods=[method],
            operation_id=operation_id,
            summary=(inspect.getdoc(handler) or operation_id).splitlines()[0].rstrip("."),
            status_code=status,
            response_model=answers,
            responses=documented,
            **no_body,
        )


def _parameter(name: str, of: Any, source: Any) -> inspect.Parameter:
    """The endpoint's parameter ``name`` of type ``of`` taken from ``source`` (``Body()``,
    ``Query()``); it may be left out (None) when ``of`` admits None."""
    optional = type(None) in getattr(of, "__args__", ())
    return inspect.Parameter(
        name,
        _KEYWORD,
        annotation=Annotated[of, source],
        default=None if optional else inspect.Parameter.empty,
    )
