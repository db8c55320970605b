"""Recovery plans: YAML files that say what to recover, in what order, and how to verify it."""

from .graph import dependencies, waves
from .loader import PlanError, Problem, load_plan, parse_plan, workload_params
from .model import TASK_RUNS_FROM, Plan, Workload, WorkloadRuns

__all__ = [
    "TASK_RUNS_FROM",
    "Plan",
    "PlanError",
    "Problem",
    "Workload",
    "WorkloadRuns",
    "dependencies",
    "load_plan",
    "parse_plan",
    "waves",
    "workload_params",
]
