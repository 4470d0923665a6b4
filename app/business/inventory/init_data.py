"""Inventory's menus, buttons, roles, demo users, tag dictionary and seed warehouses.

``INIT_DATA`` is applied on every start by the leader (re-synced to this
declaration: the menu subtree is reconciled); ``init`` then seeds two
warehouses when there are none.
"""

from __future__ import annotations

from app.business.inventory.models import Warehouse
from app.system.services import ButtonSpec, InitData, apply_init_data

BUTTONS: dict[str, list[ButtonSpec]] = {
    "inventory_warehouse": [
        {"button_code": "B_INVENTORY_WAREHOUSE_CREATE", "button_desc": "Create warehouse"},
        {"button_code": "B_INVENTORY_WAREHOUSE_EDIT", "button_desc": "Edit warehouse"},
        {"button_code": "B_INVENTORY_WAREHOUSE_DELETE", "button_desc": "Delete warehouse"},
    ],
    "inventory_product": [
        {"button_code": "B_INVENTORY_PRODUCT_CREATE", "button_desc": "Create product"},
        {"button_code": "B_INVENTORY_PRODUCT_EDIT", "button_desc": "Edit product"},
        {"button_code": "B_INVENTORY_PRODUCT_DELETE", "button_desc": "Delete product"},
        {"button_code": "B_INVENTORY_PRODUCT_PUBLISH", "button_desc": "Activate or archive product"},
    ],
}

PRODUCT_APIS = [f"inventory.products.{action}" for action in ("list", "get", "create", "update", "transition")]
WAREHOUSE_READ_APIS = ["inventory.warehouses.list", "inventory.warehouses.get", "inventory.warehouses.tree"]

INIT_DATA: InitData = {
    "menus": [
        {
            "route_name": "inventory",
            "menu_name": "Inventory",
            "route_path": "/inventory",
            "order": 8,
            "icon": "mdi:warehouse",
            "reconcile": {"menus": True, "buttons": True},
            "children": [
                {
                    "route_name": "inventory_warehouse",
                    "menu_name": "Warehouses",
                    "route_path": "/inventory/warehouse",
                    "component": "view.inventory_warehouse",
                    "order": 1,
                    "icon": "mdi:home-group",
                    "buttons": BUTTONS["inventory_warehouse"],
                },
                {
                    "route_name": "inventory_product",
                    "menu_name": "Products",
                    "route_path": "/inventory/product",
                    "component": "view.inventory_product",
                    "order": 2,
                    "icon": "mdi:package-variant",
                    "buttons": BUTTONS["inventory_product"],
                },
            ],
        }
    ],
    "roles": [
        {
            "role_code": "R_INV_MANAGER",
            "role_name": "Inventory manager",
            "role_desc": "Runs warehouses; sees products in the warehouses they manage",
            "data_scope": "scope",
            "menus": ["inventory", "inventory_warehouse", "inventory_product"],
            "buttons": [b["button_code"] for group in BUTTONS.values() for b in group],
            "apis": [
                *PRODUCT_APIS,
                "inventory.products.delete",
                *WAREHOUSE_READ_APIS,
                *(f"inventory.warehouses.{a}" for a in ("create", "update", "delete", "batch_delete")),
            ],
        },
        {
            "role_code": "R_INV_CLERK",
            "role_name": "Inventory clerk",
            "role_desc": "Records products; sees only their own",
            "data_scope": "self",
            "menus": ["inventory", "inventory_product"],
            "buttons": ["B_INVENTORY_PRODUCT_CREATE", "B_INVENTORY_PRODUCT_EDIT"],
            "apis": [*PRODUCT_APIS, *WAREHOUSE_READ_APIS],
        },
    ],
    "users": [
        {"user_name": "inv_manager", "password": "Inventory@2024", "nick_name": "Inventory manager", "roles": ["R_INV_MANAGER"]},
        {"user_name": "inv_clerk", "password": "Inventory@2024", "nick_name": "Inventory clerk", "roles": ["R_INV_CLERK"]},
    ],
    "dictionaries": [
        {"dict_type": "inventory_tag", "value": "fragile", "label": "Fragile", "order": 1},
        {"dict_type": "inventory_tag", "value": "perishable", "label": "Perishable", "order": 2},
        {"dict_type": "inventory_tag", "value": "bulky", "label": "Bulky", "order": 3},
    ],
}


async def seed_warehouses() -> None:
    """A site with one zone, only in an empty installation."""
    if await Warehouse.all_objects.exists():
        return
    site = await Warehouse.create(name="Main site", code="MAIN", order=1)
    await Warehouse.create(name="Zone A", code="MAIN-A", parent_id=site.id, level=2, order=1)


async def init() -> None:
    await apply_init_data(INIT_DATA)
    await seed_warehouses()
