"""The one table of host functions.

Each :class:`HostFunction` is defined once — name, doc, parameters, capability, implementation,
example — and everything else is generated from the table: the Lua binding, the Rune binding,
the permission check (:meth:`HostFunction.bind`, the only place a capability is checked), the
MCP schemas and ``docs/api.md``.

Implementations take a :class:`CallContext`-like object first, then the plugin's positional
arguments as plain Python values (dict, list, str, int, float, bool, None), and return plain
Python values. They raise :mod:`kiln_plugins.errors` types, never anything else on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

__all__ = ["Param", "HostFunction", "CapabilityChecker", "bind_all"]


@dataclass(frozen=True, slots=True)
class Param:
    """One positional parameter of a host function."""

    name: str
    """Name used in docs and error messages."""
    schema: dict
    """JSON Schema of the value (``{"type": "string"}``)."""
    doc: str = ""
    """What the parameter means."""
    required: bool = True
    """False for trailing optional parameters (options tables)."""


@dataclass(frozen=True, slots=True)
class HostFunction:
    """A function plugin code may call: ``kiln.read(path)`` in Lua, ``kiln::read(path)`` in Rune."""

    module: str
    """Namespace (``kiln``, ``graph``, ``state``, ``tools``, ``log``, ``http``, ``std.json`` …)."""
    name: str
    """Function name inside the namespace."""
    doc: str
    """One-paragraph description for docs and agents."""
    params: tuple[Param, ...]
    """Positional parameters."""
    returns: str
    """Description of the result."""
    capability: str | None
    """Capability needed (``kiln.read``, ``kiln.write``, ``state``, ``tools.call``, ``net``,
    ``fs.read``, ``plugins.write``); None for pure functions every plugin may call."""
    impl: Callable[..., Any] = field(repr=False, compare=False)
    """``impl(ctx, *args)`` -> plain Python value."""
    example: str = ""
    """A runnable Lua example (executed by a test, shown in docs/api.md)."""
    rune_example: str = ""
    """The same example in Rune."""

    @property
    def qualified(self) -> str:
        """``kiln.read``."""
        return f"{self.module}.{self.name}"

    def bind(self, ctx: "CapabilityChecker") -> Callable[..., Any]:
        """A callable for one call context: checks the capability, then runs ``impl``."""
        impl, capability, qualified = self.impl, self.capability, self.qualified

        def call(*args):
            if capability is not None:
                ctx.require(capability, qualified)
            try:
                return impl(ctx, *args)
            except (AttributeError, LookupError, OverflowError, RecursionError) as exc:
                # A plugin passed a shape the implementation did not expect ({tag = 5}, max = 1e300):
                # a one-line error for the plugin, never a raw Python exception out of the call.
                from ..errors import UsageError

                raise UsageError(f"bad arguments to '{qualified}': {exc}") from None

        call.__name__ = qualified
        return call


class CapabilityChecker(Protocol):
    """What :meth:`HostFunction.bind` needs from a call context."""

    def require(self, capability: str, function: str) -> None:
        """Raise CapabilityError/ApprovalRequired unless ``capability`` may be used now."""


def bind_all(functions: Iterable[HostFunction], ctx: CapabilityChecker) -> dict[str, dict[str, Callable]]:
    """``{"kiln": {"read": f, …}, "std.json": {…}}`` bound to ``ctx`` — what a runtime exposes."""
    out: dict[str, dict[str, Callable]] = {}
    for fn in functions:
        out.setdefault(fn.module, {})[fn.name] = fn.bind(ctx)
    return out
