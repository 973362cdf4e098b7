"""Protobuf <-> domain for streaming, jobs and what-if scenarios (the rest is in ``convert``)."""

from __future__ import annotations

import re

from google.protobuf import duration_pb2, timestamp_pb2

from dispatch_service import convert
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.jobs import Job
from dispatch_service.scenarios import KpiDelta, PlanDiff, ScenarioSpec
from dispatch_service.worker_task import Progress
from solver.errors import Violation
from solver.model import Plan


def _dur(seconds: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(round(seconds * 1e9)))
    return d


def _ts(seconds: float) -> timestamp_pb2.Timestamp:
    t = timestamp_pb2.Timestamp()
    t.FromNanoseconds(int(round(seconds * 1e9)))
    return t


# -- streaming ---------------------------------------------------------------------------------


def progress_to_pb(progress: Progress, label: str, time_limit_s: float) -> pb.SolveProgress:
    """A progress update; without a plan snapshot the plan carries only the label and stats."""
    out = pb.SolveProgress(elapsed=_dur(progress.elapsed_s))
    if progress.plan is not None:
        out.plan.CopyFrom(convert.plan_to_response(progress.plan, time_limit_s))
        out.plan.stats.solutions_found = max(out.plan.stats.solutions_found, progress.solutions)
    else:
        out.plan.label = label
        if progress.objective is not None:
            out.plan.stats.objective = progress.objective
        out.plan.stats.solutions_found = progress.solutions
        out.plan.stats.effective_time_limit.CopyFrom(_dur(time_limit_s))
    return out


def final_to_pb(plan: Plan, time_limit_s: float) -> pb.SolveProgress:
    return pb.SolveProgress(elapsed=_dur(plan.stats.total_s), plan=convert.plan_to_response(plan, time_limit_s), final=True)


# -- jobs --------------------------------------------------------------------------------------


def job_to_pb(job: Job, with_plan: bool = True) -> pb.SolveJob:
    out = pb.SolveJob(
        job_id=job.job_id,
        label=job.label,
        state=job.state,
        create_time=_ts(job.create_time),
        elapsed=_dur(job.elapsed_s),
        solutions_found=job.solutions,
        error_code=job.error_code,
        error_message=job.error_message,
        order_count=job.order_count,
        engineer_count=job.engineer_count,
    )
    if job.end_time is not None:
        out.end_time.CopyFrom(_ts(job.end_time))
    if with_plan and job.plan:
        out.plan.ParseFromString(job.plan)
    return out


# -- scenarios ---------------------------------------------------------------------------------

_ITEM = re.compile(r"^(orders|engineers)\[(\d+)\](.*)$")


def scenario_from_pb(msg: pb.Scenario, path: str) -> tuple[ScenarioSpec, list[Violation]]:
    """Reads one scenario; its added orders and engineers are converted exactly as a request's
    (wire-level violations get paths like ``scenarios[1].add_orders[0].location``)."""
    problem, violations = convert.request_to_problem(pb.SolveRequest(orders=msg.add_orders, engineers=msg.add_engineers))
    out = []
    for v in violations:
        m = _ITEM.match(v.field)
        field = f"{path}.add_{m.group(1)}[{m.group(2)}]{m.group(3)}" if m else f"{path}.{v.field}"
        out.append(Violation(field, v.description))
    spec = ScenarioSpec(
        name=msg.name,
        remove_engineer_ids=tuple(msg.remove_engineer_ids),
        add_engineers=problem.engineers,
        remove_order_ids=tuple(msg.remove_order_ids),
        add_orders=problem.orders,
        order_scale=msg.order_scale if msg.HasField("order_scale") else None,
        sla_hours=msg.sla_hours if msg.HasField("sla_hours") else None,
        speed_scale=msg.speed_scale if msg.HasField("speed_scale") else None,
        shift_end_offset_s=msg.shift_end_offset.seconds,
        shift_start_offset_s=msg.shift_start_offset.seconds,
    )
    return spec, out


def kpi_delta_to_pb(d: KpiDelta) -> pb.KpiDelta:
    out = pb.KpiDelta(
        orders_served=d.orders_served,
        orders_unassigned=d.orders_unassigned,
        on_time_rate=d.on_time_rate,
        overdue_count=d.overdue_count,
        total_travel_duration=_dur(d.total_travel_duration_s),
        total_travel_distance_meters=d.total_travel_distance_m,
        total_working_duration=_dur(d.total_working_s),
        objective=d.objective,
    )
    if d.mean_response_s is not None:
        out.mean_response_time.CopyFrom(_dur(d.mean_response_s))
    return out


def plan_diff_to_pb(d: PlanDiff) -> pb.PlanDiff:
    return pb.PlanDiff(
        moved_order_ids=d.moved_order_ids,
        newly_unassigned_order_ids=d.newly_unassigned_order_ids,
        newly_served_order_ids=d.newly_served_order_ids,
        changed_engineer_ids=d.changed_engineer_ids,
        mean_arrival_shift=_dur(d.mean_arrival_shift_s),
        max_arrival_shift=_dur(d.max_arrival_shift_s),
    )


def scenario_result_to_pb(name: str, plan: Plan, delta: KpiDelta, diff: PlanDiff, time_limit_s: float, include_plan: bool) -> pb.ScenarioResult:
    response = convert.plan_to_response(plan, time_limit_s)
    out = pb.ScenarioResult(
        name=name, kpis=response.kpis, objective=plan.stats.objective, delta=kpi_delta_to_pb(delta), diff=plan_diff_to_pb(diff)
    )
    if include_plan:
        out.plan.CopyFrom(response)
    return out
