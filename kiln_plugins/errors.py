"""One error hierarchy for the whole project; the CLI maps each class to an exit code.

Every error that concerns a note carries its place (``path:line[:col]``) and renders as one
line: ``plugins/dice.md:23: attempt to call a nil value``. Code that raises these never
needs to format the place itself.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Diagnostic",
    "KilnError",
    "UsageError",
    "NoteParseError",
    "ValidationError",
    "PluginRuntimeError",
    "ToolArgumentError",
    "CapabilityError",
    "ApprovalRequired",
    "LimitExceeded",
    "RuneCompileError",
    "TestFailure",
]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in a note, reported and then skipped past (never swallowed)."""

    path: str
    """Kiln-relative note id (or file path for files outside a kiln)."""
    line: int
    """1-based line in the note; 0 when the problem concerns the whole file."""
    message: str
    """Terse, lower-case message without the place."""
    col: int = 0
    """1-based column, 0 when unknown."""
    severity: str = "error"
    """``error`` or ``warning``."""

    def __str__(self) -> str:
        return format_place(self.path, self.line, self.col) + self.message


def format_place(path: str | None, line: int = 0, col: int = 0) -> str:
    """Render ``path:line:col: `` with the parts that are known ('' when no path)."""
    if not path:
        return ""
    place = path
    if line:
        place += f":{line}"
        if col:
            place += f":{col}"
    return place + ": "


class KilnError(Exception):
    """Base of every error the project raises on purpose; ``exit_code`` is the CLI's."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int = 0, col: int = 0):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.col = col

    def __str__(self) -> str:
        return format_place(self.path, self.line, self.col) + self.message


class UsageError(KilnError):
    """The person asked for something that cannot be done as asked (bad flag, unknown name)."""

    exit_code = 2


class NoteParseError(KilnError):
    """A note could not be read or parsed (bad encoding, NUL byte, oversized)."""

    exit_code = 2


class ValidationError(KilnError):
    """A plugin note is invalid; ``diagnostics`` lists every problem found, not just the first."""

    exit_code = 2

    def __init__(self, message: str, *, diagnostics: tuple[Diagnostic, ...] = (), **place):
        super().__init__(message, **place)
        self.diagnostics = tuple(diagnostics)


class RuneCompileError(ValidationError):
    """Rune source that does not lex, parse or resolve; carries every error found."""


class PluginRuntimeError(KilnError):
    """Plugin code failed while running (Lua/Rune error, bad return value)."""

    exit_code = 1


class TestFailure(PluginRuntimeError):
    """A plugin test (``lua test`` / ``rune test`` fence or ``#[test]`` fn) failed."""

    __test__ = False  # not a pytest class


class ToolArgumentError(KilnError):
    """Tool arguments that fail the tool's JSON Schema; names the bad field."""

    exit_code = 2


class CapabilityError(KilnError):
    """A plugin used a capability it did not declare, or the person denied it."""

    exit_code = 3


class ApprovalRequired(CapabilityError):
    """A declared risky capability has not been approved for this plugin's current code."""

    def __init__(self, message: str, *, plugin: str, capability: str, command: str, **place):
        super().__init__(message, **place)
        self.plugin = plugin
        self.capability = capability
        self.command = command


class LimitExceeded(KilnError):
    """A per-call resource limit was hit; names the limit, the plugin and the value."""

    exit_code = 4

    def __init__(self, limit: str, value, *, plugin: str | None = None, **place):
        who = f"plugin '{plugin}' " if plugin else ""
        super().__init__(f"{who}exceeded limit {limit} = {value}", **place)
        self.limit = limit
        self.value = value
        self.plugin = plugin
