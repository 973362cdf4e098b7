import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import latlng_pb2 as _latlng_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SlaMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLA_MODE_UNSPECIFIED: _ClassVar[SlaMode]
    SLA_MODE_SOFT: _ClassVar[SlaMode]
    SLA_MODE_HARD: _ClassVar[SlaMode]

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_LOW: _ClassVar[Priority]
    PRIORITY_NORMAL: _ClassVar[Priority]
    PRIORITY_HIGH: _ClassVar[Priority]
    PRIORITY_CRITICAL: _ClassVar[Priority]

class SearchMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEARCH_MODE_UNSPECIFIED: _ClassVar[SearchMode]
    SEARCH_MODE_RETURN_FAST: _ClassVar[SearchMode]
    SEARCH_MODE_CONSUME_ALL_TIME: _ClassVar[SearchMode]

class UnassignedReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNASSIGNED_REASON_UNSPECIFIED: _ClassVar[UnassignedReason]
    NO_QUALIFIED_ENGINEER: _ClassVar[UnassignedReason]
    OUTSIDE_SHIFTS: _ClassVar[UnassignedReason]
    UNREACHABLE_IN_TIME_WINDOWS: _ClassVar[UnassignedReason]
    SLA_DEADLINE_UNREACHABLE: _ClassVar[UnassignedReason]
    WORKING_TIME_EXCEEDED: _ClassVar[UnassignedReason]
    CAPACITY_EXCEEDED: _ClassVar[UnassignedReason]
    UNROUTABLE: _ClassVar[UnassignedReason]
    OUTSIDE_TERRITORY: _ClassVar[UnassignedReason]
    NOT_SERVED_FOR_COST: _ClassVar[UnassignedReason]
    SOLVE_INCOMPLETE: _ClassVar[UnassignedReason]

class SolveStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOLVE_STATUS_UNSPECIFIED: _ClassVar[SolveStatus]
    LOCAL_OPTIMUM: _ClassVar[SolveStatus]
    TIME_LIMIT: _ClassVar[SolveStatus]
    SOLUTION_LIMIT: _ClassVar[SolveStatus]
    CANCELLED: _ClassVar[SolveStatus]
    NO_SOLUTION: _ClassVar[SolveStatus]
    VALIDATED: _ClassVar[SolveStatus]
SLA_MODE_UNSPECIFIED: SlaMode
SLA_MODE_SOFT: SlaMode
SLA_MODE_HARD: SlaMode
PRIORITY_UNSPECIFIED: Priority
PRIORITY_LOW: Priority
PRIORITY_NORMAL: Priority
PRIORITY_HIGH: Priority
PRIORITY_CRITICAL: Priority
SEARCH_MODE_UNSPECIFIED: SearchMode
SEARCH_MODE_RETURN_FAST: SearchMode
SEARCH_MODE_CONSUME_ALL_TIME: SearchMode
UNASSIGNED_REASON_UNSPECIFIED: UnassignedReason
NO_QUALIFIED_ENGINEER: UnassignedReason
OUTSIDE_SHIFTS: UnassignedReason
UNREACHABLE_IN_TIME_WINDOWS: UnassignedReason
SLA_DEADLINE_UNREACHABLE: UnassignedReason
WORKING_TIME_EXCEEDED: UnassignedReason
CAPACITY_EXCEEDED: UnassignedReason
UNROUTABLE: UnassignedReason
OUTSIDE_TERRITORY: UnassignedReason
NOT_SERVED_FOR_COST: UnassignedReason
SOLVE_INCOMPLETE: UnassignedReason
SOLVE_STATUS_UNSPECIFIED: SolveStatus
LOCAL_OPTIMUM: SolveStatus
TIME_LIMIT: SolveStatus
SOLUTION_LIMIT: SolveStatus
CANCELLED: SolveStatus
NO_SOLUTION: SolveStatus
VALIDATED: SolveStatus

