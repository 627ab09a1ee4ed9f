"""Helpers for the adjoints of reductions rules (see srcad/rules/reductions.py)."""

import numpy as np  # noqa: F401

__all__: list[str] = []
