"""The response-code table: every failure path has its own code.

Codes travel as strings in the envelope ``{code, msg, data}``. Ranges: ``0000``
success, ``1xxx`` system, ``2xxx`` framework business errors, ``4000+`` project
codes. The message table holds an English and a Chinese text per code; the
envelope picks one from the request's ``Accept-Language``.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    SUCCESS = "0000"

    INTERNAL_ERROR = "1000"
    INTEGRITY_ERROR = "1100"
    NOT_FOUND = "1101"
    DATABASE_UNAVAILABLE = "1102"
    CACHE_UNAVAILABLE = "1103"
    NOT_READY = "1104"
    REQUEST_VALIDATION = "1200"
    RESPONSE_VALIDATION = "1201"
    PAYLOAD_TOO_LARGE = "1202"
    ROUTE_NOT_FOUND = "1300"
    METHOD_NOT_ALLOWED = "1301"

    INVALID_TOKEN = "2100"
    INVALID_SESSION = "2101"
    ACCOUNT_DISABLED = "2102"
    TOKEN_EXPIRED = "2103"
    REFRESH_TOKEN_MISSING = "2104"
    NOT_REFRESH_TOKEN = "2105"
    SESSION_INVALIDATED = "2106"
    REFRESH_TOKEN_EXPIRED = "2107"

    API_DISABLED = "2200"
    PERMISSION_DENIED = "2201"
    MISSING_BUTTON_PERMISSION = "2202"
    NEED_ANY_BUTTON_PERMISSION = "2203"
    MISSING_ROLE = "2204"
    NEED_ANY_ROLE = "2205"
    SUPER_ADMIN_ONLY = "2206"
    USER_NO_ROLE = "2207"

    DUPLICATE_RESOURCE = "2300"
    DUPLICATE_ROLE_CODE = "2301"
    DUPLICATE_USER_EMAIL = "2302"
    DUPLICATE_USER_PHONE = "2303"
    DUPLICATE_USER_NAME = "2304"
    DUPLICATE_MENU_ROUTE = "2305"
    VERSION_CONFLICT = "2306"
    MENU_HAS_CHILDREN = "2307"
    RESOURCE_IN_USE = "2308"
    DUPLICATE_ROLE_NAME = "2309"
    DUPLICATE_MENU_NAME = "2310"
    DUPLICATE_DICTIONARY = "2311"
    PROTECTED_RESOURCE = "2312"
    INVALID_MENU_PARENT = "2313"

    FAIL = "2400"
    WRONG_CREDENTIALS = "2401"
    CAPTCHA_INVALID = "2402"
    CAPTCHA_SEND_FAILED = "2403"
    PHONE_NOT_REGISTERED = "2404"
    OLD_PASSWORD_WRONG = "2405"
    TARGET_USER_NOT_FOUND = "2406"
    INVALID_STATE_TRANSITION = "2407"

    RATE_LIMITED = "2500"
    IP_BANNED = "2501"
    ACCESS_DENIED = "2502"

    PARAM_REQUIRED = "2600"
    USERNAME_REQUIRED = "2601"
    PASSWORD_REQUIRED = "2602"
    USER_ROLE_REQUIRED = "2603"
    USER_EMAIL_REQUIRED = "2604"
    ROLE_NAME_REQUIRED = "2605"
    ROLE_CODE_REQUIRED = "2606"
    ROUTE_NAME_REQUIRED = "2607"
    ROUTE_PATH_REQUIRED = "2608"

    RADAR_NOT_FOUND = "4004"


#: code -> (English, Chinese)
MESSAGES: dict[str, tuple[str, str]] = {
    Code.SUCCESS: ("OK", "OK"),
    Code.INTERNAL_ERROR: ("Internal server error", "服务器内部错误"),
    Code.INTEGRITY_ERROR: ("Data integrity error", "数据完整性错误"),
    Code.NOT_FOUND: ("Resource not found", "资源不存在"),
    Code.DATABASE_UNAVAILABLE: ("Database unavailable, try again later", "数据库暂不可用，请稍后重试"),
    Code.CACHE_UNAVAILABLE: ("Cache unavailable, try again later", "缓存暂不可用，请稍后重试"),
    Code.REQUEST_VALIDATION: ("Request validation failed", "请求参数校验失败"),
    Code.RESPONSE_VALIDATION: ("Response validation failed", "响应数据校验失败"),
    Code.PAYLOAD_TOO_LARGE: ("Request body too large", "请求体过大"),
    Code.ROUTE_NOT_FOUND: ("Route not found", "接口不存在"),
    Code.METHOD_NOT_ALLOWED: ("Method not allowed", "请求方法不被允许"),
    Code.INVALID_TOKEN: ("Invalid or missing token", "无效的认证令牌"),
    Code.INVALID_SESSION: ("Invalid session", "无效的会话"),
    Code.ACCOUNT_DISABLED: ("Account is disabled", "账号已被禁用"),
    Code.TOKEN_EXPIRED: ("Token expired", "令牌已过期"),
    Code.REFRESH_TOKEN_MISSING: ("Refresh token missing", "缺少刷新令牌"),
    Code.NOT_REFRESH_TOKEN: ("Not a refresh token", "不是刷新令牌"),
    Code.SESSION_INVALIDATED: ("Session invalidated, please log in again", "会话已失效，请重新登录"),
    Code.REFRESH_TOKEN_EXPIRED: ("Refresh token expired, please log in again", "刷新令牌已过期，请重新登录"),
    Code.API_DISABLED: ("This API is disabled", "该接口已被禁用"),
    Code.PERMISSION_DENIED: ("Permission denied", "权限不足"),
    Code.MISSING_BUTTON_PERMISSION: ("Missing button permission", "缺少按钮权限"),
    Code.NEED_ANY_BUTTON_PERMISSION: ("Requires one of the button permissions", "需要任一按钮权限"),
    Code.MISSING_ROLE: ("Missing role", "缺少角色"),
    Code.NEED_ANY_ROLE: ("Requires one of the roles", "需要任一角色"),
    Code.SUPER_ADMIN_ONLY: ("Super administrators only", "仅超级管理员可操作"),
    Code.USER_NO_ROLE: ("User has no enabled role", "用户未分配可用角色"),
    Code.DUPLICATE_RESOURCE: ("Resource already exists", "资源已存在"),
    Code.DUPLICATE_ROLE_CODE: ("Role code already exists", "角色编码已存在"),
    Code.DUPLICATE_USER_EMAIL: ("Email already in use", "邮箱已被使用"),
    Code.DUPLICATE_USER_PHONE: ("Phone number already in use", "手机号已被使用"),
    Code.DUPLICATE_USER_NAME: ("User name already exists", "用户名已存在"),
    Code.DUPLICATE_MENU_ROUTE: ("Route path or name already exists", "路由路径或名称已存在"),
    Code.VERSION_CONFLICT: ("The record was changed by someone else", "数据已被他人修改，请刷新后重试"),
    Code.MENU_HAS_CHILDREN: ("Menu has child menus", "菜单下存在子菜单"),
    Code.RESOURCE_IN_USE: ("Resource is still in use", "资源仍在使用中"),
    Code.DUPLICATE_ROLE_NAME: ("Role name already exists", "角色名称已存在"),
    Code.DUPLICATE_MENU_NAME: ("Menu name already exists", "菜单名称已存在"),
    Code.DUPLICATE_DICTIONARY: ("Dictionary entry already exists", "字典项已存在"),
    Code.PROTECTED_RESOURCE: ("This resource is protected", "该资源受保护，无法操作"),
    Code.INVALID_MENU_PARENT: ("A menu cannot be moved under itself or its descendants", "不能将菜单移动到自身或其子菜单下"),
    Code.FAIL: ("Operation failed", "操作失败"),
    Code.WRONG_CREDENTIALS: ("Wrong user name or password", "用户名或密码错误"),
    Code.CAPTCHA_INVALID: ("Verification code invalid or expired", "验证码错误或已过期"),
    Code.CAPTCHA_SEND_FAILED: ("Failed to send verification code", "验证码发送失败"),
    Code.PHONE_NOT_REGISTERED: ("Phone number not registered", "手机号未注册"),
    Code.OLD_PASSWORD_WRONG: ("Old password is wrong", "原密码错误"),
    Code.TARGET_USER_NOT_FOUND: ("Target user not found", "目标用户不存在"),
    Code.INVALID_STATE_TRANSITION: ("Invalid state transition", "无效的状态变更"),
    Code.RATE_LIMITED: ("Too many requests", "请求过于频繁"),
    Code.IP_BANNED: ("IP banned", "IP 已被封禁"),
    Code.ACCESS_DENIED: ("Access denied", "访问被拒绝"),
    Code.NOT_READY: ("Service not ready", "服务未就绪"),
    Code.RADAR_NOT_FOUND: ("Radar record not found", "监控记录不存在"),
    Code.PARAM_REQUIRED: ("Parameter required", "缺少必填参数"),
    Code.USERNAME_REQUIRED: ("User name required", "用户名不能为空"),
    Code.PASSWORD_REQUIRED: ("Password required", "密码不能为空"),
    Code.USER_ROLE_REQUIRED: ("At least one role is required", "至少需要一个角色"),
    Code.USER_EMAIL_REQUIRED: ("Email required", "邮箱不能为空"),
    Code.ROLE_NAME_REQUIRED: ("Role name required", "角色名称不能为空"),
    Code.ROLE_CODE_REQUIRED: ("Role code required", "角色编码不能为空"),
    Code.ROUTE_NAME_REQUIRED: ("Route name required", "路由名称不能为空"),
    Code.ROUTE_PATH_REQUIRED: ("Route path required", "路由路径不能为空"),
}


def message_for(code: str, *, chinese: bool = False) -> str:
    """The default message of ``code`` in the request's language."""
    texts = MESSAGES.get(code)
    if texts is None:
        return "Error" if not chinese else "错误"
    return texts[1] if chinese else texts[0]
