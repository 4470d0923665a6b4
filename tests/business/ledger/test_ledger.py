"""Ledger lives in its own database: tables, transactions, and events from another module."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from app.business.ledger.models import LedgerEntry
from app.business.ledger.services import STATUS_ACCOUNT, book
from app.core.database import SYSTEM_CONNECTION, get_db_conn
from app.core.sqids import encode_id
from tests import services
from tests.business.inventory.conftest import login


async def table_names(conn: BaseDBAsyncClient, backend: str) -> set[str]:
    if backend == "sqlite":
        sql = "SELECT name AS t FROM sqlite_master WHERE type = 'table'"
    elif backend == "postgres":
        sql = "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'"
    else:
        sql = "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()"
    return {str(row.get("t") or row.get("T") or row.get("TABLE_NAME")) for row in await conn.execute_query_dict(sql)}


async def test_its_tables_live_only_in_its_own_database(app: FastAPI, backend: services.Backend) -> None:
    main, ledger = connections.get(SYSTEM_CONNECTION), connections.get("conn_ledger")
    main_tables, ledger_tables = await table_names(main, backend.name), await table_names(ledger, backend.name)
    assert "biz_ledger_entries" in ledger_tables and "biz_ledger_entries" not in main_tables
    assert "users" in main_tables and "users" not in ledger_tables
    assert "biz_inventory_products" in main_tables  # inventory has no DB_URL: main database
    assert app.state.tortoise_config["apps"]["app_ledger"]["default_connection"] == "conn_ledger"


async def test_its_transactions_use_its_connection(app: FastAPI) -> None:
    assert get_db_conn(LedgerEntry).connection_name == "conn_ledger"
    with pytest.raises(RuntimeError):
        async with in_transaction("conn_ledger"):
            await LedgerEntry.create(account="cash", memo="rolled back")
            raise RuntimeError("abort")
    await book("cash", "kept", amount=5)
    assert await LedgerEntry.all().values_list("memo", flat=True) == ["kept"]


async def test_the_declarative_permission_spec_is_applied_in_the_main_database(client: httpx.AsyncClient) -> None:
    from app.system.models import Menu, Role

    assert await Menu.filter(route_name__in=["ledger", "ledger_entry"]).count() == 2
    assert (await Role.get(role_code="R_LEDGER_READER")).data_scope == "all"


async def test_a_product_status_change_in_inventory_is_booked_in_the_ledger(client: httpx.AsyncClient) -> None:
    manager = await login(client, "inv_manager")
    from app.business.inventory.models import Warehouse

    site = await Warehouse.get(code="MAIN")
    created = await manager.post("/products", {"name": "Lamp", "sku": "LAMP-1", "warehouseId": encode_id(site.id)})
    sqid = created["data"]["createdId"]
    assert (await manager.post(f"/products/{sqid}/transition", {"status": "active"}))["code"] == "0000"
    entry = await LedgerEntry.get(account=STATUS_ACCOUNT)
    assert entry.memo == "LAMP-1: draft -> active"


async def test_the_api_books_and_lists_entries(client: httpx.AsyncClient) -> None:
    su = await login(client, "Super", "123456")
    headers = {"Authorization": f"Bearer {su.token}"}
    created = (
        await client.post("/api/v1/business/ledger/entries", json={"account": "cash", "amount": 7, "memo": "float"}, headers=headers)
    ).json()
    assert created["code"] == "0000", created
    page = (await client.post("/api/v1/business/ledger/entries/search", json={"account": "cash"}, headers=headers)).json()
    assert [(r["account"], r["amount"], r["memo"]) for r in page["data"]["records"]] == [("cash", 7, "float")]
