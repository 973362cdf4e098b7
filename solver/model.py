"""The domain model: immutable problem and plan objects.

These mirror the public API (``proto/``) but know nothing of protobuf or gRPC. Times are
absolute integer seconds since the Unix epoch (``*_s``), durations integer seconds, distances
integer metres (``*_m``), money in the caller's cost units. Validation lives in
``solver.validation``; constructing an object does no checking so that invalid input can be
represented, inspected and reported with field paths.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class LatLng:
    """A WGS84 coordinate in degrees. Convert to (x=lng, y=lat) only in ``geo``."""

    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Service may *start* in ``[start_s, end_s]`` (epoch seconds, inclusive; None: open)."""

    start_s: int | None
    end_s: int | None


class SlaMode(enum.Enum):
    SOFT = "soft"  # lateness after the deadline is allowed and costed
    HARD = "hard"  # service must start by the deadline, or the order stays unassigned


class Priority(enum.IntEnum):
    """Order priority; costs (lateness, leaving unassigned) scale by ``PRIORITY_FACTOR``."""

    LOW = 1
    NORMAL = 2
    HIGH = 3
    CRITICAL = 4


# Why multiplicative and doubling: a critical order must outweigh several normal ones when the
# fleet is short, but not infinitely (that is what mandatory orders are for).
PRIORITY_FACTOR: dict[Priority, float] = {
    Priority.LOW: 0.5,
    Priority.NORMAL: 1.0,
    Priority.HIGH: 2.0,
    Priority.CRITICAL: 4.0,
}


@dataclass(frozen=True, slots=True)
class SkillRequirement:
    name: str
    min_level: int = 1


@dataclass(frozen=True, slots=True)
class PartNeed:
    """``quantity`` units of part ``sku`` used by the job (taken from the van's stock)."""

    sku: str
    quantity: int = 1


class SameEngineer(enum.Enum):
    REQUIRED = "required"  # only the first visit's engineer may do the follow-up
    PREFERRED = "preferred"  # anyone else costs ``FollowUp.other_engineer_cost``
    ANY = "any"


DEFAULT_FOLLOW_UP_MIN_DELAY_S = 3 * 86400
DEFAULT_FOLLOW_UP_MAX_DELAY_S = 7 * 86400


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The order is the follow-up of a first visit: it must start between ``min_delay_s`` and
    ``max_delay_s`` after the first visit's end. The first visit is either another order of the
    request (``previous_order_id``) or a visit already done (``previous_end_s`` and
    ``previous_engineer_id``)."""

    previous_order_id: str | None = None
    previous_end_s: int | None = None
    previous_engineer_id: str | None = None
    min_delay_s: int = DEFAULT_FOLLOW_UP_MIN_DELAY_S
    max_delay_s: int = DEFAULT_FOLLOW_UP_MAX_DELAY_S
    same_engineer: SameEngineer = SameEngineer.PREFERRED
    other_engineer_cost: float = 50.0

    def interval(self, first_end_s: int) -> tuple[int, int]:
        """When the follow-up may start, for a first visit that ended at ``first_end_s``."""
        return first_end_s + self.min_delay_s, first_end_s + self.max_delay_s


@dataclass(frozen=True, slots=True)
class Order:
    """A work order: one visit of ``service_duration_s`` at ``location``."""

    id: str
    location: LatLng
    service_duration_s: int = 0
    time_windows: tuple[TimeWindow, ...] = ()  # empty: any time inside a shift
    sla_deadline_s: int | None = None  # service should start by then
    sla_mode: SlaMode = SlaMode.SOFT
    lateness_cost_per_hour: float = 10.0  # before the priority factor
    priority: Priority = Priority.NORMAL
    required_skills: tuple[SkillRequirement, ...] = ()
    required_engineer_ids: tuple[str, ...] = ()  # non-empty: only these may serve it
    preferred_engineer_ids: tuple[str, ...] = ()  # others cost ``non_preferred_engineer_cost``
    excluded_engineer_ids: tuple[str, ...] = ()
    create_time_s: int | None = None  # for response-time KPIs
    allow_unassigned: bool = True
    unassigned_penalty: float | None = None  # None: the default for its priority
    demand: int = 0  # load units taken from the engineer's capacity
    parts: tuple[PartNeed, ...] = ()  # taken from the van's stock; without them no fix
    follow_up: FollowUp | None = None
    age_s: int = 0  # closure: open this long when the plan starts (``rules.closure_factor``)
    attempts: int = 0  # closure: earlier visits that did not close it


@dataclass(frozen=True, slots=True)
class Break:
    """A break of ``duration_s`` that must start within ``[earliest_start_s, latest_start_s]``."""

    earliest_start_s: int
    latest_start_s: int
    duration_s: int


@dataclass(frozen=True, slots=True)
class Shift:
    start_s: int
    end_s: int
    breaks: tuple[Break, ...] = ()


class TerritoryMode(enum.Enum):
    HARD = "hard"  # never assigned outside
    SOFT = "soft"  # assigned outside at ``outside_cost`` per order


@dataclass(frozen=True, slots=True)
class Territory:
    """An engineer's service area: a GeoJSON (Multi)Polygon, kept as text (geo parses it)."""

    geojson: str
    mode: TerritoryMode = TerritoryMode.HARD
    outside_cost: float = 10.0


