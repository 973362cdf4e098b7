import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.type import latlng_pb2 as _latlng_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SameEngineerRule(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SAME_ENGINEER_RULE_UNSPECIFIED: _ClassVar[SameEngineerRule]
    SAME_ENGINEER_RULE_REQUIRED: _ClassVar[SameEngineerRule]
    SAME_ENGINEER_RULE_PREFERRED: _ClassVar[SameEngineerRule]
    SAME_ENGINEER_RULE_ANY: _ClassVar[SameEngineerRule]

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

class TerritoryMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TERRITORY_MODE_UNSPECIFIED: _ClassVar[TerritoryMode]
    TERRITORY_MODE_HARD: _ClassVar[TerritoryMode]
    TERRITORY_MODE_SOFT: _ClassVar[TerritoryMode]

class TargetMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TARGET_MODE_UNSPECIFIED: _ClassVar[TargetMode]
    TARGET_MODE_REPORTED: _ClassVar[TargetMode]
    TARGET_MODE_OPTIMISED: _ClassVar[TargetMode]

class TargetKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TARGET_KIND_UNSPECIFIED: _ClassVar[TargetKind]
    TARGET_KIND_OVERDUE_RATE: _ClassVar[TargetKind]
    TARGET_KIND_MEAN_RESPONSE: _ClassVar[TargetKind]
    TARGET_KIND_MAX_RESPONSE: _ClassVar[TargetKind]

class GeometryFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GEOMETRY_FORMAT_UNSPECIFIED: _ClassVar[GeometryFormat]
    GEOMETRY_FORMAT_NONE: _ClassVar[GeometryFormat]
    GEOMETRY_FORMAT_ENCODED_POLYLINE: _ClassVar[GeometryFormat]
    GEOMETRY_FORMAT_GEOJSON: _ClassVar[GeometryFormat]

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
    PARTS_UNAVAILABLE: _ClassVar[UnassignedReason]
    FOLLOW_UP_FIRST_VISIT_UNSERVED: _ClassVar[UnassignedReason]
    FOLLOW_UP_WINDOW_UNREACHABLE: _ClassVar[UnassignedReason]
    WEEKLY_HOURS_EXCEEDED: _ClassVar[UnassignedReason]

class SolveStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOLVE_STATUS_UNSPECIFIED: _ClassVar[SolveStatus]
    LOCAL_OPTIMUM: _ClassVar[SolveStatus]
    TIME_LIMIT: _ClassVar[SolveStatus]
    SOLUTION_LIMIT: _ClassVar[SolveStatus]
    CANCELLED: _ClassVar[SolveStatus]
    NO_SOLUTION: _ClassVar[SolveStatus]
    VALIDATED: _ClassVar[SolveStatus]

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_PENDING: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_SUCCEEDED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]

class ViolationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIOLATION_TYPE_UNSPECIFIED: _ClassVar[ViolationType]
    VIOLATION_TYPE_TIME_WINDOW_MISSED: _ClassVar[ViolationType]
    VIOLATION_TYPE_HARD_SLA_MISSED: _ClassVar[ViolationType]
    VIOLATION_TYPE_SKILL_MISSING: _ClassVar[ViolationType]
    VIOLATION_TYPE_ENGINEER_NOT_ALLOWED: _ClassVar[ViolationType]
    VIOLATION_TYPE_OUTSIDE_SHIFT: _ClassVar[ViolationType]
    VIOLATION_TYPE_WORKING_TIME_EXCEEDED: _ClassVar[ViolationType]
    VIOLATION_TYPE_CAPACITY_EXCEEDED: _ClassVar[ViolationType]
    VIOLATION_TYPE_UNROUTABLE_LOCATION: _ClassVar[ViolationType]
    VIOLATION_TYPE_OUTSIDE_TERRITORY: _ClassVar[ViolationType]
    VIOLATION_TYPE_BREAK_MISSED: _ClassVar[ViolationType]
    VIOLATION_TYPE_PARTS_MISSING: _ClassVar[ViolationType]
    VIOLATION_TYPE_FOLLOW_UP_OUTSIDE_WINDOW: _ClassVar[ViolationType]
    VIOLATION_TYPE_FOLLOW_UP_WITHOUT_FIRST_VISIT: _ClassVar[ViolationType]
    VIOLATION_TYPE_FOLLOW_UP_OTHER_ENGINEER: _ClassVar[ViolationType]
    VIOLATION_TYPE_REST_TOO_SHORT: _ClassVar[ViolationType]
    VIOLATION_TYPE_WEEKLY_HOURS_EXCEEDED: _ClassVar[ViolationType]

class SlotReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLOT_REASON_UNSPECIFIED: _ClassVar[SlotReason]
    SLOT_REASON_BLACKOUT: _ClassVar[SlotReason]
    SLOT_REASON_UNROUTABLE: _ClassVar[SlotReason]
    SLOT_REASON_NO_QUALIFIED_ENGINEER: _ClassVar[SlotReason]
    SLOT_REASON_OUTSIDE_TERRITORY: _ClassVar[SlotReason]
    SLOT_REASON_CAPACITY_EXCEEDED: _ClassVar[SlotReason]
    SLOT_REASON_OUTSIDE_SHIFTS: _ClassVar[SlotReason]
    SLOT_REASON_UNREACHABLE_IN_SLOT: _ClassVar[SlotReason]
    SLOT_REASON_SLA_DEADLINE: _ClassVar[SlotReason]
    SLOT_REASON_WORKING_TIME_EXCEEDED: _ClassVar[SlotReason]
    SLOT_REASON_DAY_FULL: _ClassVar[SlotReason]

class FixOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FIX_OUTCOME_UNSPECIFIED: _ClassVar[FixOutcome]
    FIX_OUTCOME_FIXED_FIRST_TIME: _ClassVar[FixOutcome]
    FIX_OUTCOME_NOT_FIXED_FIRST_TIME: _ClassVar[FixOutcome]

