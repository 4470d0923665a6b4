"""The code table: every spec code exists with its number, every code has both messages."""

from __future__ import annotations

import re

from app.core.code import MESSAGES, Code, message_for

#: The table of spec/codes.md (constant -> code). Trellis may add codes, never renumber these.
SPEC_CODES = {
    "SUCCESS": "0000",
    "INTERNAL_ERROR": "1000",
    "INTEGRITY_ERROR": "1100",
    "NOT_FOUND": "1101",
    "REQUEST_VALIDATION": "1200",
    "RESPONSE_VALIDATION": "1201",
    "INVALID_TOKEN": "2100",
    "INVALID_SESSION": "2101",
    "ACCOUNT_DISABLED": "2102",
    "TOKEN_EXPIRED": "2103",
    "REFRESH_TOKEN_MISSING": "2104",
    "NOT_REFRESH_TOKEN": "2105",
    "SESSION_INVALIDATED": "2106",
    "REFRESH_TOKEN_EXPIRED": "2107",
    "API_DISABLED": "2200",
    "PERMISSION_DENIED": "2201",
    "MISSING_BUTTON_PERMISSION": "2202",
    "NEED_ANY_BUTTON_PERMISSION": "2203",
    "MISSING_ROLE": "2204",
    "NEED_ANY_ROLE": "2205",
    "SUPER_ADMIN_ONLY": "2206",
    "USER_NO_ROLE": "2207",
    "DUPLICATE_RESOURCE": "2300",
    "DUPLICATE_ROLE_CODE": "2301",
    "DUPLICATE_USER_EMAIL": "2302",
    "DUPLICATE_USER_PHONE": "2303",
    "DUPLICATE_USER_NAME": "2304",
    "DUPLICATE_MENU_ROUTE": "2305",
    "FAIL": "2400",
    "WRONG_CREDENTIALS": "2401",
    "CAPTCHA_INVALID": "2402",
    "CAPTCHA_SEND_FAILED": "2403",
    "PHONE_NOT_REGISTERED": "2404",
    "OLD_PASSWORD_WRONG": "2405",
    "TARGET_USER_NOT_FOUND": "2406",
    "RATE_LIMITED": "2500",
    "IP_BANNED": "2501",
    "ACCESS_DENIED": "2502",
    "PARAM_REQUIRED": "2600",
    "USERNAME_REQUIRED": "2601",
    "PASSWORD_REQUIRED": "2602",
    "USER_ROLE_REQUIRED": "2603",
    "USER_EMAIL_REQUIRED": "2604",
    "ROLE_NAME_REQUIRED": "2605",
    "ROLE_CODE_REQUIRED": "2606",
    "ROUTE_NAME_REQUIRED": "2607",
    "ROUTE_PATH_REQUIRED": "2608",
}


def test_every_spec_code_keeps_its_number() -> None:
    for name, value in SPEC_CODES.items():
        assert Code[name].value == value, name


def test_trellis_codes_for_routing_body_and_services_exist() -> None:
    assert Code.ROUTE_NOT_FOUND == "1300"
    assert Code.METHOD_NOT_ALLOWED == "1301"
    assert Code.PAYLOAD_TOO_LARGE == "1202"
    assert Code.DATABASE_UNAVAILABLE == "1102"


def test_codes_are_unique_four_digit_strings() -> None:
    values = [c.value for c in Code]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"\d{4}", v) for v in values)


def test_every_code_has_an_english_and_a_chinese_message() -> None:
    for code in Code:
        english, chinese = MESSAGES[code]
        assert english and chinese, code
        assert message_for(code) == english
        assert message_for(code, chinese=True) == chinese
        assert re.search(r"[\u4e00-\u9fff]", chinese) or code == Code.SUCCESS, f"{code} has no Chinese text"


def test_message_table_has_no_orphans() -> None:
    assert set(MESSAGES) == {c.value for c in Code}


def test_unknown_code_gets_a_generic_message_not_an_error() -> None:
    assert message_for("4711") == "Error"
    assert message_for("4711", chinese=True) == "错误"
