"""Compiler passes; each module states its pre- and post-condition and an example."""
