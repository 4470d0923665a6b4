"""``/api/v1/auth`` (tag 权限认证): wiring only; the rules live in ``services.auth``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from app.core.ctx import CTX_IMPERSONATOR_ID
from app.core.dependency import AuthAccess, DependPermission
from app.core.responses import Success
from app.core.types import SqidPath
from app.system.schemas.auth import (
    CaptchaIn,
    CodeLoginIn,
    CredentialsIn,
    PasswordChangeIn,
    ProfileIn,
    RefreshTokenIn,
    RegisterIn,
    ResetPasswordIn,
)
from app.system.services import auth as service
from app.system.services.captcha import send_captcha

router = APIRouter(prefix="/auth", tags=["权限认证"])


@router.post("/login", summary="登录")
async def login(body: CredentialsIn) -> Success:
    return Success(await service.login(body.user_name, body.password))


@router.post("/swagger-login", summary="Swagger OAuth2 登录（仅供 docs 调试）")
async def swagger_login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> JSONResponse:
    tokens = await service.login(form.username, form.password)
    return JSONResponse({"access_token": tokens["token"], "token_type": "bearer"})


@router.post("/captcha", summary="获取验证码")
async def send_code(body: CaptchaIn, request: Request) -> Success:
    await send_captcha(body.phone, request.app.state.settings.CAPTCHA_TTL_SECONDS)
    return Success(None, msg="验证码已发送")


@router.post("/code-login", summary="验证码登录")
async def code_login(body: CodeLoginIn) -> Success:
    return Success(await service.code_login(body.phone, body.code))


@router.post("/register", summary="注册")
async def register(body: RegisterIn) -> Success:
    await service.register(body.phone, body.code, body.password, body.user_name)
    return Success(None, msg="注册成功")


@router.post("/reset-password", summary="忘记密码 - 通过手机验证码重置")
async def reset_password(body: ResetPasswordIn) -> Success:
    await service.reset_password(body.phone, body.code, body.password)
    return Success(None)


@router.post("/refresh-token", summary="刷新认证")
async def refresh_token(body: RefreshTokenIn) -> Success:
    return Success(await service.refresh_tokens(body.refresh_token))


@router.get("/user-info", summary="查看用户信息")
async def get_user_info(access: AuthAccess) -> Success:
    return Success(service.user_info(access, CTX_IMPERSONATOR_ID.get()))


@router.patch("/password", summary="修改密码")
async def change_password(body: PasswordChangeIn, access: AuthAccess) -> Success:
    await service.change_password(access.principal.user_id, body.old_password, body.new_password)
    return Success(None, msg="密码已修改，请重新登录")


@router.patch("/profile", summary="修改个人资料")
async def update_profile(body: ProfileIn, access: AuthAccess) -> Success:
    user_id = access.principal.user_id
    await service.update_profile(user_id, body)
    return Success(await service.fresh_user_info(user_id, CTX_IMPERSONATOR_ID.get()), msg="更新成功")


@router.post("/impersonate/{user_id}", summary="模拟登录", dependencies=[DependPermission])
async def impersonate(user_id: SqidPath, access: AuthAccess) -> Success:
    return Success(await service.impersonate(access, user_id))
