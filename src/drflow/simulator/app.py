"""The simulator as an ASGI app: ``create_app(config) -> SimulatorApp``.

Every request first passes the *gate* (outermost, before FastAPI's own middleware):

1. counted in ``GET /_sim/stats`` by method and route template;
2. during an outage (:mod:`drflow.simulator.outage`) it is dropped (refuse mode) or, under
   ``/api``, answered 503 ``ServiceUnavailable`` (503 mode);
3. fault rules (:mod:`drflow.simulator.faults`) may delay, fail or drop it, or start an outage;
4. under ``/api``: ``x-api-version`` must be one of ``config.api_versions`` (else 400 listing
   them); every route but the token route needs a valid Bearer token (401 ``InvalidToken`` /
   ``ExpiredToken``); the caller's role must be in the route's row of
   :data:`drflow.simulator.roles.OPERATION_ROLES` (else 403 ``AccessDenied`` naming the roles).

Errors are always the contract's ``Error`` model: body/parameter validation answers 400
``UnexpectedContent`` naming the field (never FastAPI's 422), an unknown path 404
``InvalidURI``, a wrong method 405 ``MethodNotAllowed``, a crash 500 ``UnknownError``.

Telling the simulator from a real VBR: every answer carries the header
``x-drflow-simulator: <drflow version>`` (:data:`SIMULATOR_HEADER`), which a real VBR never
sends. ``GET /api/v1/serverInfo`` answers, besides the estate's ``buildVersion`` (a VBR build
number) and ``platform`` (``Linux`` or ``Windows``): ``vbrId``, an installation id drawn afresh
for each new state (a start without a state file, ``POST /_sim/reset``) and kept in the state
file across restarts; and ``name``, the host the simulator serves as (the host name the request
was addressed to, e.g. ``127.0.0.1``), never the estate's made-up server name.
"""

from __future__ import annotations

import asyncio
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import Message, Receive, Scope, Send

from .clock import Clock
from .config import SimulatorConfig
from .errors import ApiError, describe_validation_errors, error_response
from .faults import FaultRule
from .outage import OutageRefused, OutageSpec
from .roles import describe, roles_for
from .routes import admin, auth, catalog, sessions
from .state import Simulator

if TYPE_CHECKING:
    from .workload import Workload

TOKEN_PATH = "/api/oauth2/token"  # noqa: S105 - a path, not a secret
SIMULATOR_HEADER = "x-drflow-simulator"
"""On every answer of the simulator, with drflow's version: a real VBR never sends it."""


def _drflow_version() -> str:
    try:
        return version("drflow")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree not installed
        return "unknown"


_SIGNATURE = (SIMULATOR_HEADER.encode(), _drflow_version().encode())


class SimulatedConnectionDrop(ConnectionError):
    """Raised instead of dropping the connection when no TCP transport exists (in-process
    test clients); over real HTTP the client sees the connection close without an answer."""


