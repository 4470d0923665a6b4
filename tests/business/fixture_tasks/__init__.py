"""A business package with one module whose periodic task records every run in Redis."""