@dataclass(frozen=True, slots=True)
class Engineer:
    """A field engineer. Each shift is planned as its own route.

    The first shift starts at ``start_location`` (the current position); later shifts start at
    ``end_location`` (home) when given, else at ``start_location``. Without ``end_location`` a
    route ends at its last visit.
    """

    id: str
    start_location: LatLng
    end_location: LatLng | None = None
    shifts: tuple[Shift, ...] = ()
    skills: tuple[tuple[str, int], ...] = ()  # (name, level) pairs
    max_working_time_s: int | None = None  # per shift, from leaving start to reaching end
    cost_per_hour: float = 0.0  # per hour of working time
    cost_per_traveled_hour: float = 1.0
    cost_per_km: float = 0.0
    speed_factor: float = 1.0  # travel time is divided by this
    capacity: int | None = None  # None: unlimited
    territory: Territory | None = None
    # Parts on the van at the start of every shift (sku, quantity): restocked overnight.
    van_stock: tuple[tuple[str, int], ...] = ()
    # Skills that expire (name, epoch seconds): they count only for shifts that end by then.
    skill_valid_until_s: tuple[tuple[str, int], ...] = ()
    # Overtime: a shift may end up to this much past its end (and working time run this much
    # past ``max_working_time_s``) at ``overtime_cost_per_hour``. None: no overtime.
    max_overtime_s: int | None = None
    overtime_cost_per_hour: float = 0.0
    # Rest: at least this long between the end of one shift and the start of the next (and
    # after ``last_shift_end_s``, the end of the last shift before this request). None: no rule.
    min_rest_s: int | None = None
    last_shift_end_s: int | None = None
    # The working week: at most ``max_weekly_working_s`` including ``worked_this_week_s``, for
    # the shifts starting within 7 days of ``week_start_s`` (None: the first shift's start).
    max_weekly_working_s: int | None = None
    worked_this_week_s: int = 0
    week_start_s: int | None = None
    consecutive_days_worked: int = 0  # before the first shift of the request (KPIs)

    def skill_level(self, name: str, at_s: int | None = None) -> int:
        """The level of skill ``name`` (0: none); with ``at_s``, 0 once its certificate has
        expired by then."""
        for skill, level in self.skills:
            if skill == name:
                if at_s is not None:
                    for expiring, until_s in self.skill_valid_until_s:
                        if expiring == name and until_s < at_s:
                            return 0
                return level
        return 0

    def stock(self, sku: str) -> int:
        for item, quantity in self.van_stock:
            if item == sku:
                return quantity
        return 0


class SearchMode(enum.Enum):
    RETURN_FAST = "return_fast"  # first plan improved to a local optimum, within the limit
    CONSUME_ALL_TIME = "consume_all_time"  # metaheuristic search until the time limit


@dataclass(frozen=True, slots=True)
class ObjectiveWeights:
    travel: float = 1.0
    lateness: float = 1.0
    unassigned: float = 1.0


@dataclass(frozen=True, slots=True)
class GreatCircleModel:
    """Travel estimated from great-circle distance × ``detour_factor`` at ``speed_kmh``."""

    speed_kmh: float = 40.0
    # Measured on Porto and Liechtenstein road graphs: road distance ≈ 1.3 × great-circle.
    detour_factor: float = 1.3


@dataclass(frozen=True, slots=True)
class RoadNetworkModel:
    """Travel times over a road-network map loaded by the server, chosen by id."""

    map_id: str
    max_snap_distance_m: float = 500.0


class GeometryFormat(enum.Enum):
    NONE = "none"
    ENCODED_POLYLINE = "encoded_polyline"
    GEOJSON = "geojson"


TravelModel = GreatCircleModel | RoadNetworkModel


