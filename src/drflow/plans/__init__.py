"""Recovery plans: YAML files that say what to recover, in what order, and how to verify it."""

from .graph import dependencies, waves
from .loader import PlanError, Problem, load_plan, parse_plan, workload_params
from .model import Plan, Workload

__all__ = [
    "Plan",
    "PlanError",
    "Problem",
    "Workload",
    "dependencies",
    "load_plan",
    "parse_plan",
    "waves",
    "workload_params",
]