class SolveRequest(_message.Message):
    __slots__ = ("label", "orders", "engineers", "options", "validate_only")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    ENGINEERS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    label: str
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    engineers: _containers.RepeatedCompositeFieldContainer[Engineer]
    options: SolveOptions
    validate_only: bool
    def __init__(self, label: _Optional[str] = ..., orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., engineers: _Optional[_Iterable[_Union[Engineer, _Mapping]]] = ..., options: _Optional[_Union[SolveOptions, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "location", "service_duration", "time_windows", "sla_deadline", "sla_mode", "lateness_cost_per_hour", "priority", "required_skills", "required_engineer_ids", "preferred_engineer_ids", "excluded_engineer_ids", "create_time", "mandatory", "unassigned_penalty", "demand")
    ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    SERVICE_DURATION_FIELD_NUMBER: _ClassVar[int]
    TIME_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    SLA_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SLA_MODE_FIELD_NUMBER: _ClassVar[int]
    LATENESS_COST_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SKILLS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ENGINEER_IDS_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_ENGINEER_IDS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_ENGINEER_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    MANDATORY_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_PENALTY_FIELD_NUMBER: _ClassVar[int]
    DEMAND_FIELD_NUMBER: _ClassVar[int]
    id: str
    location: _latlng_pb2.LatLng
    service_duration: _duration_pb2.Duration
    time_windows: _containers.RepeatedCompositeFieldContainer[TimeWindow]
    sla_deadline: _timestamp_pb2.Timestamp
    sla_mode: SlaMode
    lateness_cost_per_hour: float
    priority: Priority
    required_skills: _containers.RepeatedCompositeFieldContainer[SkillRequirement]
    required_engineer_ids: _containers.RepeatedScalarFieldContainer[str]
    preferred_engineer_ids: _containers.RepeatedScalarFieldContainer[str]
    excluded_engineer_ids: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    mandatory: bool
    unassigned_penalty: float
    demand: int
    def __init__(self, id: _Optional[str] = ..., location: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., service_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., time_windows: _Optional[_Iterable[_Union[TimeWindow, _Mapping]]] = ..., sla_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sla_mode: _Optional[_Union[SlaMode, str]] = ..., lateness_cost_per_hour: _Optional[float] = ..., priority: _Optional[_Union[Priority, str]] = ..., required_skills: _Optional[_Iterable[_Union[SkillRequirement, _Mapping]]] = ..., required_engineer_ids: _Optional[_Iterable[str]] = ..., preferred_engineer_ids: _Optional[_Iterable[str]] = ..., excluded_engineer_ids: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mandatory: _Optional[bool] = ..., unassigned_penalty: _Optional[float] = ..., demand: _Optional[int] = ...) -> None: ...

class TimeWindow(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SkillRequirement(_message.Message):
    __slots__ = ("name", "min_level")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    name: str
    min_level: int
    def __init__(self, name: _Optional[str] = ..., min_level: _Optional[int] = ...) -> None: ...

class Skill(_message.Message):
    __slots__ = ("name", "level")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    name: str
    level: int
    def __init__(self, name: _Optional[str] = ..., level: _Optional[int] = ...) -> None: ...

class Engineer(_message.Message):
    __slots__ = ("id", "start_location", "end_location", "shifts", "skills", "max_working_time", "cost_per_hour", "cost_per_traveled_hour", "cost_per_km", "speed_factor", "capacity")
    ID_FIELD_NUMBER: _ClassVar[int]
    START_LOCATION_FIELD_NUMBER: _ClassVar[int]
    END_LOCATION_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    MAX_WORKING_TIME_FIELD_NUMBER: _ClassVar[int]
    COST_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    COST_PER_TRAVELED_HOUR_FIELD_NUMBER: _ClassVar[int]
    COST_PER_KM_FIELD_NUMBER: _ClassVar[int]
    SPEED_FACTOR_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    start_location: _latlng_pb2.LatLng
    end_location: _latlng_pb2.LatLng
    shifts: _containers.RepeatedCompositeFieldContainer[Shift]
    skills: _containers.RepeatedCompositeFieldContainer[Skill]
    max_working_time: _duration_pb2.Duration
    cost_per_hour: float
    cost_per_traveled_hour: float
    cost_per_km: float
    speed_factor: float
    capacity: int
    def __init__(self, id: _Optional[str] = ..., start_location: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., end_location: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., shifts: _Optional[_Iterable[_Union[Shift, _Mapping]]] = ..., skills: _Optional[_Iterable[_Union[Skill, _Mapping]]] = ..., max_working_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cost_per_hour: _Optional[float] = ..., cost_per_traveled_hour: _Optional[float] = ..., cost_per_km: _Optional[float] = ..., speed_factor: _Optional[float] = ..., capacity: _Optional[int] = ...) -> None: ...

class Shift(_message.Message):
    __slots__ = ("start_time", "end_time", "breaks")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    BREAKS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    breaks: _containers.RepeatedCompositeFieldContainer[Break]
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breaks: _Optional[_Iterable[_Union[Break, _Mapping]]] = ...) -> None: ...

class Break(_message.Message):
    __slots__ = ("earliest_start_time", "latest_start_time", "duration")
    EARLIEST_START_TIME_FIELD_NUMBER: _ClassVar[int]
    LATEST_START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    earliest_start_time: _timestamp_pb2.Timestamp
    latest_start_time: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    def __init__(self, earliest_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., latest_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SolveOptions(_message.Message):
    __slots__ = ("time_limit", "search_mode", "random_seed", "objective_weights", "travel_model", "non_preferred_engineer_cost", "solution_limit")
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SEARCH_MODE_FIELD_NUMBER: _ClassVar[int]
    RANDOM_SEED_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_MODEL_FIELD_NUMBER: _ClassVar[int]
    NON_PREFERRED_ENGINEER_COST_FIELD_NUMBER: _ClassVar[int]
    SOLUTION_LIMIT_FIELD_NUMBER: _ClassVar[int]
    time_limit: _duration_pb2.Duration
    search_mode: SearchMode
    random_seed: int
    objective_weights: ObjectiveWeights
    travel_model: TravelModel
    non_preferred_engineer_cost: float
    solution_limit: int
    def __init__(self, time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., search_mode: _Optional[_Union[SearchMode, str]] = ..., random_seed: _Optional[int] = ..., objective_weights: _Optional[_Union[ObjectiveWeights, _Mapping]] = ..., travel_model: _Optional[_Union[TravelModel, _Mapping]] = ..., non_preferred_engineer_cost: _Optional[float] = ..., solution_limit: _Optional[int] = ...) -> None: ...

class ObjectiveWeights(_message.Message):
    __slots__ = ("travel", "lateness", "unassigned")
    TRAVEL_FIELD_NUMBER: _ClassVar[int]
    LATENESS_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    travel: float
    lateness: float
    unassigned: float
    def __init__(self, travel: _Optional[float] = ..., lateness: _Optional[float] = ..., unassigned: _Optional[float] = ...) -> None: ...

class TravelModel(_message.Message):
    __slots__ = ("great_circle",)
    GREAT_CIRCLE_FIELD_NUMBER: _ClassVar[int]
    great_circle: GreatCircle
    def __init__(self, great_circle: _Optional[_Union[GreatCircle, _Mapping]] = ...) -> None: ...

class GreatCircle(_message.Message):
    __slots__ = ("speed_kmh", "detour_factor")
    SPEED_KMH_FIELD_NUMBER: _ClassVar[int]
    DETOUR_FACTOR_FIELD_NUMBER: _ClassVar[int]
    speed_kmh: float
    detour_factor: float
    def __init__(self, speed_kmh: _Optional[float] = ..., detour_factor: _Optional[float] = ...) -> None: ...

class SolveResponse(_message.Message):
    __slots__ = ("label", "routes", "unassigned_orders", "kpis", "stats")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_ORDERS_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    label: str
    routes: _containers.RepeatedCompositeFieldContainer[Route]
    unassigned_orders: _containers.RepeatedCompositeFieldContainer[UnassignedOrder]
    kpis: PlanKpis
    stats: SolveStats
    def __init__(self, label: _Optional[str] = ..., routes: _Optional[_Iterable[_Union[Route, _Mapping]]] = ..., unassigned_orders: _Optional[_Iterable[_Union[UnassignedOrder, _Mapping]]] = ..., kpis: _Optional[_Union[PlanKpis, _Mapping]] = ..., stats: _Optional[_Union[SolveStats, _Mapping]] = ...) -> None: ...

class Route(_message.Message):
    __slots__ = ("engineer_id", "shift_index", "start_time", "end_time", "visits", "breaks", "travel_duration", "travel_distance_meters", "service_duration", "waiting_duration", "cost")
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_INDEX_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    VISITS_FIELD_NUMBER: _ClassVar[int]
    BREAKS_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DURATION_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_DURATION_FIELD_NUMBER: _ClassVar[int]
    WAITING_DURATION_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    engineer_id: str
    shift_index: int
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    visits: _containers.RepeatedCompositeFieldContainer[Visit]
    breaks: _containers.RepeatedCompositeFieldContainer[BreakTaken]
    travel_duration: _duration_pb2.Duration
    travel_distance_meters: int
    service_duration: _duration_pb2.Duration
    waiting_duration: _duration_pb2.Duration
    cost: float
    def __init__(self, engineer_id: _Optional[str] = ..., shift_index: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., visits: _Optional[_Iterable[_Union[Visit, _Mapping]]] = ..., breaks: _Optional[_Iterable[_Union[BreakTaken, _Mapping]]] = ..., travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., travel_distance_meters: _Optional[int] = ..., service_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., waiting_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cost: _Optional[float] = ...) -> None: ...

class Visit(_message.Message):
    __slots__ = ("order_id", "arrival_time", "start_time", "end_time", "travel_duration", "travel_distance_meters", "waiting_duration", "sla_lateness")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DURATION_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    WAITING_DURATION_FIELD_NUMBER: _ClassVar[int]
    SLA_LATENESS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    arrival_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    travel_duration: _duration_pb2.Duration
    travel_distance_meters: int
    waiting_duration: _duration_pb2.Duration
    sla_lateness: _duration_pb2.Duration
    def __init__(self, order_id: _Optional[str] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., travel_distance_meters: _Optional[int] = ..., waiting_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., sla_lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class BreakTaken(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UnassignedOrder(_message.Message):
    __slots__ = ("order_id", "reason", "example_engineer_id", "detail")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: UnassignedReason
    example_engineer_id: str
    detail: str
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[_Union[UnassignedReason, str]] = ..., example_engineer_id: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class PlanKpis(_message.Message):
    __slots__ = ("orders_total", "orders_served", "orders_unassigned", "orders_with_deadline", "on_time_count", "overdue_count", "on_time_rate", "overdue_rate", "total_lateness", "mean_response_time", "p90_response_time", "total_travel_duration", "total_travel_distance_meters", "total_service_duration", "total_working_duration", "utilization", "workload_spread", "workload_cv")
    ORDERS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ORDERS_SERVED_FIELD_NUMBER: _ClassVar[int]
    ORDERS_UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    ORDERS_WITH_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_COUNT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_RATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LATENESS_FIELD_NUMBER: _ClassVar[int]
    MEAN_RESPONSE_TIME_FIELD_NUMBER: _ClassVar[int]
    P90_RESPONSE_TIME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRAVEL_DURATION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRAVEL_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SERVICE_DURATION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WORKING_DURATION_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    WORKLOAD_SPREAD_FIELD_NUMBER: _ClassVar[int]
    WORKLOAD_CV_FIELD_NUMBER: _ClassVar[int]
    orders_total: int
    orders_served: int
    orders_unassigned: int
    orders_with_deadline: int
    on_time_count: int
    overdue_count: int
    on_time_rate: float
    overdue_rate: float
    total_lateness: _duration_pb2.Duration
    mean_response_time: _duration_pb2.Duration
    p90_response_time: _duration_pb2.Duration
    total_travel_duration: _duration_pb2.Duration
    total_travel_distance_meters: int
    total_service_duration: _duration_pb2.Duration
    total_working_duration: _duration_pb2.Duration
    utilization: _containers.RepeatedCompositeFieldContainer[EngineerUtilization]
    workload_spread: _duration_pb2.Duration
    workload_cv: float
    def __init__(self, orders_total: _Optional[int] = ..., orders_served: _Optional[int] = ..., orders_unassigned: _Optional[int] = ..., orders_with_deadline: _Optional[int] = ..., on_time_count: _Optional[int] = ..., overdue_count: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., overdue_rate: _Optional[float] = ..., total_lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., mean_response_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., p90_response_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_travel_distance_meters: _Optional[int] = ..., total_service_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_working_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., utilization: _Optional[_Iterable[_Union[EngineerUtilization, _Mapping]]] = ..., workload_spread: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., workload_cv: _Optional[float] = ...) -> None: ...

class EngineerUtilization(_message.Message):
    __slots__ = ("engineer_id", "working_duration", "available_duration", "service_duration", "travel_duration", "utilization")
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    WORKING_DURATION_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_DURATION_FIELD_NUMBER: _ClassVar[int]
    SERVICE_DURATION_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DURATION_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    engineer_id: str
    working_duration: _duration_pb2.Duration
    available_duration: _duration_pb2.Duration
    service_duration: _duration_pb2.Duration
    travel_duration: _duration_pb2.Duration
    utilization: float
    def __init__(self, engineer_id: _Optional[str] = ..., working_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., available_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., service_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., utilization: _Optional[float] = ...) -> None: ...

class SolveStats(_message.Message):
    __slots__ = ("status", "objective", "objective_breakdown", "time_to_first_solution", "total_time", "solver_version", "random_seed", "solutions_found", "effective_time_limit")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_FIRST_SOLUTION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TIME_FIELD_NUMBER: _ClassVar[int]
    SOLVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    RANDOM_SEED_FIELD_NUMBER: _ClassVar[int]
    SOLUTIONS_FOUND_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    status: SolveStatus
    objective: float
    objective_breakdown: ObjectiveBreakdown
    time_to_first_solution: _duration_pb2.Duration
    total_time: _duration_pb2.Duration
    solver_version: str
    random_seed: int
    solutions_found: int
    effective_time_limit: _duration_pb2.Duration
    def __init__(self, status: _Optional[_Union[SolveStatus, str]] = ..., objective: _Optional[float] = ..., objective_breakdown: _Optional[_Union[ObjectiveBreakdown, _Mapping]] = ..., time_to_first_solution: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., solver_version: _Optional[str] = ..., random_seed: _Optional[int] = ..., solutions_found: _Optional[int] = ..., effective_time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ObjectiveBreakdown(_message.Message):
    __slots__ = ("travel", "lateness", "unassigned", "preference")
    TRAVEL_FIELD_NUMBER: _ClassVar[int]
    LATENESS_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    travel: float
    lateness: float
    unassigned: float
    preference: float
    def __init__(self, travel: _Optional[float] = ..., lateness: _Optional[float] = ..., unassigned: _Optional[float] = ..., preference: _Optional[float] = ...) -> None: ...