# The portfolio targets of the service rules; ``dispatch_service.analytics`` reports the
# history against the same numbers.
DEFAULT_MAX_OVERDUE_RATE = 0.05
DEFAULT_MAX_MEAN_RESPONSE_S = 2 * 3600
DEFAULT_MAX_RESPONSE_S = 4 * 3600


class TargetMode(enum.Enum):
    REPORTED = "reported"  # measured and reported only
    OPTIMISED = "optimised"  # also priced in the objective (``rules.target_rows``)


class TargetKind(enum.Enum):
    OVERDUE_RATE = "overdue_rate"
    MEAN_RESPONSE = "mean_response"
    MAX_RESPONSE = "max_response"


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """Portfolio SLA targets (see ``SlaTargets`` in the proto for the exact pricing)."""

    max_overdue_rate: float = DEFAULT_MAX_OVERDUE_RATE
    overdue_mode: TargetMode = TargetMode.REPORTED
    max_mean_response_s: int = DEFAULT_MAX_MEAN_RESPONSE_S
    mean_response_mode: TargetMode = TargetMode.REPORTED
    max_response_s: int = DEFAULT_MAX_RESPONSE_S
    max_response_mode: TargetMode = TargetMode.REPORTED
    overdue_breach_cost: float = 50.0  # cost units per overdue order
    response_breach_cost_per_hour: float = 20.0  # beyond max_response
    mean_response_cost_per_hour: float = 5.0  # beyond max_mean_response
    max_orders_at_risk: int = 10

    @property
    def optimised(self) -> bool:
        return TargetMode.OPTIMISED in (self.overdue_mode, self.mean_response_mode, self.max_response_mode)


@dataclass(frozen=True, slots=True)
class FirstTimeFix:
    """The expected chance that a visit fixes the fault at once: with the parts on the van (a
    rule: no parts, no visit), ``base_probability`` when the engineer's level equals the
    order's minimum, plus ``per_level`` for each level above it (the smallest margin over the
    order's required skills), at most ``max_probability``; ``max_probability`` for orders that
    require no skill. Each expected failure costs ``revisit_cost``."""

    base_probability: float = 0.8
    per_level: float = 0.04
    max_probability: float = 0.98
    revisit_cost: float = 0.0
    target_rate: float = 0.85


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit_s: float = 10.0
    search_mode: SearchMode = SearchMode.RETURN_FAST
    random_seed: int = 0
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    travel_model: TravelModel = field(default_factory=GreatCircleModel)
    non_preferred_engineer_cost: float = 1.0
    # Stop after this many improving solutions (0: no limit). Tests use it for exact answers.
    solution_limit: int = 0
    geometry_format: GeometryFormat = GeometryFormat.NONE  # filled in by the service, not the solver
    # Fairness: cost units per squared hour of each route's working time plus the engineer's
    # hours already worked this week (a convex cost that spreads the work). 0: off.
    fairness_weight: float = 0.0
    first_time_fix: FirstTimeFix = field(default_factory=lambda: FirstTimeFix())
    sla_targets: SlaTargets | None = None  # None: no targets reported or priced


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    """A route given by its order ids, in the order driven."""

    engineer_id: str
    shift_index: int = 0
    order_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EngineerState:
    engineer_id: str
    in_progress_order_id: str | None = None  # finished first, from in_progress_start_s
    in_progress_start_s: int | None = None
    committed_order_ids: tuple[str, ...] = ()  # kept on this engineer, in this order


@dataclass(frozen=True, slots=True)
class ReplanContext:
    """What is already under way, so that a new plan changes little and keeps started work."""

    freeze_before_s: int | None = None  # previous visits starting before this stay as they are
    engineer_states: tuple[EngineerState, ...] = ()
    previous_routes: tuple[PlannedRoute, ...] = ()  # seeds the search; disruption is measured on it
    reassignment_cost: float = 0.0  # per order moved to another engineer
    arrival_shift_cost_per_hour: float = 0.0  # beyond the tolerance, either way
    arrival_tolerance_s: int = 1800


@dataclass(frozen=True, slots=True)
class Problem:
    orders: tuple[Order, ...]
    engineers: tuple[Engineer, ...]
    options: SolveOptions = field(default_factory=SolveOptions)
    label: str = ""
    replan: ReplanContext | None = None


@dataclass(frozen=True)
class TravelMatrices:
    """Travel between locations, as integer seconds and metres, ``[from, to]``.

    Location ``i < len(orders)`` is order ``i``; the rest are engineer locations, laid out by
    ``solver.locations.Locations``.
    """

    duration_s: np.ndarray  # int64 (n, n)
    distance_m: np.ndarray  # int64 (n, n)
    # Locations the travel model could not place (too far from any road): their orders are
    # left unassigned as UNROUTABLE instead of failing the request.
    unroutable: frozenset[int] = frozenset()


