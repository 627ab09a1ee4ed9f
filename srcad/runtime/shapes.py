"""Helpers for the adjoints of shapes rules (see srcad/rules/shapes.py)."""

import numpy as np  # noqa: F401

__all__: list[str] = []
