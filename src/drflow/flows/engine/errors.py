"""Why a recovery ends without passing, when VBR itself did not say so."""

from __future__ import annotations


class Unverified(Exception):
    """The recovered workload did not pass verification."""


class RecoveryProblem(Exception):
    """The recovery cannot go on; the message says why, for the report."""
