"""The CRUD generator: parse ``models.py`` (AST), plan files, render templates, write with a hash manifest."""