class SimulatorApp:
    """One simulator as an ASGI app: the gate (see the module docstring), then its routes.

    The routes are one FastAPI app per set of workload kinds, made once per process and
    shared by every simulator of those kinds: FastAPI prepares an app's routes on its first
    requests (0.14 s of CPU for the simulator's 79), which a test suite starting
    hundreds of simulators would otherwise pay for each. A route finds the simulator it
    serves in the request's state (``request.state.sim``), which the gate sets.
    """

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.api, self.sim_routes = _routes(tuple(type(workload) for workload in sim.workloads))

    def openapi(self) -> dict[str, Any]:
        """The simulator's OpenAPI document, as ``GET /openapi.json`` answers it."""
        return self.api.openapi()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.api(scope, receive, send)
            return
        scope.setdefault("state", {})["sim"] = self.sim
        await self._gate(scope, receive, send)

    # --- the gate -------------------------------------------------------------------------

    def _resolve(self, scope: Scope) -> tuple[str | None, str | None, Match]:
        """(route template, operation id, match) of the request."""
        partial: tuple[str | None, str | None, Match] | None = None
        for route in self.sim_routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return getattr(route, "path", None), getattr(route, "operation_id", None), match
            if match == Match.PARTIAL and partial is None:
                partial = (getattr(route, "path", None), None, match)
        return partial or (None, None, Match.NONE)

    async def _gate(self, scope: Scope, receive: Receive, send: Send) -> None:
        sim = self.sim
        method, path = scope["method"], scope["path"]
        template, operation_id, match = self._resolve(scope)
        status_seen: list[int] = []

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(message["status"])
                message = {**message, "headers": [*message.get("headers", []), _SIGNATURE]}
            await send(message)

        with sim.lock:
            sim.requests[f"{method} {template or '(no route)'}"] += 1
        try:
            on = sim.outages.current()
            if on is not None and (on.spec.mode == "refuse" or _is_api(path)):
                await _unavailable(on.spec, scope, receive, send, counting_send)
                return
            decision = sim.faults.decide(method, path)
            if decision.latency:
                await asyncio.sleep(decision.latency)
            rule = decision.rule
            if rule is not None and rule.drop_connection:
                await _drop(send)
                return
            if rule is not None and rule.status is not None:
                await _fault_response(rule)(scope, receive, counting_send)
                return
            if rule is not None and rule.outage is not None and rule.outage.request == "refused":
                self._go_dark(rule.outage)
                await _unavailable(rule.outage, scope, receive, send, counting_send)
                return
            refusal = self._check(scope, operation_id, match) if _is_api(path) else None
            if rule is not None and rule.outage is not None:  # lost: carried out, then dark
                await (refusal or self.api)(scope, receive, _discard)
                self._go_dark(rule.outage)
                await _unavailable(rule.outage, scope, receive, send, counting_send)
                return
            if refusal is not None:
                await refusal(scope, receive, counting_send)
                return
            if rule is not None and rule.commit_then_fail is not None:
                await self.api(scope, receive, _discard)
                if rule.commit_then_fail == "drop":
                    await _drop(send)
                else:
                    await error_response(
                        500,
                        "UnknownError",
                        "Internal server error (injected after commit).",
                        headers={FAULT_HEADER: "commit-then-fail"},
                    )(scope, receive, counting_send)
                return
            await self.api(scope, receive, counting_send)
        finally:
            if status_seen:
                with sim.lock:
                    sim.statuses[status_seen[0]] += 1

    def _go_dark(self, spec: OutageSpec) -> None:
        """Start the outage a fault rule triggers (in refuse mode, only over HTTP)."""
        try:
            self.sim.outages.start(spec, self.sim.config.speed)
        except OutageRefused as exc:
            raise SimulatedConnectionDrop(str(exc)) from exc

    def _check(self, scope: Scope, operation_id: str | None, match: Match) -> Response | None:
        sim = self.sim
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        supported = sim.config.api_versions
        version = headers.get("x-api-version")
        if version is None or version.strip() not in supported:
            given = "is missing" if version is None else f"{version!r} is not supported"
            return error_response(
                400,
                "UnexpectedContent",
                f"Unsupported RESTAPI version: the x-api-version header {given}. "
                f"Supported versions: {', '.join(supported)}.",
            )
        if scope["path"] == TOKEN_PATH:
            return None
        try:
            principal = sim.tokens.authenticate(headers.get("authorization"), sim.now())
        except ApiError as exc:
            return exc.response()
        if match == Match.FULL and operation_id is not None:
            allowed = roles_for(operation_id)
            if principal.role not in allowed:
                return error_response(
                    403,
                    "AccessDenied",
                    f"Access denied: user {principal.username} ({principal.role.value}) may not "
                    f"call {operation_id}; it requires one of the roles: "
                    f"{describe(allowed) or 'none'}.",
                )
        scope.setdefault("state", {})["principal"] = principal
        return None


async def _discard(message: Message) -> None:
    return None


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/api"


async def _unavailable(
    spec: OutageSpec, scope: Scope, receive: Receive, send: Send, counting_send: Send
) -> None:
    """The answer while the server is dark: none in refuse mode (the connection is dropped),
    503 ``ServiceUnavailable`` in 503 mode."""
    if spec.mode == "refuse":
        await _drop(send)
        return
    headers = {FAULT_HEADER: "outage-503"}
    if spec.retry_after is not None:
        headers["Retry-After"] = str(spec.retry_after)
    response = error_response(
        503, "ServiceUnavailable", "The service is unavailable (simulated outage).", headers=headers
    )
    await response(scope, receive, counting_send)


