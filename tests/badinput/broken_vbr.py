"""A real HTTP server on 127.0.0.1 between drflow and the simulator that breaks chosen answers
the way a faulty VBR, a reverse proxy or a load balancer would.

Each rule matches a method and a path (a regular expression matched against the whole path)
and either answers by itself (:class:`Answer`) or rewrites the simulator's real answer (a
function of it). Everything else is passed through unchanged. ``seen`` lists every request.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{title}</title></head>"
    "<body><h1>{title}</h1><p>nginx</p></body></html>"
)


@dataclass(frozen=True)
class Answer:
    """An answer made up by the server."""

    status: int
    body: str = ""
    content_type: str | None = "application/json"


Rewrite = Callable[[httpx.Response], Answer]
Rule = tuple[str, str, Answer | Rewrite]
"""(method, path pattern, what to answer)."""

_HOP_BY_HOP = {"connection", "content-length", "content-encoding", "transfer-encoding", "host"}


class BrokenVBR:
    """Serve on a free port of 127.0.0.1 while in the ``with`` block."""

    def __init__(self, upstream: str, rules: list[Rule]) -> None:
        self.upstream = upstream
        self.rules = rules
        self.seen: list[tuple[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> BrokenVBR:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def started(self, pattern: str) -> list[tuple[str, str]]:
        """The POSTs that reached a path matching ``pattern``."""
        return [(m, p) for m, p in self.seen if m == "POST" and re.search(pattern, p)]

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        path = target.split("?", 1)[0]
        self.seen.append((method, path))
        action: Answer | Rewrite | None = None
        for rule_method, pattern, rule_action in self.rules:
            if rule_method in ("*", method) and re.fullmatch(pattern, path):
                action = rule_action
                break
        if isinstance(action, Answer):
            return action
        sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
        response = httpx.request(
            method, self.upstream + target, headers=sent, content=body, timeout=30
        )
        if action is not None:
            return action(response)
        return Answer(response.status_code, response.text, response.headers.get("content-type"))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        broken = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = broken._answer(self.command, self.path, dict(self.headers), body)
                data = answer.body.encode()
                self.send_response(answer.status)
                if answer.content_type:
                    self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
