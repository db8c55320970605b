"""Why a recovery ends without passing, when VBR itself did not say so."""

from __future__ import annotations

from drflow.errors import DrflowError


class Unverified(DrflowError):
    """The recovered workload did not pass verification."""


class RecoveryProblem(DrflowError):
    """The recovery cannot go on; the message says why, for the report."""
