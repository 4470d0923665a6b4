"""Business modules: each sub-package is discovered at start-up."""
