"""Framework infrastructure: no business knowledge, imports nothing above it."""
