"""System models (app ``app_system`` on connection ``conn_system``)."""

from app.system.models.dictionary import Dictionary
from app.system.models.rbac import Api, Button, Menu, Role, User

__all__ = ["Api", "Button", "Dictionary", "Menu", "Role", "User"]