class HotspotVariable(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOTSPOT_VARIABLE_UNSPECIFIED: _ClassVar[HotspotVariable]
    HOTSPOT_VARIABLE_DEMAND: _ClassVar[HotspotVariable]
    HOTSPOT_VARIABLE_SLA_BREACHES: _ClassVar[HotspotVariable]
    HOTSPOT_VARIABLE_REPEAT_FAILURES: _ClassVar[HotspotVariable]

class Hotspot(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOTSPOT_UNSPECIFIED: _ClassVar[Hotspot]
    HOTSPOT_HOT: _ClassVar[Hotspot]
    HOTSPOT_COLD: _ClassVar[Hotspot]

class KpiScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KPI_SCOPE_UNSPECIFIED: _ClassVar[KpiScope]
    KPI_SCOPE_OVERALL: _ClassVar[KpiScope]
    KPI_SCOPE_MONTH: _ClassVar[KpiScope]
    KPI_SCOPE_TEAM: _ClassVar[KpiScope]
    KPI_SCOPE_ENGINEER: _ClassVar[KpiScope]
SAME_ENGINEER_RULE_UNSPECIFIED: SameEngineerRule
SAME_ENGINEER_RULE_REQUIRED: SameEngineerRule
SAME_ENGINEER_RULE_PREFERRED: SameEngineerRule
SAME_ENGINEER_RULE_ANY: SameEngineerRule
SLA_MODE_UNSPECIFIED: SlaMode
SLA_MODE_SOFT: SlaMode
SLA_MODE_HARD: SlaMode
PRIORITY_UNSPECIFIED: Priority
PRIORITY_LOW: Priority
PRIORITY_NORMAL: Priority
PRIORITY_HIGH: Priority
PRIORITY_CRITICAL: Priority
TERRITORY_MODE_UNSPECIFIED: TerritoryMode
TERRITORY_MODE_HARD: TerritoryMode
TERRITORY_MODE_SOFT: TerritoryMode
TARGET_MODE_UNSPECIFIED: TargetMode
TARGET_MODE_REPORTED: TargetMode
TARGET_MODE_OPTIMISED: TargetMode
TARGET_KIND_UNSPECIFIED: TargetKind
TARGET_KIND_OVERDUE_RATE: TargetKind
TARGET_KIND_MEAN_RESPONSE: TargetKind
TARGET_KIND_MAX_RESPONSE: TargetKind
GEOMETRY_FORMAT_UNSPECIFIED: GeometryFormat
GEOMETRY_FORMAT_NONE: GeometryFormat
GEOMETRY_FORMAT_ENCODED_POLYLINE: GeometryFormat
GEOMETRY_FORMAT_GEOJSON: GeometryFormat
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
PARTS_UNAVAILABLE: UnassignedReason
FOLLOW_UP_FIRST_VISIT_UNSERVED: UnassignedReason
FOLLOW_UP_WINDOW_UNREACHABLE: UnassignedReason
WEEKLY_HOURS_EXCEEDED: UnassignedReason
SOLVE_STATUS_UNSPECIFIED: SolveStatus
LOCAL_OPTIMUM: SolveStatus
TIME_LIMIT: SolveStatus
SOLUTION_LIMIT: SolveStatus
CANCELLED: SolveStatus
NO_SOLUTION: SolveStatus
VALIDATED: SolveStatus
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_PENDING: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_SUCCEEDED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_CANCELLED: JobState
VIOLATION_TYPE_UNSPECIFIED: ViolationType
VIOLATION_TYPE_TIME_WINDOW_MISSED: ViolationType
VIOLATION_TYPE_HARD_SLA_MISSED: ViolationType
VIOLATION_TYPE_SKILL_MISSING: ViolationType
VIOLATION_TYPE_ENGINEER_NOT_ALLOWED: ViolationType
VIOLATION_TYPE_OUTSIDE_SHIFT: ViolationType
VIOLATION_TYPE_WORKING_TIME_EXCEEDED: ViolationType
VIOLATION_TYPE_CAPACITY_EXCEEDED: ViolationType
VIOLATION_TYPE_UNROUTABLE_LOCATION: ViolationType
VIOLATION_TYPE_OUTSIDE_TERRITORY: ViolationType
VIOLATION_TYPE_BREAK_MISSED: ViolationType
VIOLATION_TYPE_PARTS_MISSING: ViolationType
VIOLATION_TYPE_FOLLOW_UP_OUTSIDE_WINDOW: ViolationType
VIOLATION_TYPE_FOLLOW_UP_WITHOUT_FIRST_VISIT: ViolationType
VIOLATION_TYPE_FOLLOW_UP_OTHER_ENGINEER: ViolationType
VIOLATION_TYPE_REST_TOO_SHORT: ViolationType
VIOLATION_TYPE_WEEKLY_HOURS_EXCEEDED: ViolationType
SLOT_REASON_UNSPECIFIED: SlotReason
SLOT_REASON_BLACKOUT: SlotReason
SLOT_REASON_UNROUTABLE: SlotReason
SLOT_REASON_NO_QUALIFIED_ENGINEER: SlotReason
SLOT_REASON_OUTSIDE_TERRITORY: SlotReason
SLOT_REASON_CAPACITY_EXCEEDED: SlotReason
SLOT_REASON_OUTSIDE_SHIFTS: SlotReason
SLOT_REASON_UNREACHABLE_IN_SLOT: SlotReason
SLOT_REASON_SLA_DEADLINE: SlotReason
SLOT_REASON_WORKING_TIME_EXCEEDED: SlotReason
SLOT_REASON_DAY_FULL: SlotReason
FIX_OUTCOME_UNSPECIFIED: FixOutcome
FIX_OUTCOME_FIXED_FIRST_TIME: FixOutcome
FIX_OUTCOME_NOT_FIXED_FIRST_TIME: FixOutcome
HOTSPOT_VARIABLE_UNSPECIFIED: HotspotVariable
HOTSPOT_VARIABLE_DEMAND: HotspotVariable
HOTSPOT_VARIABLE_SLA_BREACHES: HotspotVariable
HOTSPOT_VARIABLE_REPEAT_FAILURES: HotspotVariable
HOTSPOT_UNSPECIFIED: Hotspot
HOTSPOT_HOT: Hotspot
HOTSPOT_COLD: Hotspot
KPI_SCOPE_UNSPECIFIED: KpiScope
KPI_SCOPE_OVERALL: KpiScope
KPI_SCOPE_MONTH: KpiScope
KPI_SCOPE_TEAM: KpiScope
KPI_SCOPE_ENGINEER: KpiScope

class SolveRequest(_message.Message):
    __slots__ = ("label", "orders", "engineers", "options", "validate_only", "replan")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    ENGINEERS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    REPLAN_FIELD_NUMBER: _ClassVar[int]
    label: str
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    engineers: _containers.RepeatedCompositeFieldContainer[Engineer]
    options: SolveOptions
    validate_only: bool
    replan: ReplanContext
    def __init__(self, label: _Optional[str] = ..., orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., engineers: _Optional[_Iterable[_Union[Engineer, _Mapping]]] = ..., options: _Optional[_Union[SolveOptions, _Mapping]] = ..., validate_only: _Optional[bool] = ..., replan: _Optional[_Union[ReplanContext, _Mapping]] = ...) -> None: ...

class ReplanContext(_message.Message):
    __slots__ = ("freeze_before_time", "engineer_states", "previous_routes", "reassignment_cost", "arrival_shift_cost_per_hour", "arrival_tolerance")
    FREEZE_BEFORE_TIME_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_STATES_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ROUTES_FIELD_NUMBER: _ClassVar[int]
    REASSIGNMENT_COST_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_SHIFT_COST_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    freeze_before_time: _timestamp_pb2.Timestamp
    engineer_states: _containers.RepeatedCompositeFieldContainer[EngineerState]
    previous_routes: _containers.RepeatedCompositeFieldContainer[PlannedRoute]
    reassignment_cost: float
    arrival_shift_cost_per_hour: float
    arrival_tolerance: _duration_pb2.Duration
    def __init__(self, freeze_before_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., engineer_states: _Optional[_Iterable[_Union[EngineerState, _Mapping]]] = ..., previous_routes: _Optional[_Iterable[_Union[PlannedRoute, _Mapping]]] = ..., reassignment_cost: _Optional[float] = ..., arrival_shift_cost_per_hour: _Optional[float] = ..., arrival_tolerance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class EngineerState(_message.Message):
    __slots__ = ("engineer_id", "in_progress_order_id", "in_progress_start_time", "committed_order_ids")
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    IN_PROGRESS_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    IN_PROGRESS_START_TIME_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    engineer_id: str
    in_progress_order_id: str
    in_progress_start_time: _timestamp_pb2.Timestamp
    committed_order_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, engineer_id: _Optional[str] = ..., in_progress_order_id: _Optional[str] = ..., in_progress_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., committed_order_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PlannedRoute(_message.Message):
    __slots__ = ("engineer_id", "shift_index", "order_ids")
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_INDEX_FIELD_NUMBER: _ClassVar[int]
    ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    engineer_id: str
    shift_index: int
    order_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, engineer_id: _Optional[str] = ..., shift_index: _Optional[int] = ..., order_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "location", "service_duration", "time_windows", "sla_deadline", "sla_mode", "lateness_cost_per_hour", "priority", "required_skills", "required_engineer_ids", "preferred_engineer_ids", "excluded_engineer_ids", "create_time", "mandatory", "unassigned_penalty", "demand", "parts", "follow_up", "age", "attempt_count")
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
    PARTS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_FIELD_NUMBER: _ClassVar[int]
    AGE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
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
    parts: _containers.RepeatedCompositeFieldContainer[PartNeed]
    follow_up: FollowUp
    age: _duration_pb2.Duration
    attempt_count: int
    def __init__(self, id: _Optional[str] = ..., location: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., service_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., time_windows: _Optional[_Iterable[_Union[TimeWindow, _Mapping]]] = ..., sla_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sla_mode: _Optional[_Union[SlaMode, str]] = ..., lateness_cost_per_hour: _Optional[float] = ..., priority: _Optional[_Union[Priority, str]] = ..., required_skills: _Optional[_Iterable[_Union[SkillRequirement, _Mapping]]] = ..., required_engineer_ids: _Optional[_Iterable[str]] = ..., preferred_engineer_ids: _Optional[_Iterable[str]] = ..., excluded_engineer_ids: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mandatory: _Optional[bool] = ..., unassigned_penalty: _Optional[float] = ..., demand: _Optional[int] = ..., parts: _Optional[_Iterable[_Union[PartNeed, _Mapping]]] = ..., follow_up: _Optional[_Union[FollowUp, _Mapping]] = ..., age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., attempt_count: _Optional[int] = ...) -> None: ...

class PartNeed(_message.Message):
    __slots__ = ("sku", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class FollowUp(_message.Message):
    __slots__ = ("previous_order_id", "previous_visit", "min_delay", "max_delay", "same_engineer", "other_engineer_cost")
    PREVIOUS_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VISIT_FIELD_NUMBER: _ClassVar[int]
    MIN_DELAY_FIELD_NUMBER: _ClassVar[int]
    MAX_DELAY_FIELD_NUMBER: _ClassVar[int]
    SAME_ENGINEER_FIELD_NUMBER: _ClassVar[int]
    OTHER_ENGINEER_COST_FIELD_NUMBER: _ClassVar[int]
    previous_order_id: str
    previous_visit: CompletedVisit
    min_delay: _duration_pb2.Duration
    max_delay: _duration_pb2.Duration
    same_engineer: SameEngineerRule
    other_engineer_cost: float
    def __init__(self, previous_order_id: _Optional[str] = ..., previous_visit: _Optional[_Union[CompletedVisit, _Mapping]] = ..., min_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., same_engineer: _Optional[_Union[SameEngineerRule, str]] = ..., other_engineer_cost: _Optional[float] = ...) -> None: ...

class CompletedVisit(_message.Message):
    __slots__ = ("end_time", "engineer_id")
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    end_time: _timestamp_pb2.Timestamp
    engineer_id: str
    def __init__(self, end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., engineer_id: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("name", "level", "valid_until")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    level: int
    valid_until: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., level: _Optional[int] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Engineer(_message.Message):
    __slots__ = ("id", "start_location", "end_location", "shifts", "skills", "max_working_time", "cost_per_hour", "cost_per_traveled_hour", "cost_per_km", "speed_factor", "capacity", "territory", "van_stock", "max_overtime", "overtime_cost_per_hour", "min_rest", "last_shift_end_time", "max_weekly_working_time", "worked_this_week", "week_start_time", "consecutive_days_worked")
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
    TERRITORY_FIELD_NUMBER: _ClassVar[int]
    VAN_STOCK_FIELD_NUMBER: _ClassVar[int]
    MAX_OVERTIME_FIELD_NUMBER: _ClassVar[int]
    OVERTIME_COST_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    MIN_REST_FIELD_NUMBER: _ClassVar[int]
    LAST_SHIFT_END_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_WEEKLY_WORKING_TIME_FIELD_NUMBER: _ClassVar[int]
    WORKED_THIS_WEEK_FIELD_NUMBER: _ClassVar[int]
    WEEK_START_TIME_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_DAYS_WORKED_FIELD_NUMBER: _ClassVar[int]
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
    territory: Territory
    van_stock: _containers.RepeatedCompositeFieldContainer[StockLevel]
    max_overtime: _duration_pb2.Duration
    overtime_cost_per_hour: float
    min_rest: _duration_pb2.Duration
    last_shift_end_time: _timestamp_pb2.Timestamp
    max_weekly_working_time: _duration_pb2.Duration
    worked_this_week: _duration_pb2.Duration
    week_start_time: _timestamp_pb2.Timestamp
    consecutive_days_worked: int
    def __init__(self, id: _Optional[str] = ..., start_location: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., end_location: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., shifts: _Optional[_Iterable[_Union[Shift, _Mapping]]] = ..., skills: _Optional[_Iterable[_Union[Skill, _Mapping]]] = ..., max_working_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cost_per_hour: _Optional[float] = ..., cost_per_traveled_hour: _Optional[float] = ..., cost_per_km: _Optional[float] = ..., speed_factor: _Optional[float] = ..., capacity: _Optional[int] = ..., territory: _Optional[_Union[Territory, _Mapping]] = ..., van_stock: _Optional[_Iterable[_Union[StockLevel, _Mapping]]] = ..., max_overtime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., overtime_cost_per_hour: _Optional[float] = ..., min_rest: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., last_shift_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_weekly_working_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., worked_this_week: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., week_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., consecutive_days_worked: _Optional[int] = ...) -> None: ...

class StockLevel(_message.Message):
    __slots__ = ("sku", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class Territory(_message.Message):
    __slots__ = ("geojson", "mode", "outside_cost")
    GEOJSON_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_COST_FIELD_NUMBER: _ClassVar[int]
    geojson: str
    mode: TerritoryMode
    outside_cost: float
    def __init__(self, geojson: _Optional[str] = ..., mode: _Optional[_Union[TerritoryMode, str]] = ..., outside_cost: _Optional[float] = ...) -> None: ...

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
    __slots__ = ("time_limit", "search_mode", "random_seed", "objective_weights", "travel_model", "non_preferred_engineer_cost", "solution_limit", "geometry_format", "fairness_weight", "first_time_fix", "sla_targets")
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SEARCH_MODE_FIELD_NUMBER: _ClassVar[int]
    RANDOM_SEED_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_MODEL_FIELD_NUMBER: _ClassVar[int]
    NON_PREFERRED_ENGINEER_COST_FIELD_NUMBER: _ClassVar[int]
    SOLUTION_LIMIT_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_FORMAT_FIELD_NUMBER: _ClassVar[int]
    FAIRNESS_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    FIRST_TIME_FIX_FIELD_NUMBER: _ClassVar[int]
    SLA_TARGETS_FIELD_NUMBER: _ClassVar[int]
    time_limit: _duration_pb2.Duration
    search_mode: SearchMode
    random_seed: int
    objective_weights: ObjectiveWeights
    travel_model: TravelModel
    non_preferred_engineer_cost: float
    solution_limit: int
    geometry_format: GeometryFormat
    fairness_weight: float
    first_time_fix: FirstTimeFixModel
    sla_targets: SlaTargets
    def __init__(self, time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., search_mode: _Optional[_Union[SearchMode, str]] = ..., random_seed: _Optional[int] = ..., objective_weights: _Optional[_Union[ObjectiveWeights, _Mapping]] = ..., travel_model: _Optional[_Union[TravelModel, _Mapping]] = ..., non_preferred_engineer_cost: _Optional[float] = ..., solution_limit: _Optional[int] = ..., geometry_format: _Optional[_Union[GeometryFormat, str]] = ..., fairness_weight: _Optional[float] = ..., first_time_fix: _Optional[_Union[FirstTimeFixModel, _Mapping]] = ..., sla_targets: _Optional[_Union[SlaTargets, _Mapping]] = ...) -> None: ...

class FirstTimeFixModel(_message.Message):
    __slots__ = ("base_probability", "per_level", "max_probability", "revisit_cost", "target_rate")
    BASE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    PER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    MAX_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    REVISIT_COST_FIELD_NUMBER: _ClassVar[int]
    TARGET_RATE_FIELD_NUMBER: _ClassVar[int]
    base_probability: float
    per_level: float
    max_probability: float
    revisit_cost: float
    target_rate: float
    def __init__(self, base_probability: _Optional[float] = ..., per_level: _Optional[float] = ..., max_probability: _Optional[float] = ..., revisit_cost: _Optional[float] = ..., target_rate: _Optional[float] = ...) -> None: ...

class SlaTargets(_message.Message):
    __slots__ = ("max_overdue_rate", "overdue_mode", "max_mean_response", "mean_response_mode", "max_response", "max_response_mode", "overdue_breach_cost", "response_breach_cost_per_hour", "mean_response_cost_per_hour", "max_orders_at_risk")
    MAX_OVERDUE_RATE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_MODE_FIELD_NUMBER: _ClassVar[int]
    MAX_MEAN_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    MEAN_RESPONSE_MODE_FIELD_NUMBER: _ClassVar[int]
    MAX_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    MAX_RESPONSE_MODE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_BREACH_COST_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BREACH_COST_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    MEAN_RESPONSE_COST_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    MAX_ORDERS_AT_RISK_FIELD_NUMBER: _ClassVar[int]
    max_overdue_rate: float
    overdue_mode: TargetMode
    max_mean_response: _duration_pb2.Duration
    mean_response_mode: TargetMode
    max_response: _duration_pb2.Duration
    max_response_mode: TargetMode
    overdue_breach_cost: float
    response_breach_cost_per_hour: float
    mean_response_cost_per_hour: float
    max_orders_at_risk: int
    def __init__(self, max_overdue_rate: _Optional[float] = ..., overdue_mode: _Optional[_Union[TargetMode, str]] = ..., max_mean_response: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., mean_response_mode: _Optional[_Union[TargetMode, str]] = ..., max_response: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_response_mode: _Optional[_Union[TargetMode, str]] = ..., overdue_breach_cost: _Optional[float] = ..., response_breach_cost_per_hour: _Optional[float] = ..., mean_response_cost_per_hour: _Optional[float] = ..., max_orders_at_risk: _Optional[int] = ...) -> None: ...

class TargetResult(_message.Message):
    __slots__ = ("kind", "mode", "target", "actual", "met", "margin", "breaching_orders", "cost")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    BREACHING_ORDERS_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    kind: TargetKind
    mode: TargetMode
    target: float
    actual: float
    met: bool
    margin: float
    breaching_orders: int
    cost: float
    def __init__(self, kind: _Optional[_Union[TargetKind, str]] = ..., mode: _Optional[_Union[TargetMode, str]] = ..., target: _Optional[float] = ..., actual: _Optional[float] = ..., met: _Optional[bool] = ..., margin: _Optional[float] = ..., breaching_orders: _Optional[int] = ..., cost: _Optional[float] = ...) -> None: ...

class OrderAtRisk(_message.Message):
    __slots__ = ("order_id", "slack", "kind")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SLACK_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    slack: _duration_pb2.Duration
    kind: TargetKind
    def __init__(self, order_id: _Optional[str] = ..., slack: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., kind: _Optional[_Union[TargetKind, str]] = ...) -> None: ...

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
    __slots__ = ("great_circle", "road_network")
    GREAT_CIRCLE_FIELD_NUMBER: _ClassVar[int]
    ROAD_NETWORK_FIELD_NUMBER: _ClassVar[int]
    great_circle: GreatCircle
    road_network: RoadNetwork
    def __init__(self, great_circle: _Optional[_Union[GreatCircle, _Mapping]] = ..., road_network: _Optional[_Union[RoadNetwork, _Mapping]] = ...) -> None: ...

class RoadNetwork(_message.Message):
    __slots__ = ("map_id", "max_snap_distance_meters")
    MAP_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SNAP_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    map_id: str
    max_snap_distance_meters: float
    def __init__(self, map_id: _Optional[str] = ..., max_snap_distance_meters: _Optional[float] = ...) -> None: ...

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
    __slots__ = ("engineer_id", "shift_index", "start_time", "end_time", "visits", "breaks", "travel_duration", "travel_distance_meters", "service_duration", "waiting_duration", "cost", "end_leg_geometry", "overtime")
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
    END_LEG_GEOMETRY_FIELD_NUMBER: _ClassVar[int]
    OVERTIME_FIELD_NUMBER: _ClassVar[int]
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
    end_leg_geometry: str
    overtime: _duration_pb2.Duration
    def __init__(self, engineer_id: _Optional[str] = ..., shift_index: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., visits: _Optional[_Iterable[_Union[Visit, _Mapping]]] = ..., breaks: _Optional[_Iterable[_Union[BreakTaken, _Mapping]]] = ..., travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., travel_distance_meters: _Optional[int] = ..., service_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., waiting_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cost: _Optional[float] = ..., end_leg_geometry: _Optional[str] = ..., overtime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Visit(_message.Message):
    __slots__ = ("order_id", "arrival_time", "start_time", "end_time", "travel_duration", "travel_distance_meters", "waiting_duration", "sla_lateness", "leg_geometry")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DURATION_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    WAITING_DURATION_FIELD_NUMBER: _ClassVar[int]
    SLA_LATENESS_FIELD_NUMBER: _ClassVar[int]
    LEG_GEOMETRY_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    arrival_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    travel_duration: _duration_pb2.Duration
    travel_distance_meters: int
    waiting_duration: _duration_pb2.Duration
    sla_lateness: _duration_pb2.Duration
    leg_geometry: str
    def __init__(self, order_id: _Optional[str] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., travel_distance_meters: _Optional[int] = ..., waiting_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., sla_lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., leg_geometry: _Optional[str] = ...) -> None: ...

class BreakTaken(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UnassignedOrder(_message.Message):
    __slots__ = ("order_id", "reason", "example_engineer_id", "detail", "next_possible_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    NEXT_POSSIBLE_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: UnassignedReason
    example_engineer_id: str
    detail: str
    next_possible_time: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[_Union[UnassignedReason, str]] = ..., example_engineer_id: _Optional[str] = ..., detail: _Optional[str] = ..., next_possible_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PlanKpis(_message.Message):
    __slots__ = ("orders_total", "orders_served", "orders_unassigned", "orders_with_deadline", "on_time_count", "overdue_count", "on_time_rate", "overdue_rate", "total_lateness", "mean_response_time", "p90_response_time", "total_travel_duration", "total_travel_distance_meters", "total_service_duration", "total_working_duration", "utilization", "workload_spread", "workload_cv", "total_overtime", "routes_with_overtime", "expected_first_time_fix_rate", "first_time_fix_target", "follow_ups_due", "follow_ups_planned_in_window", "follow_up_same_engineer_rate", "fairness_index", "longest_day", "shortest_rest", "max_consecutive_days", "targets", "orders_at_risk")
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
    TOTAL_OVERTIME_FIELD_NUMBER: _ClassVar[int]
    ROUTES_WITH_OVERTIME_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIRST_TIME_FIX_RATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_TIME_FIX_TARGET_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_DUE_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_PLANNED_IN_WINDOW_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_SAME_ENGINEER_RATE_FIELD_NUMBER: _ClassVar[int]
    FAIRNESS_INDEX_FIELD_NUMBER: _ClassVar[int]
    LONGEST_DAY_FIELD_NUMBER: _ClassVar[int]
    SHORTEST_REST_FIELD_NUMBER: _ClassVar[int]
    MAX_CONSECUTIVE_DAYS_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    ORDERS_AT_RISK_FIELD_NUMBER: _ClassVar[int]
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
    total_overtime: _duration_pb2.Duration
    routes_with_overtime: int
    expected_first_time_fix_rate: float
    first_time_fix_target: float
    follow_ups_due: int
    follow_ups_planned_in_window: int
    follow_up_same_engineer_rate: float
    fairness_index: float
    longest_day: _duration_pb2.Duration
    shortest_rest: _duration_pb2.Duration
    max_consecutive_days: int
    targets: _containers.RepeatedCompositeFieldContainer[TargetResult]
    orders_at_risk: _containers.RepeatedCompositeFieldContainer[OrderAtRisk]
    def __init__(self, orders_total: _Optional[int] = ..., orders_served: _Optional[int] = ..., orders_unassigned: _Optional[int] = ..., orders_with_deadline: _Optional[int] = ..., on_time_count: _Optional[int] = ..., overdue_count: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., overdue_rate: _Optional[float] = ..., total_lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., mean_response_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., p90_response_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_travel_distance_meters: _Optional[int] = ..., total_service_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_working_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., utilization: _Optional[_Iterable[_Union[EngineerUtilization, _Mapping]]] = ..., workload_spread: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., workload_cv: _Optional[float] = ..., total_overtime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., routes_with_overtime: _Optional[int] = ..., expected_first_time_fix_rate: _Optional[float] = ..., first_time_fix_target: _Optional[float] = ..., follow_ups_due: _Optional[int] = ..., follow_ups_planned_in_window: _Optional[int] = ..., follow_up_same_engineer_rate: _Optional[float] = ..., fairness_index: _Optional[float] = ..., longest_day: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., shortest_rest: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_consecutive_days: _Optional[int] = ..., targets: _Optional[_Iterable[_Union[TargetResult, _Mapping]]] = ..., orders_at_risk: _Optional[_Iterable[_Union[OrderAtRisk, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("travel", "lateness", "unassigned", "preference", "territory", "disruption", "overtime", "fairness", "follow_up", "revisit")
    TRAVEL_FIELD_NUMBER: _ClassVar[int]
    LATENESS_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    TERRITORY_FIELD_NUMBER: _ClassVar[int]
    DISRUPTION_FIELD_NUMBER: _ClassVar[int]
    OVERTIME_FIELD_NUMBER: _ClassVar[int]
    FAIRNESS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_FIELD_NUMBER: _ClassVar[int]
    REVISIT_FIELD_NUMBER: _ClassVar[int]
    travel: float
    lateness: float
    unassigned: float
    preference: float
    territory: float
    disruption: float
    overtime: float
    fairness: float
    follow_up: float
    revisit: float
    def __init__(self, travel: _Optional[float] = ..., lateness: _Optional[float] = ..., unassigned: _Optional[float] = ..., preference: _Optional[float] = ..., territory: _Optional[float] = ..., disruption: _Optional[float] = ..., overtime: _Optional[float] = ..., fairness: _Optional[float] = ..., follow_up: _Optional[float] = ..., revisit: _Optional[float] = ...) -> None: ...

class SolveProgress(_message.Message):
    __slots__ = ("elapsed", "plan", "final")
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    elapsed: _duration_pb2.Duration
    plan: SolveResponse
    final: bool
    def __init__(self, elapsed: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., plan: _Optional[_Union[SolveResponse, _Mapping]] = ..., final: _Optional[bool] = ...) -> None: ...

class SolveJob(_message.Message):
    __slots__ = ("job_id", "label", "state", "create_time", "end_time", "elapsed", "solutions_found", "plan", "error_code", "error_message", "order_count", "engineer_count")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    SOLUTIONS_FOUND_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ORDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_COUNT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    label: str
    state: JobState
    create_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    elapsed: _duration_pb2.Duration
    solutions_found: int
    plan: SolveResponse
    error_code: int
    error_message: str
    order_count: int
    engineer_count: int
    def __init__(self, job_id: _Optional[str] = ..., label: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., elapsed: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., solutions_found: _Optional[int] = ..., plan: _Optional[_Union[SolveResponse, _Mapping]] = ..., error_code: _Optional[int] = ..., error_message: _Optional[str] = ..., order_count: _Optional[int] = ..., engineer_count: _Optional[int] = ...) -> None: ...

class GetSolveRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelSolveRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class ListSolvesRequest(_message.Message):
    __slots__ = ("page_size",)
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    def __init__(self, page_size: _Optional[int] = ...) -> None: ...

class ListSolvesResponse(_message.Message):
    __slots__ = ("jobs",)
    JOBS_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[SolveJob]
    def __init__(self, jobs: _Optional[_Iterable[_Union[SolveJob, _Mapping]]] = ...) -> None: ...

class EvaluatePlanRequest(_message.Message):
    __slots__ = ("problem", "routes")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    problem: SolveRequest
    routes: _containers.RepeatedCompositeFieldContainer[PlannedRoute]
    def __init__(self, problem: _Optional[_Union[SolveRequest, _Mapping]] = ..., routes: _Optional[_Iterable[_Union[PlannedRoute, _Mapping]]] = ...) -> None: ...

class EvaluatePlanResponse(_message.Message):
    __slots__ = ("label", "routes", "violations", "unassigned_orders", "kpis", "objective_breakdown", "objective")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_ORDERS_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    label: str
    routes: _containers.RepeatedCompositeFieldContainer[Route]
    violations: _containers.RepeatedCompositeFieldContainer[PlanViolation]
    unassigned_orders: _containers.RepeatedCompositeFieldContainer[UnassignedOrder]
    kpis: PlanKpis
    objective_breakdown: ObjectiveBreakdown
    objective: float
    def __init__(self, label: _Optional[str] = ..., routes: _Optional[_Iterable[_Union[Route, _Mapping]]] = ..., violations: _Optional[_Iterable[_Union[PlanViolation, _Mapping]]] = ..., unassigned_orders: _Optional[_Iterable[_Union[UnassignedOrder, _Mapping]]] = ..., kpis: _Optional[_Union[PlanKpis, _Mapping]] = ..., objective_breakdown: _Optional[_Union[ObjectiveBreakdown, _Mapping]] = ..., objective: _Optional[float] = ...) -> None: ...

class PlanViolation(_message.Message):
    __slots__ = ("type", "order_id", "engineer_id", "shift_index", "amount", "detail")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_INDEX_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    type: ViolationType
    order_id: str
    engineer_id: str
    shift_index: int
    amount: _duration_pb2.Duration
    detail: str
    def __init__(self, type: _Optional[_Union[ViolationType, str]] = ..., order_id: _Optional[str] = ..., engineer_id: _Optional[str] = ..., shift_index: _Optional[int] = ..., amount: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., detail: _Optional[str] = ...) -> None: ...

class RecommendInsertionRequest(_message.Message):
    __slots__ = ("problem", "current_routes", "order", "max_candidates")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ROUTES_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    MAX_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    problem: SolveRequest
    current_routes: _containers.RepeatedCompositeFieldContainer[PlannedRoute]
    order: Order
    max_candidates: int
    def __init__(self, problem: _Optional[_Union[SolveRequest, _Mapping]] = ..., current_routes: _Optional[_Iterable[_Union[PlannedRoute, _Mapping]]] = ..., order: _Optional[_Union[Order, _Mapping]] = ..., max_candidates: _Optional[int] = ...) -> None: ...

class RecommendInsertionResponse(_message.Message):
    __slots__ = ("candidates", "reason")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[InsertionCandidate]
    reason: UnassignedReason
    def __init__(self, candidates: _Optional[_Iterable[_Union[InsertionCandidate, _Mapping]]] = ..., reason: _Optional[_Union[UnassignedReason, str]] = ...) -> None: ...

class InsertionCandidate(_message.Message):
    __slots__ = ("engineer_id", "shift_index", "position", "arrival_time", "start_time", "added_travel_duration", "added_travel_distance_meters", "sla_slack", "newly_late_order_ids", "broken_order_ids", "added_cost")
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_INDEX_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    ADDED_TRAVEL_DURATION_FIELD_NUMBER: _ClassVar[int]
    ADDED_TRAVEL_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    SLA_SLACK_FIELD_NUMBER: _ClassVar[int]
    NEWLY_LATE_ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    BROKEN_ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    ADDED_COST_FIELD_NUMBER: _ClassVar[int]
    engineer_id: str
    shift_index: int
    position: int
    arrival_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    added_travel_duration: _duration_pb2.Duration
    added_travel_distance_meters: int
    sla_slack: _duration_pb2.Duration
    newly_late_order_ids: _containers.RepeatedScalarFieldContainer[str]
    broken_order_ids: _containers.RepeatedScalarFieldContainer[str]
    added_cost: float
    def __init__(self, engineer_id: _Optional[str] = ..., shift_index: _Optional[int] = ..., position: _Optional[int] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., added_travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., added_travel_distance_meters: _Optional[int] = ..., sla_slack: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., newly_late_order_ids: _Optional[_Iterable[str]] = ..., broken_order_ids: _Optional[_Iterable[str]] = ..., added_cost: _Optional[float] = ...) -> None: ...

class RecommendSlotsRequest(_message.Message):
    __slots__ = ("problem", "current_routes", "orders", "slot_grid", "max_slots", "reserve")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ROUTES_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    SLOT_GRID_FIELD_NUMBER: _ClassVar[int]
    MAX_SLOTS_FIELD_NUMBER: _ClassVar[int]
    RESERVE_FIELD_NUMBER: _ClassVar[int]
    problem: SolveRequest
    current_routes: _containers.RepeatedCompositeFieldContainer[PlannedRoute]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    slot_grid: SlotGrid
    max_slots: int
    reserve: bool
    def __init__(self, problem: _Optional[_Union[SolveRequest, _Mapping]] = ..., current_routes: _Optional[_Iterable[_Union[PlannedRoute, _Mapping]]] = ..., orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., slot_grid: _Optional[_Union[SlotGrid, _Mapping]] = ..., max_slots: _Optional[int] = ..., reserve: _Optional[bool] = ...) -> None: ...

class SlotGrid(_message.Message):
    __slots__ = ("slot_length", "first_day", "last_day", "utc_offset", "daily_slot_starts", "day_start", "day_end", "blackouts")
    SLOT_LENGTH_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_FIELD_NUMBER: _ClassVar[int]
    UTC_OFFSET_FIELD_NUMBER: _ClassVar[int]
    DAILY_SLOT_STARTS_FIELD_NUMBER: _ClassVar[int]
    DAY_START_FIELD_NUMBER: _ClassVar[int]
    DAY_END_FIELD_NUMBER: _ClassVar[int]
    BLACKOUTS_FIELD_NUMBER: _ClassVar[int]
    slot_length: _duration_pb2.Duration
    first_day: _date_pb2.Date
    last_day: _date_pb2.Date
    utc_offset: _duration_pb2.Duration
    daily_slot_starts: _containers.RepeatedCompositeFieldContainer[_duration_pb2.Duration]
    day_start: _duration_pb2.Duration
    day_end: _duration_pb2.Duration
    blackouts: _containers.RepeatedCompositeFieldContainer[TimeWindow]
    def __init__(self, slot_length: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., first_day: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., last_day: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., utc_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., daily_slot_starts: _Optional[_Iterable[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]]] = ..., day_start: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., day_end: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., blackouts: _Optional[_Iterable[_Union[TimeWindow, _Mapping]]] = ...) -> None: ...

class RecommendSlotsResponse(_message.Message):
    __slots__ = ("orders", "routes")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[OrderSlots]
    routes: _containers.RepeatedCompositeFieldContainer[PlannedRoute]
    def __init__(self, orders: _Optional[_Iterable[_Union[OrderSlots, _Mapping]]] = ..., routes: _Optional[_Iterable[_Union[PlannedRoute, _Mapping]]] = ...) -> None: ...

class OrderSlots(_message.Message):
    __slots__ = ("order_id", "slots", "unavailable_slots", "reserved_slot")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_SLOTS_FIELD_NUMBER: _ClassVar[int]
    RESERVED_SLOT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    slots: _containers.RepeatedCompositeFieldContainer[BookingSlot]
    unavailable_slots: _containers.RepeatedCompositeFieldContainer[BookingSlot]
    reserved_slot: BookingSlot
    def __init__(self, order_id: _Optional[str] = ..., slots: _Optional[_Iterable[_Union[BookingSlot, _Mapping]]] = ..., unavailable_slots: _Optional[_Iterable[_Union[BookingSlot, _Mapping]]] = ..., reserved_slot: _Optional[_Union[BookingSlot, _Mapping]] = ...) -> None: ...

class BookingSlot(_message.Message):
    __slots__ = ("start_time", "end_time", "kept", "reason", "engineer_id", "shift_index", "position", "arrival_time", "visit_start_time", "added_cost", "sla_slack", "slot_slack", "day_slack", "grade")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    KEPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_INDEX_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    VISIT_START_TIME_FIELD_NUMBER: _ClassVar[int]
    ADDED_COST_FIELD_NUMBER: _ClassVar[int]
    SLA_SLACK_FIELD_NUMBER: _ClassVar[int]
    SLOT_SLACK_FIELD_NUMBER: _ClassVar[int]
    DAY_SLACK_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    kept: bool
    reason: SlotReason
    engineer_id: str
    shift_index: int
    position: int
    arrival_time: _timestamp_pb2.Timestamp
    visit_start_time: _timestamp_pb2.Timestamp
    added_cost: float
    sla_slack: _duration_pb2.Duration
    slot_slack: _duration_pb2.Duration
    day_slack: _duration_pb2.Duration
    grade: int
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kept: _Optional[bool] = ..., reason: _Optional[_Union[SlotReason, str]] = ..., engineer_id: _Optional[str] = ..., shift_index: _Optional[int] = ..., position: _Optional[int] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., visit_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., added_cost: _Optional[float] = ..., sla_slack: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., slot_slack: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., day_slack: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., grade: _Optional[int] = ...) -> None: ...

class CompareScenariosRequest(_message.Message):
    __slots__ = ("base", "scenarios", "include_plans", "noise_seeds")
    BASE_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PLANS_FIELD_NUMBER: _ClassVar[int]
    NOISE_SEEDS_FIELD_NUMBER: _ClassVar[int]
    base: SolveRequest
    scenarios: _containers.RepeatedCompositeFieldContainer[Scenario]
    include_plans: bool
    noise_seeds: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, base: _Optional[_Union[SolveRequest, _Mapping]] = ..., scenarios: _Optional[_Iterable[_Union[Scenario, _Mapping]]] = ..., include_plans: _Optional[bool] = ..., noise_seeds: _Optional[_Iterable[int]] = ...) -> None: ...

class Scenario(_message.Message):
    __slots__ = ("name", "remove_engineer_ids", "add_engineers", "remove_order_ids", "add_orders", "order_scale", "sla_hours", "speed_scale", "shift_end_offset", "shift_start_offset")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REMOVE_ENGINEER_IDS_FIELD_NUMBER: _ClassVar[int]
    ADD_ENGINEERS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    ADD_ORDERS_FIELD_NUMBER: _ClassVar[int]
    ORDER_SCALE_FIELD_NUMBER: _ClassVar[int]
    SLA_HOURS_FIELD_NUMBER: _ClassVar[int]
    SPEED_SCALE_FIELD_NUMBER: _ClassVar[int]
    SHIFT_END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    SHIFT_START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    name: str
    remove_engineer_ids: _containers.RepeatedScalarFieldContainer[str]
    add_engineers: _containers.RepeatedCompositeFieldContainer[Engineer]
    remove_order_ids: _containers.RepeatedScalarFieldContainer[str]
    add_orders: _containers.RepeatedCompositeFieldContainer[Order]
    order_scale: float
    sla_hours: float
    speed_scale: float
    shift_end_offset: _duration_pb2.Duration
    shift_start_offset: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., remove_engineer_ids: _Optional[_Iterable[str]] = ..., add_engineers: _Optional[_Iterable[_Union[Engineer, _Mapping]]] = ..., remove_order_ids: _Optional[_Iterable[str]] = ..., add_orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., order_scale: _Optional[float] = ..., sla_hours: _Optional[float] = ..., speed_scale: _Optional[float] = ..., shift_end_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., shift_start_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CompareScenariosResponse(_message.Message):
    __slots__ = ("base", "scenarios")
    BASE_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    base: ScenarioResult
    scenarios: _containers.RepeatedCompositeFieldContainer[ScenarioResult]
    def __init__(self, base: _Optional[_Union[ScenarioResult, _Mapping]] = ..., scenarios: _Optional[_Iterable[_Union[ScenarioResult, _Mapping]]] = ...) -> None: ...

class ScenarioResult(_message.Message):
    __slots__ = ("name", "kpis", "objective", "delta", "diff", "plan", "noise")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    NOISE_FIELD_NUMBER: _ClassVar[int]
    name: str
    kpis: PlanKpis
    objective: float
    delta: KpiDelta
    diff: PlanDiff
    plan: SolveResponse
    noise: KpiDelta
    def __init__(self, name: _Optional[str] = ..., kpis: _Optional[_Union[PlanKpis, _Mapping]] = ..., objective: _Optional[float] = ..., delta: _Optional[_Union[KpiDelta, _Mapping]] = ..., diff: _Optional[_Union[PlanDiff, _Mapping]] = ..., plan: _Optional[_Union[SolveResponse, _Mapping]] = ..., noise: _Optional[_Union[KpiDelta, _Mapping]] = ...) -> None: ...

class KpiDelta(_message.Message):
    __slots__ = ("orders_served", "orders_unassigned", "on_time_rate", "overdue_count", "mean_response_time", "total_travel_duration", "total_travel_distance_meters", "total_working_duration", "objective")
    ORDERS_SERVED_FIELD_NUMBER: _ClassVar[int]
    ORDERS_UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_RESPONSE_TIME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRAVEL_DURATION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRAVEL_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WORKING_DURATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    orders_served: int
    orders_unassigned: int
    on_time_rate: float
    overdue_count: int
    mean_response_time: _duration_pb2.Duration
    total_travel_duration: _duration_pb2.Duration
    total_travel_distance_meters: int
    total_working_duration: _duration_pb2.Duration
    objective: float
    def __init__(self, orders_served: _Optional[int] = ..., orders_unassigned: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., overdue_count: _Optional[int] = ..., mean_response_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_travel_distance_meters: _Optional[int] = ..., total_working_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., objective: _Optional[float] = ...) -> None: ...

class PlanDiff(_message.Message):
    __slots__ = ("moved_order_ids", "newly_unassigned_order_ids", "newly_served_order_ids", "changed_engineer_ids", "mean_arrival_shift", "max_arrival_shift")
    MOVED_ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEWLY_UNASSIGNED_ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEWLY_SERVED_ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_ENGINEER_IDS_FIELD_NUMBER: _ClassVar[int]
    MEAN_ARRIVAL_SHIFT_FIELD_NUMBER: _ClassVar[int]
    MAX_ARRIVAL_SHIFT_FIELD_NUMBER: _ClassVar[int]
    moved_order_ids: _containers.RepeatedScalarFieldContainer[str]
    newly_unassigned_order_ids: _containers.RepeatedScalarFieldContainer[str]
    newly_served_order_ids: _containers.RepeatedScalarFieldContainer[str]
    changed_engineer_ids: _containers.RepeatedScalarFieldContainer[str]
    mean_arrival_shift: _duration_pb2.Duration
    max_arrival_shift: _duration_pb2.Duration
    def __init__(self, moved_order_ids: _Optional[_Iterable[str]] = ..., newly_unassigned_order_ids: _Optional[_Iterable[str]] = ..., newly_served_order_ids: _Optional[_Iterable[str]] = ..., changed_engineer_ids: _Optional[_Iterable[str]] = ..., mean_arrival_shift: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_arrival_shift: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ComputeMatrixRequest(_message.Message):
    __slots__ = ("origins", "destinations", "travel_model")
    ORIGINS_FIELD_NUMBER: _ClassVar[int]
    DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_MODEL_FIELD_NUMBER: _ClassVar[int]
    origins: _containers.RepeatedCompositeFieldContainer[_latlng_pb2.LatLng]
    destinations: _containers.RepeatedCompositeFieldContainer[_latlng_pb2.LatLng]
    travel_model: TravelModel
    def __init__(self, origins: _Optional[_Iterable[_Union[_latlng_pb2.LatLng, _Mapping]]] = ..., destinations: _Optional[_Iterable[_Union[_latlng_pb2.LatLng, _Mapping]]] = ..., travel_model: _Optional[_Union[TravelModel, _Mapping]] = ...) -> None: ...

class ComputeMatrixResponse(_message.Message):
    __slots__ = ("durations_seconds", "distances_meters", "origin_snap_distances_meters", "destination_snap_distances_meters", "origin_unroutable", "destination_unroutable")
    DURATIONS_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DISTANCES_METERS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_SNAP_DISTANCES_METERS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_SNAP_DISTANCES_METERS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_UNROUTABLE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_UNROUTABLE_FIELD_NUMBER: _ClassVar[int]
    durations_seconds: _containers.RepeatedScalarFieldContainer[int]
    distances_meters: _containers.RepeatedScalarFieldContainer[int]
    origin_snap_distances_meters: _containers.RepeatedScalarFieldContainer[float]
    destination_snap_distances_meters: _containers.RepeatedScalarFieldContainer[float]
    origin_unroutable: _containers.RepeatedScalarFieldContainer[bool]
    destination_unroutable: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, durations_seconds: _Optional[_Iterable[int]] = ..., distances_meters: _Optional[_Iterable[int]] = ..., origin_snap_distances_meters: _Optional[_Iterable[float]] = ..., destination_snap_distances_meters: _Optional[_Iterable[float]] = ..., origin_unroutable: _Optional[_Iterable[bool]] = ..., destination_unroutable: _Optional[_Iterable[bool]] = ...) -> None: ...

class EstimateArrivalRequest(_message.Message):
    __slots__ = ("origin", "destination", "departure_time", "speed_factor", "travel_model", "geometry_format")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    SPEED_FACTOR_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_MODEL_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_FORMAT_FIELD_NUMBER: _ClassVar[int]
    origin: _latlng_pb2.LatLng
    destination: _latlng_pb2.LatLng
    departure_time: _timestamp_pb2.Timestamp
    speed_factor: float
    travel_model: TravelModel
    geometry_format: GeometryFormat
    def __init__(self, origin: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., destination: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., speed_factor: _Optional[float] = ..., travel_model: _Optional[_Union[TravelModel, _Mapping]] = ..., geometry_format: _Optional[_Union[GeometryFormat, str]] = ...) -> None: ...

class EstimateArrivalResponse(_message.Message):
    __slots__ = ("routable", "arrival_time", "travel_duration", "travel_distance_meters", "geometry")
    ROUTABLE_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DURATION_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_FIELD_NUMBER: _ClassVar[int]
    routable: bool
    arrival_time: _timestamp_pb2.Timestamp
    travel_duration: _duration_pb2.Duration
    travel_distance_meters: int
    geometry: str
    def __init__(self, routable: _Optional[bool] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., travel_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., travel_distance_meters: _Optional[int] = ..., geometry: _Optional[str] = ...) -> None: ...

class SolveLargeRequest(_message.Message):
    __slots__ = ("header", "orders")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    header: SolveRequest
    orders: OrderBatch
    def __init__(self, header: _Optional[_Union[SolveRequest, _Mapping]] = ..., orders: _Optional[_Union[OrderBatch, _Mapping]] = ...) -> None: ...

class OrderBatch(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ...) -> None: ...

class SolveLargeResponse(_message.Message):
    __slots__ = ("route", "unassigned", "summary")
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    route: Route
    unassigned: UnassignedBatch
    summary: SolveResponse
    def __init__(self, route: _Optional[_Union[Route, _Mapping]] = ..., unassigned: _Optional[_Union[UnassignedBatch, _Mapping]] = ..., summary: _Optional[_Union[SolveResponse, _Mapping]] = ...) -> None: ...

class UnassignedBatch(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[UnassignedOrder]
    def __init__(self, orders: _Optional[_Iterable[_Union[UnassignedOrder, _Mapping]]] = ...) -> None: ...

class AnalyzeHistoryRequest(_message.Message):
    __slots__ = ("options", "batch", "label")
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    options: AnalysisOptions
    batch: HistoryBatch
    label: str
    def __init__(self, options: _Optional[_Union[AnalysisOptions, _Mapping]] = ..., batch: _Optional[_Union[HistoryBatch, _Mapping]] = ..., label: _Optional[str] = ...) -> None: ...

class HistoryBatch(_message.Message):
    __slots__ = ("order_id", "latitude", "longitude", "fault_code", "asset_id", "asset_model", "created_time_unix_s", "arrived_time_unix_s", "completed_time_unix_s", "closed_time_unix_s", "sla_deadline_unix_s", "engineer_id", "team", "first_time_fix", "reopened", "follow_up_of")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    FAULT_CODE_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_MODEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_UNIX_S_FIELD_NUMBER: _ClassVar[int]
    ARRIVED_TIME_UNIX_S_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_TIME_UNIX_S_FIELD_NUMBER: _ClassVar[int]
    CLOSED_TIME_UNIX_S_FIELD_NUMBER: _ClassVar[int]
    SLA_DEADLINE_UNIX_S_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    FIRST_TIME_FIX_FIELD_NUMBER: _ClassVar[int]
    REOPENED_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_OF_FIELD_NUMBER: _ClassVar[int]
    order_id: _containers.RepeatedScalarFieldContainer[str]
    latitude: _containers.RepeatedScalarFieldContainer[float]
    longitude: _containers.RepeatedScalarFieldContainer[float]
    fault_code: _containers.RepeatedScalarFieldContainer[str]
    asset_id: _containers.RepeatedScalarFieldContainer[str]
    asset_model: _containers.RepeatedScalarFieldContainer[str]
    created_time_unix_s: _containers.RepeatedScalarFieldContainer[int]
    arrived_time_unix_s: _containers.RepeatedScalarFieldContainer[int]
    completed_time_unix_s: _containers.RepeatedScalarFieldContainer[int]
    closed_time_unix_s: _containers.RepeatedScalarFieldContainer[int]
    sla_deadline_unix_s: _containers.RepeatedScalarFieldContainer[int]
    engineer_id: _containers.RepeatedScalarFieldContainer[str]
    team: _containers.RepeatedScalarFieldContainer[str]
    first_time_fix: _containers.RepeatedScalarFieldContainer[FixOutcome]
    reopened: _containers.RepeatedScalarFieldContainer[bool]
    follow_up_of: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order_id: _Optional[_Iterable[str]] = ..., latitude: _Optional[_Iterable[float]] = ..., longitude: _Optional[_Iterable[float]] = ..., fault_code: _Optional[_Iterable[str]] = ..., asset_id: _Optional[_Iterable[str]] = ..., asset_model: _Optional[_Iterable[str]] = ..., created_time_unix_s: _Optional[_Iterable[int]] = ..., arrived_time_unix_s: _Optional[_Iterable[int]] = ..., completed_time_unix_s: _Optional[_Iterable[int]] = ..., closed_time_unix_s: _Optional[_Iterable[int]] = ..., sla_deadline_unix_s: _Optional[_Iterable[int]] = ..., engineer_id: _Optional[_Iterable[str]] = ..., team: _Optional[_Iterable[str]] = ..., first_time_fix: _Optional[_Iterable[_Union[FixOutcome, str]]] = ..., reopened: _Optional[_Iterable[bool]] = ..., follow_up_of: _Optional[_Iterable[str]] = ...) -> None: ...

class AnalysisOptions(_message.Message):
    __slots__ = ("h3_resolution", "period_days", "repeat_window_days", "hotspot_variable", "hotspot_alpha", "top_faults", "standby_count", "shift_hours", "as_of_time")
    H3_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    PERIOD_DAYS_FIELD_NUMBER: _ClassVar[int]
    REPEAT_WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    HOTSPOT_VARIABLE_FIELD_NUMBER: _ClassVar[int]
    HOTSPOT_ALPHA_FIELD_NUMBER: _ClassVar[int]
    TOP_FAULTS_FIELD_NUMBER: _ClassVar[int]
    STANDBY_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHIFT_HOURS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TIME_FIELD_NUMBER: _ClassVar[int]
    h3_resolution: int
    period_days: float
    repeat_window_days: float
    hotspot_variable: HotspotVariable
    hotspot_alpha: float
    top_faults: int
    standby_count: int
    shift_hours: float
    as_of_time: _timestamp_pb2.Timestamp
    def __init__(self, h3_resolution: _Optional[int] = ..., period_days: _Optional[float] = ..., repeat_window_days: _Optional[float] = ..., hotspot_variable: _Optional[_Union[HotspotVariable, str]] = ..., hotspot_alpha: _Optional[float] = ..., top_faults: _Optional[int] = ..., standby_count: _Optional[int] = ..., shift_hours: _Optional[float] = ..., as_of_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AnalyzeHistoryResponse(_message.Message):
    __slots__ = ("label", "summary", "record_errors", "record_error_counts", "faults", "asset_models", "cells", "kpis", "targets", "standby_positions", "options")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RECORD_ERRORS_FIELD_NUMBER: _ClassVar[int]
    RECORD_ERROR_COUNTS_FIELD_NUMBER: _ClassVar[int]
    FAULTS_FIELD_NUMBER: _ClassVar[int]
    ASSET_MODELS_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    STANDBY_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    label: str
    summary: HistorySummary
    record_errors: _containers.RepeatedCompositeFieldContainer[RecordError]
    record_error_counts: _containers.RepeatedCompositeFieldContainer[RecordErrorCount]
    faults: _containers.RepeatedCompositeFieldContainer[FaultStat]
    asset_models: _containers.RepeatedCompositeFieldContainer[AssetModelStat]
    cells: _containers.RepeatedCompositeFieldContainer[RiskCell]
    kpis: _containers.RepeatedCompositeFieldContainer[KpiRow]
    targets: ServiceTargets
    standby_positions: _containers.RepeatedCompositeFieldContainer[StandbyPosition]
    options: AnalysisOptions
    def __init__(self, label: _Optional[str] = ..., summary: _Optional[_Union[HistorySummary, _Mapping]] = ..., record_errors: _Optional[_Iterable[_Union[RecordError, _Mapping]]] = ..., record_error_counts: _Optional[_Iterable[_Union[RecordErrorCount, _Mapping]]] = ..., faults: _Optional[_Iterable[_Union[FaultStat, _Mapping]]] = ..., asset_models: _Optional[_Iterable[_Union[AssetModelStat, _Mapping]]] = ..., cells: _Optional[_Iterable[_Union[RiskCell, _Mapping]]] = ..., kpis: _Optional[_Iterable[_Union[KpiRow, _Mapping]]] = ..., targets: _Optional[_Union[ServiceTargets, _Mapping]] = ..., standby_positions: _Optional[_Iterable[_Union[StandbyPosition, _Mapping]]] = ..., options: _Optional[_Union[AnalysisOptions, _Mapping]] = ...) -> None: ...

class HistorySummary(_message.Message):
    __slots__ = ("records_received", "records_analysed", "records_rejected", "failures", "follow_ups", "first_created_time", "as_of_time", "days", "records_after_as_of")
    RECORDS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    RECORDS_ANALYSED_FIELD_NUMBER: _ClassVar[int]
    RECORDS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_FIELD_NUMBER: _ClassVar[int]
    FIRST_CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TIME_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_AFTER_AS_OF_FIELD_NUMBER: _ClassVar[int]
    records_received: int
    records_analysed: int
    records_rejected: int
    failures: int
    follow_ups: int
    first_created_time: _timestamp_pb2.Timestamp
    as_of_time: _timestamp_pb2.Timestamp
    days: float
    records_after_as_of: int
    def __init__(self, records_received: _Optional[int] = ..., records_analysed: _Optional[int] = ..., records_rejected: _Optional[int] = ..., failures: _Optional[int] = ..., follow_ups: _Optional[int] = ..., first_created_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., as_of_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., days: _Optional[float] = ..., records_after_as_of: _Optional[int] = ...) -> None: ...

class RecordError(_message.Message):
    __slots__ = ("index", "field", "rule")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    index: int
    field: str
    rule: str
    def __init__(self, index: _Optional[int] = ..., field: _Optional[str] = ..., rule: _Optional[str] = ...) -> None: ...

class RecordErrorCount(_message.Message):
    __slots__ = ("field", "rule", "records")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    field: str
    rule: str
    records: int
    def __init__(self, field: _Optional[str] = ..., rule: _Optional[str] = ..., records: _Optional[int] = ...) -> None: ...

class FaultStat(_message.Message):
    __slots__ = ("fault_code", "count", "share", "cumulative_share", "repeat_rate", "first_time_fix_rate", "reopen_rate", "count_this_period", "count_previous_period", "trend")
    FAULT_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    CUMULATIVE_SHARE_FIELD_NUMBER: _ClassVar[int]
    REPEAT_RATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_TIME_FIX_RATE_FIELD_NUMBER: _ClassVar[int]
    REOPEN_RATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_THIS_PERIOD_FIELD_NUMBER: _ClassVar[int]
    COUNT_PREVIOUS_PERIOD_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    fault_code: str
    count: int
    share: float
    cumulative_share: float
    repeat_rate: float
    first_time_fix_rate: float
    reopen_rate: float
    count_this_period: int
    count_previous_period: int
    trend: float
    def __init__(self, fault_code: _Optional[str] = ..., count: _Optional[int] = ..., share: _Optional[float] = ..., cumulative_share: _Optional[float] = ..., repeat_rate: _Optional[float] = ..., first_time_fix_rate: _Optional[float] = ..., reopen_rate: _Optional[float] = ..., count_this_period: _Optional[int] = ..., count_previous_period: _Optional[int] = ..., trend: _Optional[float] = ...) -> None: ...

class AssetModelStat(_message.Message):
    __slots__ = ("asset_model", "failures", "assets", "repeat_rate", "repeat_z", "first_time_fix_rate", "top_faults")
    ASSET_MODEL_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    ASSETS_FIELD_NUMBER: _ClassVar[int]
    REPEAT_RATE_FIELD_NUMBER: _ClassVar[int]
    REPEAT_Z_FIELD_NUMBER: _ClassVar[int]
    FIRST_TIME_FIX_RATE_FIELD_NUMBER: _ClassVar[int]
    TOP_FAULTS_FIELD_NUMBER: _ClassVar[int]
    asset_model: str
    failures: int
    assets: int
    repeat_rate: float
    repeat_z: float
    first_time_fix_rate: float
    top_faults: _containers.RepeatedCompositeFieldContainer[FaultCount]
    def __init__(self, asset_model: _Optional[str] = ..., failures: _Optional[int] = ..., assets: _Optional[int] = ..., repeat_rate: _Optional[float] = ..., repeat_z: _Optional[float] = ..., first_time_fix_rate: _Optional[float] = ..., top_faults: _Optional[_Iterable[_Union[FaultCount, _Mapping]]] = ...) -> None: ...

class FaultCount(_message.Message):
    __slots__ = ("fault_code", "count", "share")
    FAULT_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    fault_code: str
    count: int
    share: float
    def __init__(self, fault_code: _Optional[str] = ..., count: _Optional[int] = ..., share: _Optional[float] = ...) -> None: ...

class RiskCell(_message.Message):
    __slots__ = ("cell", "center", "failures", "demand_per_day", "sla_breach_rate", "mean_response", "p90_response", "repeat_rate", "gi_z", "gi_p", "hotspot")
    CELL_FIELD_NUMBER: _ClassVar[int]
    CENTER_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    DEMAND_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    SLA_BREACH_RATE_FIELD_NUMBER: _ClassVar[int]
    MEAN_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    P90_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    REPEAT_RATE_FIELD_NUMBER: _ClassVar[int]
    GI_Z_FIELD_NUMBER: _ClassVar[int]
    GI_P_FIELD_NUMBER: _ClassVar[int]
    HOTSPOT_FIELD_NUMBER: _ClassVar[int]
    cell: str
    center: _latlng_pb2.LatLng
    failures: int
    demand_per_day: float
    sla_breach_rate: float
    mean_response: _duration_pb2.Duration
    p90_response: _duration_pb2.Duration
    repeat_rate: float
    gi_z: float
    gi_p: float
    hotspot: Hotspot
    def __init__(self, cell: _Optional[str] = ..., center: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., failures: _Optional[int] = ..., demand_per_day: _Optional[float] = ..., sla_breach_rate: _Optional[float] = ..., mean_response: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., p90_response: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., repeat_rate: _Optional[float] = ..., gi_z: _Optional[float] = ..., gi_p: _Optional[float] = ..., hotspot: _Optional[_Union[Hotspot, str]] = ...) -> None: ...

class KpiRow(_message.Message):
    __slots__ = ("scope", "key", "orders", "mean_response", "p90_response", "overdue_rate", "first_time_fix_rate", "closure_rate", "follow_ups", "follow_up_in_window_rate")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    MEAN_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    P90_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_RATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_TIME_FIX_RATE_FIELD_NUMBER: _ClassVar[int]
    CLOSURE_RATE_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_IN_WINDOW_RATE_FIELD_NUMBER: _ClassVar[int]
    scope: KpiScope
    key: str
    orders: int
    mean_response: _duration_pb2.Duration
    p90_response: _duration_pb2.Duration
    overdue_rate: float
    first_time_fix_rate: float
    closure_rate: float
    follow_ups: int
    follow_up_in_window_rate: float
    def __init__(self, scope: _Optional[_Union[KpiScope, str]] = ..., key: _Optional[str] = ..., orders: _Optional[int] = ..., mean_response: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., p90_response: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., overdue_rate: _Optional[float] = ..., first_time_fix_rate: _Optional[float] = ..., closure_rate: _Optional[float] = ..., follow_ups: _Optional[int] = ..., follow_up_in_window_rate: _Optional[float] = ...) -> None: ...

class ServiceTargets(_message.Message):
    __slots__ = ("max_mean_response", "max_overdue_rate", "min_first_time_fix_rate", "min_closure_rate", "follow_up_min_days", "follow_up_max_days", "min_follow_up_in_window_rate", "closure_grace")
    MAX_MEAN_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    MAX_OVERDUE_RATE_FIELD_NUMBER: _ClassVar[int]
    MIN_FIRST_TIME_FIX_RATE_FIELD_NUMBER: _ClassVar[int]
    MIN_CLOSURE_RATE_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_MIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_MAX_DAYS_FIELD_NUMBER: _ClassVar[int]
    MIN_FOLLOW_UP_IN_WINDOW_RATE_FIELD_NUMBER: _ClassVar[int]
    CLOSURE_GRACE_FIELD_NUMBER: _ClassVar[int]
    max_mean_response: _duration_pb2.Duration
    max_overdue_rate: float
    min_first_time_fix_rate: float
    min_closure_rate: float
    follow_up_min_days: float
    follow_up_max_days: float
    min_follow_up_in_window_rate: float
    closure_grace: _duration_pb2.Duration
    def __init__(self, max_mean_response: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_overdue_rate: _Optional[float] = ..., min_first_time_fix_rate: _Optional[float] = ..., min_closure_rate: _Optional[float] = ..., follow_up_min_days: _Optional[float] = ..., follow_up_max_days: _Optional[float] = ..., min_follow_up_in_window_rate: _Optional[float] = ..., closure_grace: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class StandbyPosition(_message.Message):
    __slots__ = ("location", "cell", "demand_per_day", "mean_distance_meters", "stock")
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CELL_FIELD_NUMBER: _ClassVar[int]
    DEMAND_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    MEAN_DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    location: _latlng_pb2.LatLng
    cell: str
    demand_per_day: float
    mean_distance_meters: float
    stock: _containers.RepeatedCompositeFieldContainer[StockItem]
    def __init__(self, location: _Optional[_Union[_latlng_pb2.LatLng, _Mapping]] = ..., cell: _Optional[str] = ..., demand_per_day: _Optional[float] = ..., mean_distance_meters: _Optional[float] = ..., stock: _Optional[_Iterable[_Union[StockItem, _Mapping]]] = ...) -> None: ...

class StockItem(_message.Message):
    __slots__ = ("fault_code", "expected_per_shift")
    FAULT_CODE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_PER_SHIFT_FIELD_NUMBER: _ClassVar[int]
    fault_code: str
    expected_per_shift: float
    def __init__(self, fault_code: _Optional[str] = ..., expected_per_shift: _Optional[float] = ...) -> None: ...
