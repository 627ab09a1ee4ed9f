"""The error classes of srcad and the one formatter that locates an error in user code.

Every error a user can trigger derives from :class:`SrcadError`.  Errors about the user's
source carry a :class:`Location` and render as::

    model.py:12:4: `while` loops are not supported (in function `loss`)
        while x > 0:
        ^
    hint: what to write instead
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A position in the user's source: file, 1-based line, 0-based column, the line's text."""

    filename: str
    line: int
    col: int = 0
    text: str = ""

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col}"


class SrcadError(Exception):
    """Base class of every error srcad raises on purpose."""

    def __init__(self, message: str, location: Location | None = None, hint: str = ""):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.location is None:
            parts.append(self.message)
        else:
            parts.append(f"{self.location}: {self.message}")
            if self.location.text:
                stripped = self.location.text.rstrip("\n")
                indent = len(stripped) - len(stripped.lstrip())
                parts.append("    " + stripped.strip())
                parts.append("    " + " " * max(0, self.location.col - indent) + "^")
        if self.hint:
            parts.append("hint: " + self.hint)
        return "\n".join(parts)


class SourceError(SrcadError):
    """The source of a function cannot be found or does not match the running code."""


class UnsupportedError(SrcadError):
    """A construct of the user's function is outside the subset srcad differentiates."""


class NoRuleError(SrcadError):
    """A called function reaches the result but has no derivative rule."""


class InputError(SrcadError):
    """An argument of a derivative call has the wrong type, shape or name."""


class RuleError(SrcadError):
    """A derivative rule is malformed (raised when the rule is registered)."""


class InternalError(SrcadError):
    """A bug in srcad: a pass failed on input it accepted."""
