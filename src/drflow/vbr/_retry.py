"""The one retry policy of the VBR client.

What is retried:

- a connection that could not be made (the request never left): any method;
- 429 (honouring ``Retry-After``): any method, since the server refused the work;
- 500, 502, 503, 504, timeouts and dropped connections: only idempotent requests (GET, PUT,
  DELETE): resending a read after VBR's ``UnknownError`` is harmless, and a 500 is often
  transient. A POST that may have reached the server is never resent here: the caller must
  first look for what the first attempt may have started (see ``drflow.tasks``).

Other 4xx are never retried. Waits grow exponentially with jitter up to a cap.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from ._exceptions import RateLimited, ServerError, VBRError, VBRTLSError, VBRTransportError

logger = logging.getLogger("drflow.vbr")

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """How hard the client tries before giving an error back."""

    attempts: int = 5
    """Tries in all, the first included."""
    initial_wait: float = 0.5
    """Seconds before the first retry; doubles each time."""
    max_wait: float = 10.0
    """Longest wait between two tries."""
    jitter: float = 0.5
    """Random seconds added to each wait, so that many clients do not retry in step."""
    max_retry_after: float = 60.0
    """A ``Retry-After`` longer than this is cut to it."""
    deadline: float = 300.0
    """Give up once this many seconds have passed since the first try."""
    retries: int = field(default=0, compare=False)
    """Retries made so far by clients using this policy (for tests and benchmarks)."""
    most_retries: int = field(default=0, compare=False)
    """The most retries one call has needed so far (never more than ``attempts - 1``)."""
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    """How to wait between tries (tests record the waits instead)."""

    def should_retry(self, exc: BaseException, method: str, idempotent: bool | None = None) -> bool:
        """Whether ``exc`` raised by a ``method`` request may be retried."""
        if not isinstance(exc, VBRError):
            return False
        transient = (
            isinstance(exc, RateLimited)
            or (isinstance(exc, ServerError) and exc.status_code in TRANSIENT_STATUSES)
            or (isinstance(exc, VBRTransportError) and not isinstance(exc, VBRTLSError))
        )
        if not transient:
            return False
        if isinstance(exc, RateLimited) or not exc.request_sent:
            return True
        return method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent

    def wait_seconds(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_retry_after)
        return wait_exponential_jitter(
            multiplier=self.initial_wait, max=self.max_wait, jitter=self.jitter
        )(state)

    def call(
        self,
        fn: Callable[[], T],
        *,
        method: str,
        describe: str,
        idempotent: bool | None = None,
    ) -> T:
        """Run ``fn`` under this policy; the last error is re-raised as is."""

        def before_sleep(state: RetryCallState) -> None:
            self.retries += 1
            self.most_retries = max(self.most_retries, state.attempt_number)
            exc = state.outcome.exception() if state.outcome else None
            logger.warning(
                "%s failed (%s); retry %d/%d in %.1fs",
                describe,
                exc,
                state.attempt_number,
                self.attempts - 1,
                state.next_action.sleep if state.next_action else 0.0,
            )

        retrying = Retrying(
            retry=retry_if_exception(lambda exc: self.should_retry(exc, method, idempotent)),
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.deadline),
            wait=self.wait_seconds,
            before_sleep=before_sleep,
            reraise=True,
            sleep=self.sleep,
        )
        return retrying(fn)