# ---------------------------------------------------------------------------------------------
# The plan


class UnassignedReason(enum.Enum):
    NO_QUALIFIED_ENGINEER = "no_qualified_engineer"
    OUTSIDE_SHIFTS = "outside_shifts"
    UNREACHABLE_IN_TIME_WINDOWS = "unreachable_in_time_windows"
    SLA_DEADLINE_UNREACHABLE = "sla_deadline_unreachable"
    WORKING_TIME_EXCEEDED = "working_time_exceeded"
    CAPACITY_EXCEEDED = "capacity_exceeded"
    UNROUTABLE = "unroutable"
    OUTSIDE_TERRITORY = "outside_territory"
    NOT_SERVED_FOR_COST = "not_served_for_cost"  # feasible alone; the fleet had no room
    SOLVE_INCOMPLETE = "solve_incomplete"  # no plan was found in time
    PARTS_UNAVAILABLE = "parts_unavailable"  # no qualified engineer's van holds the parts
    FOLLOW_UP_FIRST_VISIT_UNSERVED = "follow_up_first_visit_unserved"
    FOLLOW_UP_WINDOW_UNREACHABLE = "follow_up_window_unreachable"  # no room in its follow-up window
    WEEKLY_HOURS_EXCEEDED = "weekly_hours_exceeded"  # serving it would break a weekly maximum


@dataclass(frozen=True, slots=True)
class Visit:
    order_id: str
    order_index: int
    arrival_s: int
    start_s: int
    end_s: int
    travel_duration_s: int  # from the previous stop
    travel_distance_m: int
    waiting_s: int
    lateness_s: int  # start after the SLA deadline; 0 when on time or without deadline
    leg_geometry: str = ""  # the leg from the previous stop, when the caller asked for it


@dataclass(frozen=True, slots=True)
class BreakVisit:
    start_s: int
    end_s: int


@dataclass(frozen=True, slots=True)
class Route:
    engineer_id: str
    engineer_index: int
    shift_index: int
    start_s: int
    end_s: int
    visits: tuple[Visit, ...]
    breaks: tuple[BreakVisit, ...]
    travel_duration_s: int  # including the leg to the end location
    travel_distance_m: int
    service_duration_s: int
    waiting_s: int
    cost: float  # driving, distance and working time, weighted: the objective's travel term
    end_leg_geometry: str = ""
    overtime_s: int = 0  # past the shift's end or the working-time limit (the larger)
    overtime_cost: float = 0.0  # weighted, cost units
    fairness_cost: float = 0.0  # weighted, cost units

    @property
    def working_s(self) -> int:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Unassigned:
    order_id: str
    order_index: int
    reason: UnassignedReason
    example_engineer_id: str = ""
    detail: str = ""
    next_possible_s: int | None = None  # earliest start any allowed shift could offer alone


@dataclass(frozen=True, slots=True)
class EngineerUtilization:
    engineer_id: str
    working_s: int
    available_s: int
    service_s: int
    travel_s: int
    utilization: float  # (service + travel) / available shift time


@dataclass(frozen=True, slots=True)
class Kpis:
    orders_total: int
    orders_served: int
    orders_unassigned: int
    orders_with_deadline: int  # served orders that have an SLA deadline
    on_time_count: int
    overdue_count: int
    on_time_rate: float  # of served orders with a deadline; 1.0 when there are none
    overdue_rate: float
    total_lateness_s: int
    mean_response_s: float | None  # creation -> arrival, over served orders with a create time
    p90_response_s: float | None
    total_travel_duration_s: int
    total_travel_distance_m: int
    total_service_s: int
    total_working_s: int
    utilization: tuple[EngineerUtilization, ...]
    workload_max_minus_min_s: int
    workload_cv: float  # coefficient of variation of working time across engineers with shifts
    total_overtime_s: int = 0
    routes_with_overtime: int = 0
    expected_first_time_fix_rate: float = 1.0  # over served orders
    first_time_fix_target: float = 0.85
    follow_ups_due: int = 0
    follow_ups_planned_in_window: int = 0
    follow_up_same_engineer_rate: float = 1.0  # of the planned follow-ups with a known first engineer
    fairness_index: float = 1.0  # Jain's index of weekly hours, history included
    longest_day_s: int = 0
    shortest_rest_s: int | None = None  # between two routes of one engineer
    max_consecutive_days: int = 0  # history included
    targets: tuple[TargetResult, ...] = ()  # per SLA target, when the problem names targets
    orders_at_risk: tuple[OrderAtRisk, ...] = ()  # smallest slack first


