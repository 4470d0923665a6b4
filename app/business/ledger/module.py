"""Ledger's manifest: a declarative seed spec (no init function) and one subscriber."""

from __future__ import annotations

from app.business.ledger.api import router
from app.business.ledger.services import on_product_status_changed
from app.utils import BusinessModule, PermissionSpec

module = BusinessModule(
    name="ledger",
    title="Ledger",
    router=router,
    permissions=PermissionSpec(
        {
            "menus": [
                {
                    "route_name": "ledger",
                    "menu_name": "Ledger",
                    "route_path": "/ledger",
                    "order": 9,
                    "icon": "mdi:book-open-variant",
                    "children": [
                        {
                            "route_name": "ledger_entry",
                            "menu_name": "Entries",
                            "route_path": "/ledger/entry",
                            "component": "view.ledger_entry",
                            "order": 1,
                        }
                    ],
                }
            ],
            "roles": [
                {
                    "role_code": "R_LEDGER_READER",
                    "role_name": "Ledger reader",
                    "data_scope": "all",
                    "menus": ["ledger", "ledger_entry"],
                    "apis": ["ledger.entries.list", "ledger.entries.get"],
                }
            ],
        }
    ),
    subscribers=(("product.status_changed", on_product_status_changed),),
    demo=True,
)
