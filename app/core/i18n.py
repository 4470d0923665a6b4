"""Language choice for user-facing messages (English default, Chinese on ``zh``)."""

from __future__ import annotations

from app.core.code import message_for
from app.core.ctx import CTX_PREFER_CHINESE


def prefers_chinese(accept_language: str | None) -> bool:
    """True when the first language range with the highest weight is ``zh*``."""
    if not accept_language:
        return False
    best_lang, best_q = "", -1.0
    for part in accept_language.split(",")[:20]:
        pieces = part.strip().split(";")
        lang = pieces[0].strip().lower()
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang and q > best_q:
            best_lang, best_q = lang, q
    return best_lang.startswith("zh")


def translate(code: str) -> str:
    """Default message for ``code`` in the current request's language."""
    return message_for(code, chinese=CTX_PREFER_CHINESE.get())