@dataclass(frozen=True, slots=True)
class TargetResult:
    kind: TargetKind
    mode: TargetMode
    target: float  # a fraction (overdue rate) or seconds (responses)
    actual: float
    met: bool
    margin: float  # target - actual
    breaching_orders: int
    cost: float  # cost units the objective carries for it (0 when reported)


@dataclass(frozen=True, slots=True)
class OrderAtRisk:
    order_id: str
    slack_s: int  # negative: already breached
    kind: TargetKind  # OVERDUE_RATE: the deadline; MAX_RESPONSE: the response target


class SolveStatus(enum.Enum):
    LOCAL_OPTIMUM = "local_optimum"
    TIME_LIMIT = "time_limit"
    SOLUTION_LIMIT = "solution_limit"
    CANCELLED = "cancelled"
    NO_SOLUTION = "no_solution"
    VALIDATED = "validated"


@dataclass(frozen=True, slots=True)
class ObjectiveBreakdown:
    travel: float = 0.0
    lateness: float = 0.0
    unassigned: float = 0.0
    preference: float = 0.0
    territory: float = 0.0  # orders served outside a soft territory
    disruption: float = 0.0  # re-planning: orders moved to another engineer or in time
    overtime: float = 0.0
    fairness: float = 0.0
    follow_up: float = 0.0  # follow-ups by another engineer than the first visit's
    revisit: float = 0.0  # expected revisits: (1 - first-time-fix chance) × revisit cost

    @property
    def total(self) -> float:
        return (self.travel + self.lateness + self.unassigned + self.preference + self.territory + self.disruption
                + self.overtime + self.fairness + self.follow_up + self.revisit)


@dataclass(frozen=True, slots=True)
class SolveStats:
    status: SolveStatus
    objective: float
    breakdown: ObjectiveBreakdown
    first_solution_s: float | None
    total_s: float
    solver_version: str
    random_seed: int
    solutions_found: int
    time_limit_s: float


@dataclass(frozen=True, slots=True)
class Plan:
    label: str
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    kpis: Kpis
    stats: SolveStats


# ---------------------------------------------------------------------------------------------
# Evaluating a given plan, and inserting one new order


class ViolationType(enum.Enum):
    TIME_WINDOW_MISSED = "time_window_missed"
    HARD_SLA_MISSED = "hard_sla_missed"
    SKILL_MISSING = "skill_missing"
    ENGINEER_NOT_ALLOWED = "engineer_not_allowed"
    OUTSIDE_SHIFT = "outside_shift"
    WORKING_TIME_EXCEEDED = "working_time_exceeded"
    CAPACITY_EXCEEDED = "capacity_exceeded"
    UNROUTABLE_LOCATION = "unroutable_location"
    OUTSIDE_TERRITORY = "outside_territory"
    BREAK_MISSED = "break_missed"
    PARTS_MISSING = "parts_missing"  # the van's stock does not cover the route's parts
    FOLLOW_UP_OUTSIDE_WINDOW = "follow_up_outside_window"
    FOLLOW_UP_WITHOUT_FIRST_VISIT = "follow_up_without_first_visit"
    FOLLOW_UP_OTHER_ENGINEER = "follow_up_other_engineer"  # when the same engineer is required
    REST_TOO_SHORT = "rest_too_short"
    WEEKLY_HOURS_EXCEEDED = "weekly_hours_exceeded"


@dataclass(frozen=True, slots=True)
class PlanViolation:
    type: ViolationType
    order_id: str
    engineer_id: str
    shift_index: int
    amount_s: int  # how much a time rule is broken by; 0 otherwise
    detail: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A plan made elsewhere, timed and checked exactly as solved plans are."""

    label: str
    routes: tuple[Route, ...]
    violations: tuple[PlanViolation, ...]
    unassigned: tuple[Unassigned, ...]
    kpis: Kpis
    breakdown: ObjectiveBreakdown


@dataclass(frozen=True, slots=True)
class InsertionCandidate:
    engineer_id: str
    shift_index: int
    position: int  # index in the route's order ids at which the new order goes
    arrival_s: int
    start_s: int
    added_travel_s: int
    added_distance_m: int
    sla_slack_s: int | None  # deadline - start; negative when late; None without deadline
    newly_late_order_ids: tuple[str, ...]
    broken_order_ids: tuple[str, ...]  # visits that would miss a window, the shift or working time
    added_cost: float
