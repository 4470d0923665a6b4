"""Products: creation, tags, the draft → active → archived life cycle, events and data scope."""

from __future__ import annotations

from typing import Any

from app.business.inventory.models import Product, Warehouse
from app.core.events import bus
from app.core.outbox import EventOutbox, dispatch_due
from app.core.sqids import encode_id
from app.system.models import User
from tests.business.inventory.conftest import Caller


async def warehouse_sqid(code: str = "MAIN-A") -> str:
    return encode_id((await Warehouse.get(code=code)).id)


async def new_product(caller: Caller, sku: str, **extra: Any) -> str:
    body = {"name": f"Item {sku}", "sku": sku, "warehouseId": await warehouse_sqid(), "quantity": 3, **extra}
    answer = await caller.post("/products", body)
    assert answer["code"] == "0000", answer
    return str(answer["data"]["createdId"])


async def test_a_clerk_creates_a_draft_product_they_own(clerk: Caller) -> None:
    sqid = await new_product(clerk, "SKU-1", tags=["fragile"])
    record = (await clerk.get(f"/products/{sqid}"))["data"]
    clerk_user = await User.get(user_name="inv_clerk")
    assert (record["status"], record["version"], record["tags"]) == ("draft", 0, ["fragile"])
    assert record["ownerId"] == encode_id(clerk_user.id)


async def test_tags_come_from_the_inventory_tag_dictionary(clerk: Caller) -> None:
    body = {"name": "X", "sku": "SKU-T", "warehouseId": await warehouse_sqid(), "tags": ["radioactive"]}
    assert (await clerk.post("/products", body))["code"] == "4001"
    assert await Product.filter(sku="SKU-T").count() == 0


async def test_an_unknown_warehouse_is_refused(clerk: Caller) -> None:
    body = {"name": "X", "sku": "SKU-W", "warehouseId": encode_id(999_999)}
    assert (await clerk.post("/products", body))["code"] == "4002"


async def test_creation_stores_product_created_in_the_outbox_and_the_dispatcher_delivers_it(clerk: Caller) -> None:
    received: list[Any] = []
    bus.subscribe("product.created", received.append)
    try:
        await new_product(clerk, "SKU-E")
        row = await EventOutbox.get(event_name="product.created")
        assert row.status == "pending" and row.payload["sku"] == "SKU-E"
        assert (await dispatch_due())["sent"] >= 1
        assert [event["sku"] for event in received] == ["SKU-E"]
    finally:
        bus.unsubscribe("product.created", received.append)


async def test_the_life_cycle_is_draft_active_archived(manager: Caller) -> None:
    changes: list[Any] = []
    bus.subscribe("product.status_changed", changes.append)
    try:
        sqid = await new_product(manager, "SKU-L")
        activated = await manager.post(f"/products/{sqid}/transition", {"status": "active", "version": 0})
        assert activated["data"] == {"status": "active", "version": 1}
        assert (await manager.post(f"/products/{sqid}/transition", {"status": "draft"}))["code"] == "4000"
        assert (await manager.post(f"/products/{sqid}/transition", {"status": "archived"}))["code"] == "0000"
        assert (await manager.post(f"/products/{sqid}/transition", {"status": "active"}))["code"] == "4000"
        assert [(c["source"], c["target"]) for c in changes] == [("draft", "active"), ("active", "archived")]
    finally:
        bus.unsubscribe("product.status_changed", changes.append)


async def test_a_transition_from_a_stale_version_is_a_conflict(manager: Caller) -> None:
    sqid = await new_product(manager, "SKU-V")
    assert (await manager.post(f"/products/{sqid}/transition", {"status": "active", "version": 0}))["code"] == "0000"
    stale = await manager.post(f"/products/{sqid}/transition", {"status": "archived", "version": 0})
    assert stale["code"] == "2306"


async def test_status_cannot_be_patched_around_the_state_machine(clerk: Caller) -> None:
    sqid = await new_product(clerk, "SKU-P")
    assert (await clerk.patch(f"/products/{sqid}", {"status": "archived", "quantity": 7}))["code"] == "0000"
    product = await Product.get(sku="SKU-P")
    assert (product.status, product.quantity) == ("draft", 7)


async def test_a_clerk_may_not_publish(clerk: Caller) -> None:
    sqid = await new_product(clerk, "SKU-B")
    assert (await clerk.post(f"/products/{sqid}/transition", {"status": "active"}))["code"] == "2203"


async def test_data_scope_owner_managed_warehouse_and_super(clerk: Caller, manager: Caller, su: Caller) -> None:
    manager_user = await User.get(user_name="inv_manager")
    await Warehouse.filter(code="MAIN").update(manager_id=manager_user.id)
    in_main = await new_product(su, "SKU-MAIN", warehouseId=await warehouse_sqid("MAIN"))
    clerks = await new_product(clerk, "SKU-CLERK")  # in MAIN-A, not managed by the manager
    managers = await new_product(manager, "SKU-MGR")

    async def visible(caller: Caller) -> set[str]:
        page = await caller.post("/products/search", {"current": 1, "size": 50})
        return {record["sku"] for record in page["data"]["records"]}

    assert await visible(clerk) == {"SKU-CLERK"}
    assert await visible(manager) == {"SKU-MAIN", "SKU-MGR"}
    assert await visible(su) == {"SKU-MAIN", "SKU-CLERK", "SKU-MGR"}
    assert (await clerk.get(f"/products/{in_main}"))["code"] == "2201"
    assert (await manager.get(f"/products/{clerks}"))["code"] == "2201"
    assert (await manager.patch(f"/products/{clerks}", {"quantity": 1}))["code"] == "2201"
    assert (await su.get(f"/products/{managers}"))["code"] == "0000"
