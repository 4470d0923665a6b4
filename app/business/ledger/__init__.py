"""Ledger: a reference module on its own database (demo; BUSINESS_MODULES_ENABLED=ledger).

``config.py`` gives it a ``DB_URL`` different from the main one, so its
tables live on connection ``conn_ledger`` (app ``app_ledger``) only. It
hears about other modules through the event bus: every product status change
announced by inventory becomes a ledger entry, without importing inventory.
"""
