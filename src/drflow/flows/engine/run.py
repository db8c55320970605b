"""The one recovery engine: every workload's flow is ``run_recovery(<its strategy>)``.

select restore point → start (adopting an earlier attempt of the run) → wait until ready →
prepare → verify (VBR's view, then the workload checks) → end as the strategy's ``ending``
says (decide, hand over, final) → clean up → publish the evidence.

The engine owns the report and its phases, progress, what the run holds in VBR and its
disposition (:mod:`.ownership`), clean-up and publishing, so every workload behaves the same
under failure: whatever the run holds and has not been kept (or sent to production) is
released before the run ends, in the flow itself; what even that cannot release is recorded as
*cleanup pending* for the janitor, and said so in the report. A run suspended until a scheduled
switchover keeps what it holds and publishes nothing until it is resumed.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

from prefect import get_run_logger
from prefect.exceptions import Pause
from prefect.runtime import flow_run, task_run

from drflow.tasks import get_client, run_mark, verify_workload
from drflow.vbr import (
    AmbiguousAdoption,
    MountFailed,
    Outage,
    SessionFailed,
    VBRError,
    VBRTransportError,
    WaitTimeout,
    budget,
    is_transient,
)
from drflow.vbr.marks import find_marked, remove
from drflow.vbr.models import ObjectRestorePointModel
from drflow.vbr.outages import format_duration

from . import handoff, ownership
from .decision import decide
from .errors import RecoveryProblem, Unverified
from .evidence import Progress, publish
from .handover import keep_for_operator, publish_handover
from .hooks import as_owned
from .ownership import Disposition, DispositionRecord, OwnedObject
from .report import RecoveryFailed, RecoveryReport, artifact_key
from .strategy import Strategy
from .target import vbr_server

EXPECTED: tuple[type[Exception], ...] = (Unverified, RecoveryProblem, VBRError)
"""Failures that end a recovery with a report (anything else is a crash of the run)."""

FAILED_IN_VBR = (MountFailed, SessionFailed)
"""VBR says the work failed: a migration that raised these did not take."""


def run_recovery(strategy: Strategy[Any, Any]) -> RecoveryReport:
    """Carry out one recovery; return its report, or raise :class:`RecoveryFailed` with it."""
    return _Recovery(strategy).run()


def describe_failure(exc: BaseException, outage: Outage | None = None) -> str:
    """One line for the report: what failed, in VBR's words where there are some.

    A transient failure (no connection, 5xx, 429, a timeout) that reaches the run means VBR
    stayed unavailable longer than the run's budget for it: said so, with how long the
    ``outage`` the client saw had lasted when the run gave up.
    """
    if is_transient(exc):
        how = "unreachable" if isinstance(exc, VBRTransportError) else "unavailable"
        lasted = f" for {format_duration(outage.duration().total_seconds())}" if outage else ""
        return f"VBR {how}{lasted}, longer than the run could wait: {exc}"
    if isinstance(exc, SessionFailed):
        return f"VBR session failed: {exc.reason or exc}"
    if isinstance(exc, MountFailed):
        return f"mount failed: {exc.error_message or exc}"
    if isinstance(exc, Unverified):
        return f"verification failed: {exc}"
    if isinstance(exc, WaitTimeout):
        return f"timed out: {exc}"
    return str(exc)


def record_restore_point(report: RecoveryReport, point: ObjectRestorePointModel) -> None:
    """The chosen restore point, its time and its age, as evidence."""
    report.restore_point_id = str(point.id)
    report.restore_point_time = point.creation_time
    report.restore_point_age_seconds = round(
        (datetime.now(UTC) - point.creation_time).total_seconds()
    )


class _Recovery:
    """One recovery under way: the strategy, its report, and what it holds in VBR."""

    def __init__(self, strategy: Strategy[Any, Any]) -> None:
        self.strategy = strategy
        self.params = strategy.params
        self.logger = get_run_logger()
        self.run_id: str | None = str(flow_run.get_id() or "") or None
        as_task = handoff.task_of_flow()
        self.report = RecoveryReport(
            workload=strategy.name,
            kind=as_task or flow_run.flow_name or "",
            then=self.params.then,
            flow_run_id=self.run_id,
            task_run_id=str(task_run.get_id()) if as_task else None,
        )
        strategy.report = self.report
        self.progress = Progress(strategy.name)
        self.held: Any = None
        self.obj: OwnedObject | None = None
        self.disposition: Disposition | None = None
        self.entries: list[DispositionRecord] = []
        self.unsettled_start = False
        """The start failed after VBR may have carried it out: what it began is unknown."""

    def run(self) -> RecoveryReport:
        suspended = False
        slot = ExitStack()
        tolerance = self.params.outage_tolerance_minutes
        if tolerance:  # each VBR call retries through an outage this long (waits: their timeout)
            slot.enter_context(budget(outage_tolerance=tolerance * 60))
        handoff.began()
        try:
            resumed = self.strategy.resume()
            if resumed is None:
                self._recover(slot)
            else:
                self._resume(*resumed)
            self.report.verdict = "passed"
            self.progress.update(100, "done")
        except EXPECTED as exc:
            self.report.reason = describe_failure(exc, self._outage())
            self.logger.error("recovery of %s failed: %s", self.strategy.name, self.report.reason)
        except Pause:
            # suspended until a later step (a scheduled switchover): the resumed run finishes
            # what this one started, so nothing is released and no final report published yet
            suspended = True
            raise
        finally:
            try:
                if not suspended:
                    self._clean_up()
            finally:
                slot.close()
                if not suspended:
                    self._publish()
        if self.report.verdict != "passed":
            raise RecoveryFailed(self.report)
        return self.report

    # --- the phases ---------------------------------------------------------------------------

    def _recover(self, slot: ExitStack) -> None:
        strategy, report = self.strategy, self.report
        phase = report.begin("select restore point")
        point = strategy.select_point(report)
        record_restore_point(report, point)
        report.end(phase)
        self.progress.update(5, "restore point selected")
        self.logger.info("recovering %s from %s (%s)", strategy.name, point.creation_time, point.id)

        if slot.enter_context(handoff.vbr_work()):  # a drill's slot: requested now
            report.requested_at = datetime.now(UTC)
        phase = report.begin(strategy.start_phase)
        try:
            started = strategy.start(point, run_mark(), report)
        except VBRError as exc:
            # VBR may have carried out a start it did not answer (not adopted in time)
            self.unsettled_start = is_transient(exc) or isinstance(exc, AmbiguousAdoption)
            raise
        self._hold(started)
        self.progress.update(15, f"waiting for VBR ({strategy.start_phase})")
        self.held = strategy.wait_ready(self.held, self.progress)
        if strategy.finished(self.held):
            self._ended_by_vbr()
        report.end(phase)
        self.progress.update(60, "verifying")

        strategy.prepare(self.held, report, self.progress)
        self._verify()
        self.progress.update(80, "verified" if self.report.checks else "recovered (no checks)")
        if strategy.ending == "decide":
            self._decide()
        elif strategy.ending == "hand over":
            self._hand_over()
        else:
            report.choice = "keep"
        strategy.describe_end(self.held, report)

    def _verify(self) -> None:
        strategy, report, checks = self.strategy, self.report, self.params.checks
        if strategy.checks_state or checks:
            phase = report.begin("verify")
            problems = strategy.problems(self.held)
            if checks:
                report.checks = verify_workload(strategy.check_target, checks)
                problems += [f"{c.check}: {c.detail}" for c in report.checks if not c.passed]
            report.end(phase)
            if problems:
                raise Unverified("; ".join(problems))
        report.verified(rto=strategy.ending != "hand over" or bool(checks))
        if report.rto_seconds is not None:
            self.logger.info(
                "%s %s, RTO %.1fs", strategy.name, report.outcome(), report.rto_seconds
            )

    def _decide(self) -> None:
        strategy, report = self.strategy, self.report
        decision = decide(
            self.params.then,
            self.params.ask,
            summary=report.markdown(),
            allowed=strategy.choices(),
            key=artifact_key("decision", strategy.name),
        )
        report.choice = decision.choice
        report.decided_by = decision.approver or None
        note = decision.note
        if note:
            report.details["operator note"] = note
        phase = report.begin(decision.choice)
        if decision.choice == "unmount":
            self._release()
            report.cleaned_up = True
        elif decision.choice == "migrate":
            self._set(Disposition.MIGRATING, by=decision.approver, note=note)
            try:
                result = strategy.migrate(self.held, report)
            except FAILED_IN_VBR:
                # VBR says the migration failed: it did not take, the recovery is transient
                self._set(Disposition.TRANSIENT, by="drflow", note="the migration failed")
                raise
            self._set(result, by="drflow")
        else:
            self._set(Disposition.KEPT, by=decision.approver, note=note)
        report.end(phase)

    def _hand_over(self) -> None:
        strategy, report = self.strategy, self.report
        keep = getattr(self.params, "keep_minutes", 0.0)
        phase = report.begin("keep")
        details, how_to_use = strategy.hand_over(self.held, report)
        report.details.update(details)
        key, title = strategy.handover_key, strategy.title
        publish_handover(key, strategy.name, title, report.details, how_to_use, keep)
        answer = keep_for_operator(key, strategy.name, title, keep)
        if answer is not None:
            report.decided_by = answer.approver or "(operator)"
            if answer.note:
                report.details["operator note"] = answer.note
        else:
            report.decided_by = "(keep time elapsed)" if keep else "(keep_minutes 0)"
        report.end(phase)
        report.choice = "unmount"
        self.progress.update(90, "releasing")

    def _resume(self, report: RecoveryReport, held: Any) -> None:
        """Finish the migration a suspended run was waiting for (a scheduled switchover)."""
        self.report = self.strategy.report = report
        self.held, self.obj = held, self._owned(held)
        self.disposition = Disposition.MIGRATING
        self.logger.info("resumed: finishing the migration of %s", self.strategy.name)
        self.progress.update(90, "confirming the switchover")
        try:
            result = self.strategy.finish_migration(held, report)
        except FAILED_IN_VBR:
            self._set(Disposition.TRANSIENT, by="drflow", note="the migration failed")
            raise
        self._set(result, by="drflow")
        if report.phases and report.phases[-1].ended is None:
            report.end(report.phases[-1])

    # --- what the run holds ---------------------------------------------------------------------

    def _hold(self, held: Any) -> None:
        self.held = held
        self.obj = self._owned(held)
        self.disposition = Disposition.TRANSIENT
        if not self.strategy.listable:  # the hooks and the janitor find it by this record only
            self._set(Disposition.TRANSIENT, by="drflow", note="started")

    def _owned(self, held: Any) -> OwnedObject:
        return self._on_this_vbr(self.strategy.owned(held))

    def _on_this_vbr(self, obj: OwnedObject) -> OwnedObject:
        """``obj`` naming the VBR server that holds it (its id means nothing elsewhere)."""
        return obj.model_copy(update={"vbr": get_client(self.params.connection).settings.url})

    def _set(
        self, disposition: Disposition, *, by: str = "", note: str = "", persist: bool = True
    ) -> None:
        """The held object's disposition from now on, recorded on the run (what the janitor
        and the hooks read) unless ``persist`` is false (an object gone from VBR)."""
        assert self.obj is not None
        self.disposition = disposition
        entry: DispositionRecord | None = None
        if persist and self.run_id:
            try:
                entry = ownership.record(self.run_id, self.obj, disposition, by=by, note=note)
            except Exception as exc:  # Prefect is down past its retries: say so, never guess
                self.logger.error(
                    "could not record %s as %s: %s; the janitor leaves what it cannot judge",
                    self.obj.label(),
                    disposition,
                    exc,
                )
                self.report.details["disposition not recorded"] = f"{disposition}: {exc}"
        if entry is None:
            entry = DispositionRecord(
                object=self.obj, disposition=disposition, at=datetime.now(UTC), by=by, note=note
            )
        self.entries.append(entry)

    def _release(self) -> None:
        """Release what the run holds (wait until VBR no longer holds it)."""
        self.strategy.release(self.held)
        # gone from VBR: only what the run recorded as held needs its record closed
        self._set(Disposition.RELEASED, by="drflow", persist=not self.strategy.listable)
        self.logger.info("%s released", self.obj.label() if self.obj else self.strategy.name)

    def _ended_by_vbr(self) -> None:
        """VBR ended what the run held (a finished restore): nothing is left to release."""
        self._set(
            Disposition.RELEASED,
            by="VBR",
            note="its session ended",
            persist=not self.strategy.listable,
        )

    def _clean_up(self) -> None:
        """Release what the run still holds as transient; what cannot be is recorded as
        cleanup pending, for the janitor. A clean-up error never hides the run's own."""
        if self.held is None and self.unsettled_start:
            self._clean_up_unsettled_start()
            return
        if self.held is None or self.disposition != Disposition.TRANSIENT:
            return
        try:
            if self.strategy.finished(self.held):
                self._ended_by_vbr()
                return
        except Exception as exc:  # cannot tell: release it, which takes gone as done
            self.logger.warning("could not read whether VBR ended it: %s", exc)
        report = self.report
        phase = report.begin(self.strategy.release_phase)
        try:
            self._release()
            report.cleaned_up = True
        except Exception as exc:
            label = self.obj.label() if self.obj else self.strategy.name
            self.logger.error("cleanup of %s failed, it is pending for the janitor: %s", label, exc)
            self._set(Disposition.TRANSIENT, by="drflow", note=f"cleanup pending: {exc}")
            report.cleaned_up = False
        finally:
            report.end(phase)

    def _clean_up_unsettled_start(self) -> None:
        """The start failed once VBR may have carried it out (its answer lost, then VBR
        unavailable past the budget): remove what VBR lists with the run's mark, within the
        cleanup budget. What cannot be looked for or removed is cleanup pending: the janitor
        finds it by the mark. A kind VBR cannot list by mark is said so (VBR ends it)."""
        strategy, report = self.strategy, self.report
        mark = run_mark()
        phase = report.begin(strategy.release_phase)
        unknown = OwnedObject(
            kind=report.kind or "recovery", id=f"unknown, marked {mark}", name=strategy.name
        )
        try:
            if not strategy.listable:
                raise VBRError("VBR cannot list it by the run's mark")
            client = get_client(self.params.connection)
            scope = budget(
                client.settings.cleanup_budget,
                outage_tolerance=math.inf,
                detached=True,
                clock=client.retry.clock,
            )
            with scope:
                found = find_marked(client, mark)
        except Exception as exc:
            self.logger.error(
                "what the start of %s began (if anything) is unknown, cleanup pending: %s",
                strategy.name,
                exc,
            )
            self.obj = unknown
            self._set(
                Disposition.TRANSIENT, by="drflow", note=f"cleanup pending: {exc}", persist=False
            )
            report.cleaned_up = False
            report.end(phase)
            return
        report.cleaned_up = True if found else None
        for marked in found:
            self.obj = self._on_this_vbr(as_owned(marked))
            self.logger.warning("%s was started by the lost start: removing it", self.obj.label())
            try:
                remove(client, marked)
            except Exception as exc:
                self.logger.error("cleanup of %s failed, it is pending: %s", self.obj.label(), exc)
                self._set(Disposition.TRANSIENT, by="drflow", note=f"cleanup pending: {exc}")
                report.cleaned_up = False
            else:
                self._set(
                    Disposition.RELEASED,
                    by="drflow",
                    note="started by a start whose answer was lost",
                    persist=False,  # gone from VBR: nothing to record for the janitor
                )
        report.end(phase)

    def _outage(self) -> Outage | None:
        """The outage of VBR going on now (VBR has not answered since), as the run's client
        sees it."""
        try:
            return get_client(self.params.connection).outages.current
        except Exception:  # no client (bad settings): no outage to speak of
            return None

    def _publish(self) -> None:
        report = self.report
        report.objects = list(ownership.latest(self.entries).values())
        begun = report.phases[0].started if report.phases else report.requested_at
        try:
            client = get_client(self.params.connection)
        except Exception as exc:  # no client (bad settings): nothing to measure or name
            self.logger.warning("could not identify the VBR server: %s", exc)
        else:
            try:
                # naming the target must not hold the run: within the run's outage tolerance,
                # and one try only while VBR is unavailable (the run may have given up on it)
                tolerance = self.params.outage_tolerance_minutes
                with budget(
                    0 if client.outages.current is not None else None,
                    outage_tolerance=tolerance * 60 if tolerance else None,
                ):
                    report.vbr = vbr_server(self.params.connection)
            except Exception as exc:  # evidence of the target must not fail the run
                self.logger.warning("could not identify the VBR server: %s", exc)
            # measured last: an outage met while naming the server is one the run rode out
            unavailable = client.outages.unavailable_between(begun).total_seconds()
            report.vbr_unavailable_seconds = round(unavailable, 1) if unavailable else None
        handoff.ended(report)
        publish(report)
