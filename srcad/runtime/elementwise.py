"""Helpers for the adjoints of elementwise rules (see srcad/rules/elementwise.py)."""

import numpy as np  # noqa: F401

__all__: list[str] = []
