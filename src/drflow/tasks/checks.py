"""The task that runs workload checks against a recovered machine."""

from __future__ import annotations

from prefect import get_run_logger

from drflow.checks import Check, CheckResult, run_check

from ._common import drflow_task


@drflow_task("verify-workload", run_name="verify-workload[{vm}]")
def verify_workload(vm: str, checks: list[Check]) -> list[CheckResult]:
    """Run each check to its own deadline; returns every result (the caller judges)."""
    logger = get_run_logger()
    results = []
    for check in checks:
        result = run_check(check, vm)
        log = logger.info if result.passed else logger.error
        log("%s: %s %s", result.check, "passed" if result.passed else "FAILED", result.detail)
        results.append(result)
    return results
