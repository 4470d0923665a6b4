"""Trellis benchmark suite (python -m bench)."""
