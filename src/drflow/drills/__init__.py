"""Drills and recoveries of whole plans: ``dr-drill``, ``dr-recover``, and their evidence.

:mod:`.run` carries a plan out (preflight, order, limits, verdicts), :mod:`.report` is its
evidence, :mod:`.history` reads past drills back from Prefect.
"""

from .drill import DrillFailed, dr_drill, dr_recover
from .report import DrillReport, WorkloadResult
from .run import DEFAULT_LIMIT, LIMIT_NAME, ensure_concurrency_limit, run_plan

__all__ = [
    "DEFAULT_LIMIT",
    "LIMIT_NAME",
    "DrillFailed",
    "DrillReport",
    "WorkloadResult",
    "dr_drill",
    "dr_recover",
    "ensure_concurrency_limit",
    "run_plan",
]
