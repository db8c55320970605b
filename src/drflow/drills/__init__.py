"""Drills and recoveries of whole plans: ``dr-drill``, ``dr-recover``, ``readiness``, and
their evidence.

:mod:`.run` carries a plan out (preflight, order, limits, verdicts), :mod:`.report` is its
evidence and :mod:`.evidence` publishes it to Prefect (and reads it back); :mod:`.readiness`
checks a plan without starting anything (its flow: ``drflow.drills.readiness:readiness``);
:mod:`.history` reads past drills and readiness checks back from Prefect.
"""

from .drill import DrillFailed, dr_drill, dr_recover
from .readiness import NotReady, ReadinessReport, WorkloadReadiness
from .report import DrillReport, WorkloadResult
from .run import DEFAULT_LIMIT, LIMIT_NAME, ensure_concurrency_limit, run_plan

__all__ = [
    "DEFAULT_LIMIT",
    "LIMIT_NAME",
    "DrillFailed",
    "DrillReport",
    "NotReady",
    "ReadinessReport",
    "WorkloadReadiness",
    "WorkloadResult",
    "dr_drill",
    "dr_recover",
    "ensure_concurrency_limit",
    "run_plan",
]
