"""Single-model data access for the system resources, built on ``CRUDBase``."""

from app.system.controllers.apis import ApiController, api_controller
from app.system.controllers.dictionaries import DictionaryController, dictionary_controller
from app.system.controllers.menus import MenuController, menu_controller
from app.system.controllers.roles import RoleController, role_controller
from app.system.controllers.users import UserController, user_controller

__all__ = [
    "ApiController",
    "DictionaryController",
    "MenuController",
    "RoleController",
    "UserController",
    "api_controller",
    "dictionary_controller",
    "menu_controller",
    "role_controller",
    "user_controller",
]
