"""Fault injection: rules that make chosen requests slow, fail, lose their connection, or take
the whole server down for a while.

A rule matches a request by ``method`` (``*`` for any) and ``path`` (a regular expression
searched in the request path, e.g. ``^/api/v1/sessions``). The first ``skip`` matching
requests pass untouched (``skip: 2`` fires on the third); after them a matching rule *fires*
with probability ``error_rate`` (drawn from the simulator's seeded RNG) and at most
``max_count`` times. When it fires:

- ``latency`` seconds are waited first (latencies of all firing rules add up);
- then the first firing rule that has an action decides the answer:
  ``drop_connection`` closes the TCP connection without an answer;
  ``commit_then_fail`` lets the operation happen, then answers 500 (``"500"``) or drops the
  connection (``"drop"``) instead of the real answer;
  ``status`` answers that status without touching the operation (500/503 and 429 carry the
  VBR ``Error`` body; 502/504 a plain-text body, as a reverse proxy would; 429 always sends
  ``Retry-After`` (``retry_after``, default 1 s), 503 when ``retry_after`` is set);
  ``outage`` starts an outage (:mod:`drflow.simulator.outage`), e.g.
  ``{"method": "POST", "path": "/unmount$", "max_count": 1,
  "outage": {"seconds": 30, "mode": "refuse", "request": "lost"}}``.

Requests under ``/_sim`` are never faulted.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .outage import TriggeredOutage

FaultStatus = Literal[500, 502, 503, 504, 429]


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: str = "*"
    path: str = ".*"
    error_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    status: FaultStatus | None = None
    retry_after: int | None = Field(default=None, ge=0)
    latency: float = Field(default=0.0, ge=0.0, le=120.0)
    drop_connection: bool = False
    commit_then_fail: Literal["500", "drop"] | None = None
    outage: TriggeredOutage | None = None
    skip: int = Field(default=0, ge=0)
    max_count: int | None = Field(default=None, ge=0)

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("path")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _one_action(self) -> FaultRule:
        if sum(self._actions()) > 1:
            raise ValueError("choose one of status, drop_connection, commit_then_fail, outage")
        return self

    def _actions(self) -> list[bool]:
        return [
            self.status is not None,
            self.drop_connection,
            self.commit_then_fail is not None,
            self.outage is not None,
        ]

    @property
    def has_action(self) -> bool:
        return any(self._actions())

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method.upper())) and re.search(self.path, path) is not None


@dataclass
class FaultDecision:
    """What to do with one request (``None`` action: answer normally)."""

    latency: float = 0.0
    rule: FaultRule | None = None

    @property
    def kind(self) -> str | None:
        rule = self.rule
        if rule is None:
            return None
        if rule.drop_connection:
            return "drop"
        if rule.commit_then_fail is not None:
            return f"commit_then_fail:{rule.commit_then_fail}"
        if rule.outage is not None:
            return f"outage:{rule.outage.mode}"
        return f"status:{rule.status}"


class FaultInjector:
    """Holds the rules and decides, thread-safely and reproducibly, which ones fire."""

    def __init__(self, seed: int, rules: list[FaultRule] | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._rules: list[FaultRule] = []
        self._fired: list[int] = []
        self._matched: list[int] = []
        self.injected: dict[str, int] = {}
        self.replace(rules or [])

    def replace(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)
            self._fired = [0] * len(self._rules)
            self._matched = [0] * len(self._rules)

    def clear(self) -> None:
        self.replace([])

    def rules(self) -> list[dict]:
        with self._lock:
            return [
                {**rule.model_dump(), "fired": fired}
                for rule, fired in zip(self._rules, self._fired, strict=True)
            ]

    def decide(self, method: str, path: str) -> FaultDecision:
        decision = FaultDecision()
        if path.startswith("/_sim"):
            return decision
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not rule.matches(method, path):
                    continue
                self._matched[index] += 1
                if self._matched[index] <= rule.skip:
                    continue
                if rule.max_count is not None and self._fired[index] >= rule.max_count:
                    continue
                if rule.error_rate < 1.0 and self._rng.random() >= rule.error_rate:
                    continue
                self._fired[index] += 1
                if rule.latency:
                    decision.latency += rule.latency
                    self._count("latency")
                if rule.has_action and decision.rule is None:
                    decision.rule = rule
            if decision.kind is not None:
                self._count(decision.kind)
        return decision

    def _count(self, kind: str) -> None:
        self.injected[kind] = self.injected.get(kind, 0) + 1