async def _drop(send: Send) -> None:
    """Close the TCP connection without answering (uvicorn: the ``send`` callable is bound to
    the connection's request cycle, which holds the transport, for h11 and httptools alike)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise SimulatedConnectionDrop("connection dropped by fault injection")
    transport.abort()
    if hasattr(cycle, "disconnected"):
        cycle.disconnected = True  # uvicorn then neither answers 500 nor logs an error


FAULT_HEADER = "x-drflow-simulator-fault"
"""Marks an answer made up by fault injection (contract checks in the tests skip those)."""


def _fault_response(rule: FaultRule) -> Response:
    status = rule.status
    headers = {FAULT_HEADER: f"status-{status}"}
    if status == 429:
        headers["Retry-After"] = str(1 if rule.retry_after is None else rule.retry_after)
    elif rule.retry_after is not None and status == 503:
        headers["Retry-After"] = str(rule.retry_after)
    if status == 502:
        return PlainTextResponse("Bad Gateway", status_code=502, headers=headers)
    if status == 504:
        return PlainTextResponse("Gateway Timeout", status_code=504, headers=headers)
    if status == 429:
        return error_response(
            429, "ServiceUnavailable", "Too many requests (injected).", headers=headers
        )
    if status == 503:
        return error_response(
            503, "ServiceUnavailable", "The service is unavailable (injected).", headers=headers
        )
    return error_response(500, "UnknownError", "Internal server error (injected).", headers=headers)


# --- error handlers ------------------------------------------------------------------------


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    message = describe_validation_errors(exc.errors(), getattr(exc, "body", None))
    return error_response(400, "UnexpectedContent", message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return error_response(404, "InvalidURI", f"The URI {request.url.path} is not valid.")
    if exc.status_code == 405:
        return error_response(
            405,
            "MethodNotAllowed",
            f"The method {request.method} is not allowed for {request.url.path}.",
            headers=exc.headers,
        )
    return error_response(exc.status_code, "UnknownError", str(exc.detail))


async def _crash(request: Request, exc: Exception) -> Response:
    return error_response(500, "UnknownError", f"Internal server error: {type(exc).__name__}.")


# --- the app -------------------------------------------------------------------------------


def create_app(
    config: SimulatorConfig | None = None,
    clock: Clock | None = None,
    simulator: Simulator | None = None,
) -> SimulatorApp:
    """A simulator app; its state is ``app.sim`` (a :class:`Simulator`)."""
    return SimulatorApp(simulator or Simulator(config, clock))


@cache
def _routes(kinds: tuple[type[Workload[Any]], ...]) -> tuple[FastAPI, tuple[BaseRoute, ...]]:
    """The FastAPI app serving the routes of ``kinds`` and the API's other routers, and the
    routes themselves (matched by the gate: FastAPI's own routing table wraps included routers
    and does not expose their templates)."""
    api = FastAPI(
        title="drflow VBR simulator",
        version="1.3-rev1",
        summary="A simulator of the Veeam Backup & Replication REST API 1.3-rev1 for drflow.",
    )
    routes: list[BaseRoute] = []
    kind_routers = [kind.router for kind in kinds]
    for router in (auth.router, sessions.router, catalog.router, *kind_routers, admin.router):
        api.include_router(router)
        routes.extend(router.routes)
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(Exception, _crash)
    api.openapi = lambda: _openapi(api)  # type: ignore[method-assign]
    return api, tuple(routes)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with VBR's conventions: Bearer security, the ``x-api-version``
    header on ``/api`` operations, and 400 ``Error`` in place of FastAPI's 422."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    components["securitySchemes"] = {"Bearer": {"type": "http", "scheme": "bearer"}}
    version_param = {
        "name": "x-api-version",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "default": "1.3-rev1"},
    }
    for path, operations in doc.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                del responses["422"]
                responses.setdefault(
                    "400",
                    {
                        "description": "Bad request",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
            if path.startswith("/api/"):
                operation.setdefault("parameters", []).insert(0, version_param)
                if path != TOKEN_PATH:
                    operation["security"] = [{"Bearer": []}]
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = doc
    return doc
