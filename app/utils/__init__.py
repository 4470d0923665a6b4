"""The stable public API for business modules: import from here, not from app.core.

Every name is re-exported from ``app.core`` (or, for ``radar_log``, the one
exposed system helper) with a one-line description on its import line. The
surface is pinned by ``tests/utils/test_facade_snapshot.py``: adding or removing
a name is a deliberate change to that snapshot.
"""

from app.core.business import (
    BusinessModule,  # a module's manifest, exported from its module.py as `module`
    BusinessRouter,  # a router plus mount prefix and auth mode (permission|auth|public)
    DataPolicy,  # a named row filter / object check for one model and action
    EventSpec,  # a declared event: name, payload model, version, delivery local|outbox
    PeriodicTask,  # an interval job run on exactly one worker per interval
    PermissionSpec,  # declared menus/buttons/roles/users/dictionaries (apply_init_data spec)
    PolicyContext,  # who is asking (user id, roles, buttons) for data policies
    TaskContext,  # what a periodic task handler receives (name, redis, start time)
)
from app.core.code import Code  # the response-code table (StrEnum); project codes start at 4000
from app.core.crud import (
    CRUDBase,  # single-model data access: get/list/create/update/remove, trees, whitelisted ordering
    build_search,  # a Q filter from a search body by contains/icontains/exact/iexact/in/range categories
)
from app.core.ctx import (
    add_background_task,  # run a callable after the response is sent (False outside a request)
    get_request_id,  # the current request's X-Request-ID ("" outside a request)
)
from app.core.data_scope import (
    current_scope_filter,  # the Q filter of the current user's data scope (all/scope/self/custom)
    get_current_data_scope,  # the broadest data scope among the current user's roles
)
from app.core.database import get_db_conn  # the connection a model lives on (for in_transaction)
from app.core.dependency import (
    DependAuth,  # route dependency: a valid access token (any logged-in user)
    DependPermission,  # route dependency: a valid token whose roles grant this method + route
    get_current_user_id,  # the authenticated user's id (0 outside an authenticated request)
    has_button_code,  # True when the current user holds this button permission code
    has_role_code,  # True when the current user holds this role code
    is_super_admin,  # True when the current user holds the super-administrator role
    require_buttons,  # route dependency: the user holds these button codes (2202 / 2203)
    require_roles,  # route dependency: the user holds these role codes (2204 / 2205)
)
from app.core.events import (
    emit,  # publish an event on the in-process bus (handlers run in order, failures isolated)
    on,  # decorator subscribing a handler (sync or async) to an event
)
from app.core.exceptions import (
    BizError,  # raise with a code (and optional msg/data) to answer with that envelope
    ConflictError,  # a version or state conflict (2306 by default)
    NotFoundError,  # the record does not exist (1101)
    PermissionDeniedError,  # the caller may not do this (2201 by default)
    SchemaValidationError,  # raise in a Pydantic validator to answer a specific 26xx code, not 1200
    register_unique_constraint,  # map a unique constraint/column fragment to a specific 23xx code
)
from app.core.model import (
    AuditMixin,  # created/updated by/at columns, filled by CRUDBase from the current user
    BaseModel,  # base of every model: integer id and to_dict() (camelCase, sqids, ms datetimes)
    DataScopeType,  # data-scope enum: all / scope / self / custom
    GenderType,  # gender enum: "1" male, "2" female, "3" unknown
    IconType,  # menu icon enum: "1" iconify, "2" local
    MenuType,  # menu enum: "1" catalog, "2" menu
    MethodType,  # HTTP method enum (lowercase values)
    SoftDeleteMixin,  # deleted_at column; default queries hide deleted rows, all_objects shows them
    StatusType,  # status enum: "1" enable, "2" disable (checks test == "1")
    TreeMixin,  # adjacency-list tree columns: parent_id (0 = root), order, level
)
from app.core.page_cache import cached_page  # reuse a read result (a list page) until the next database write anywhere
from app.core.policy import (
    apply_policy_filter,  # narrow a queryset by a data policy's row filter
    assert_object_policy,  # check one object against a data policy (2201 when denied)
)
from app.core.responses import (
    Custom,  # an envelope with any code, msg and data (HTTP 200)
    Fail,  # a failure envelope (prefer raising BizError from services)
    PageData,  # OpenAPI shape of a page: records, total, current, size
    PageResponseModel,  # OpenAPI shape of a paged envelope (response_model for list routes)
    ResponseModel,  # OpenAPI shape of the envelope (response_model=ResponseModel[T])
    Success,  # the success envelope: code "0000", data
    SuccessExtra,  # the page envelope: data = {records, total, current, size}
)
from app.core.router import CRUDRouter  # the standard CRUD routes of one resource, overridable per action
from app.core.schema import (
    CommonIds,  # a batch body {"ids": [sqid, ...]} (1..1000 ids)
    PageQueryBase,  # paging body: current >= 1, size 1..1000, orderBy ["-field", ...]
    SchemaBase,  # request/response base: camelCase on the wire, snake_case accepted
    make_optional,  # an Update schema: every field optional, validators skipped for null
)
from app.core.sqids import (
    decode_id,  # a sqid back to its int id (ints pass through for internal callers)
    encode_id,  # the public sqid of an int id (0 stays 0)
)
from app.core.state_machine import StateMachine  # status transitions with optimistic locking (2407 / 2306)
from app.core.types import (
    Int16,  # int bounded to the signed 16-bit range (out of range -> 1200)
    Int32,  # int bounded to the signed 32-bit range (out of range -> 1200)
    Int64,  # int bounded to the signed 64-bit range (out of range -> 1200)
    SqidId,  # an id that is a sqid string on the wire (both ways) and an int in Python
    SqidPath,  # a path parameter holding a sqid, decoded to an int (non-canonical -> 1200)
)
from app.system.radar.capture import radar_log  # record a message in the current request's Radar entry (and the log)

__all__ = [
    "AuditMixin",
    "BaseModel",
    "BizError",
    "BusinessModule",
    "BusinessRouter",
    "CRUDBase",
    "CRUDRouter",
    "Code",
    "CommonIds",
    "ConflictError",
    "Custom",
    "DataPolicy",
    "DataScopeType",
    "DependAuth",
    "DependPermission",
    "EventSpec",
    "Fail",
    "GenderType",
    "IconType",
    "Int16",
    "Int32",
    "Int64",
    "MenuType",
    "MethodType",
    "NotFoundError",
    "PageData",
    "PageQueryBase",
    "PageResponseModel",
    "PeriodicTask",
    "PermissionDeniedError",
    "PermissionSpec",
    "PolicyContext",
    "ResponseModel",
    "SchemaBase",
    "SchemaValidationError",
    "SoftDeleteMixin",
    "SqidId",
    "SqidPath",
    "StateMachine",
    "StatusType",
    "Success",
    "SuccessExtra",
    "TaskContext",
    "TreeMixin",
    "add_background_task",
    "apply_policy_filter",
    "assert_object_policy",
    "build_search",
    "cached_page",
    "current_scope_filter",
    "decode_id",
    "emit",
    "encode_id",
    "get_current_data_scope",
    "get_current_user_id",
    "get_db_conn",
    "get_request_id",
    "has_button_code",
    "has_role_code",
    "is_super_admin",
    "make_optional",
    "on",
    "radar_log",
    "register_unique_constraint",
    "require_buttons",
    "require_roles",
]
