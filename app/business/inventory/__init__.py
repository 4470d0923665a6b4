"""Inventory: the reference business module (a demo; enable with BUSINESS_MODULES_ENABLED=inventory).

Warehouses form a soft-deletable tree; products move draft → active →
archived through a state machine with optimistic locking, emit
``product.created`` (outbox) and ``product.status_changed`` (local), are
scoped to their owner or the warehouses a user manages, and carry tags from
the ``inventory_tag`` dictionary. See docs/business-modules.md.
"""
