"""Offline command-line tools (python -m app.cli)."""
