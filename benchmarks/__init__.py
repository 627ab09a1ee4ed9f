"""Benchmarks of srcad against hand-written gradients and other AD systems.

Run ``python -m benchmarks --help``; the workloads live in ``benchmarks/workloads``.
"""
