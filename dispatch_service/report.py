"""A plan as a readable text table, for the command line."""

from __future__ import annotations

from datetime import UTC, datetime

from dispatch_service.api.v1 import dispatch_pb2 as pb


def _clock(ts, with_date: bool) -> str:
    t = datetime.fromtimestamp(ts.seconds, tz=UTC)
    return t.strftime("%m-%d %H:%M" if with_date else "%H:%M")


def _hm(d) -> str:
    minutes = round(d.seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}m"


def format_plan(response: pb.SolveResponse) -> str:
    days = {r.start_time.seconds // 86400 for r in response.routes if r.visits}
    with_date = len(days) > 1
    lines = []
    if response.label:
        lines.append(f"Plan: {response.label}")
    for route in response.routes:
        if not route.visits:
            continue
        lines.append("")
        lines.append(
            f"{route.engineer_id} (shift {route.shift_index}): {_clock(route.start_time, with_date)}–{_clock(route.end_time, with_date)}, "
            f"{len(route.visits)} visit{'s' if len(route.visits) != 1 else ''}, drive {_hm(route.travel_duration)} / {route.travel_distance_meters / 1000:.1f} km"
        )
        lines.append(f"  {'#':>3}  {'order':<18} {'arrive':>11} {'start':>11} {'end':>11} {'drive':>6} {'km':>6} {'wait':>6} {'late':>6}")
        for k, v in enumerate(route.visits, 1):
            late = _hm(v.sla_lateness) if v.sla_lateness.seconds else ""
            wait = _hm(v.waiting_duration) if v.waiting_duration.seconds else ""
            lines.append(
                f"  {k:>3}  {v.order_id[:18]:<18} {_clock(v.arrival_time, with_date):>11} {_clock(v.start_time, with_date):>11} "
                f"{_clock(v.end_time, with_date):>11} {_hm(v.travel_duration):>6} {v.travel_distance_meters / 1000:>6.1f} {wait:>6} {late:>6}"
            )
        for b in route.breaks:
            lines.append(f"       break {_clock(b.start_time, with_date)}–{_clock(b.end_time, with_date)}")
    idle = [f"{r.engineer_id}#{r.shift_index}" for r in response.routes if not r.visits]
    if idle:
        lines.append("")
        lines.append(f"Routes without visits: {', '.join(idle)}")
    if response.unassigned_orders:
        lines.append("")
        lines.append(f"Unassigned ({len(response.unassigned_orders)}):")
        for u in response.unassigned_orders:
            example = f" (e.g. {u.example_engineer_id})" if u.example_engineer_id else ""
            lines.append(f"  {u.order_id:<18} {pb.UnassignedReason.Name(u.reason)}{example}: {u.detail}")
    k, s = response.kpis, response.stats
    lines.append("")
    lines.append("KPIs")
    lines.append(f"  served               {k.orders_served}/{k.orders_total} ({k.orders_unassigned} unassigned)")
    lines.append(f"  on time (SLA)        {k.on_time_rate:.1%} of {k.orders_with_deadline}; overdue {k.overdue_count} ({k.overdue_rate:.1%}; target ≤ 5%)")
    if k.HasField("mean_response_time"):
        lines.append(f"  response time        mean {_hm(k.mean_response_time)} (target ≤ 2h), p90 {_hm(k.p90_response_time)} (target ≤ 4h)")
    lines.append(f"  travel               {_hm(k.total_travel_duration)}, {k.total_travel_distance_meters / 1000:.1f} km")
    lines.append(f"  working / service    {_hm(k.total_working_duration)} / {_hm(k.total_service_duration)}")
    if k.utilization:
        utils = [u.utilization for u in k.utilization]
        lines.append(f"  utilisation          mean {sum(utils) / len(utils):.0%}, min {min(utils):.0%}, max {max(utils):.0%}")
    lines.append(f"  workload spread      {_hm(k.workload_spread)} (cv {k.workload_cv:.2f}); fairness index {k.fairness_index:.2f} "
                 f"(history included), longest day {_hm(k.longest_day)}")
    lines.append(f"  first-time fix       {k.expected_first_time_fix_rate:.1%} expected (target ≥ {k.first_time_fix_target:.0%})")
    if k.routes_with_overtime:
        lines.append(f"  overtime             {_hm(k.total_overtime)} on {k.routes_with_overtime} route(s)")
    if k.follow_ups_due:
        lines.append(f"  follow-ups           {k.follow_ups_planned_in_window}/{k.follow_ups_due} planned in their window, "
                     f"same engineer {k.follow_up_same_engineer_rate:.0%}")
    if k.HasField("shortest_rest"):
        lines.append(f"  rest                 shortest {_hm(k.shortest_rest)} between shifts; longest run {k.max_consecutive_days} days")
    for t in k.targets:
        pct = t.kind == pb.TARGET_KIND_OVERDUE_RATE
        shown = (lambda x: f"{x:.1%}") if pct else (lambda x: f"{x / 3600:.2f}h")
        lines.append(f"  target {pb.TargetKind.Name(t.kind)[12:].lower():<13} {shown(t.actual)} vs {shown(t.target)}: "
                     f"{'met' if t.met else 'MISSED'} ({pb.TargetMode.Name(t.mode)[12:].lower()}, cost {t.cost:.2f})")
    if k.orders_at_risk:
        lines.append("  at risk              " + ", ".join(f"{a.order_id} ({a.slack.seconds // 60:+d} min)" for a in k.orders_at_risk))
    b = s.objective_breakdown
    lines.append("")
    lines.append(
        f"Solve: {pb.SolveStatus.Name(s.status)}, objective {s.objective:.2f} (travel {b.travel:.2f}, lateness {b.lateness:.2f}, "
        f"unassigned {b.unassigned:.2f}, preference {b.preference:.2f}, overtime {b.overtime:.2f}, fairness {b.fairness:.2f}, "
        f"follow-up {b.follow_up:.2f}, revisits {b.revisit:.2f}), first plan {s.time_to_first_solution.ToTimedelta().total_seconds():.2f} s, "
        f"total {s.total_time.ToTimedelta().total_seconds():.2f} s, {s.solutions_found} solutions, {s.solver_version}, seed {s.random_seed}"
    )
    return "\n".join(lines)
