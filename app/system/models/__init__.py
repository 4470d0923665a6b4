"""System models (filled by the identity issue)."""
