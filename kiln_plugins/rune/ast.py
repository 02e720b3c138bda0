"""Rune abstract syntax tree: frozen slotted dataclasses, each with its line and column.

Expressions, patterns and items are separate families; the parser builds them, the resolver
and code generator read them. ``line`` is 1-based in the chunk (the code generator adds the
chunk's first line), ``col`` is 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

node = dataclass(frozen=True, slots=True)


@node
class Node:
    """Base of every node."""

    line: int
    """1-based line in the chunk."""
    col: int
    """1-based column."""


# ---------------------------------------------------------------- expressions

@node
class Lit(Node):
    """A literal: int, float, bool, str, char, byte or byte string."""

    kind: str
    """``int``, ``float``, ``bool``, ``str``, ``char``, ``byte`` or ``bytes``."""
    value: Any
    """The decoded Python value."""


@node
class Template(Node):
    """A template string; parts are str or expressions."""

    parts: tuple
    """Literal text (str) and interpolated expressions in order."""


@node
class Path(Node):
    """A name or path (``x``, ``a::b``, ``Vec::new``, ``self``)."""

    segments: tuple[str, ...]
    """The path segments."""
    generics: tuple = ()
    """Turbofish type paths (``::<i64>``), as tuples of segments."""


@node
class Unary(Node):
    """Prefix operator ``-`` or ``!``."""

    op: str
    """The operator."""
    operand: Node
    """Its operand."""


@node
class Binary(Node):
    """Infix arithmetic, comparison, bitwise or lazy logical operator."""

    op: str
    """The operator text (``+``, ``&&``…)."""
    left: Node
    """Left operand."""
    right: Node
    """Right operand."""


@node
class Assign(Node):
    """Assignment ``=`` or compound assignment (``+=``…)."""

    op: str
    """``=`` or the compound operator."""
    target: Node
    """A path, field, tuple index or index expression."""
    value: Node
    """The value."""


@node
class Call(Node):
    """A call ``f(args)``."""

    func: Node
    """The callee."""
    args: tuple
    """Argument expressions."""


@node
class MethodCall(Node):
    """``recv.name::<T>(args)``."""

    receiver: Node
    """The receiver."""
    name: str
    """Method name."""
    args: tuple
    """Argument expressions."""
    generics: tuple = ()
    """Turbofish type paths."""


@node
class Field(Node):
    """``obj.name``."""

    obj: Node
    """The object."""
    name: str
    """Field name."""


@node
class TupleIndex(Node):
    """``obj.0``."""

    obj: Node
    """The tuple or tuple struct."""
    index: int
    """The index."""


@node
class Index(Node):
    """``obj[index]``."""

    obj: Node
    """The collection."""
    index: Node
    """The index expression."""


@node
class Try(Node):
    """``expr?``."""

    expr: Node
    """An Option or Result."""


@node
class Is(Node):
    """``expr is Type`` / ``expr is not Type``."""

    expr: Node
    """The value tested."""
    type: tuple[str, ...]
    """Type path segments."""
    negated: bool
    """True for ``is not``."""


@node
class As(Node):
    """``expr as Type`` (numeric casts)."""

    expr: Node
    """The value."""
    type: tuple[str, ...]
    """Target type path."""


@node
class Range(Node):
    """``a..b``, ``a..=b``, ``a..``, ``..b``, ``..``."""

    start: Node | None
    """Lower bound or None."""
    end: Node | None
    """Upper bound or None."""
    inclusive: bool
    """True for ``..=``."""


@node
class TupleLit(Node):
    """``(a, b)`` and ``()``."""

    items: tuple
    """Items."""


@node
class VecLit(Node):
    """``[a, b]``."""

    items: tuple
    """Items."""


@node
class ObjectLit(Node):
    """``#{a: 1, "b": 2}`` or a named struct literal ``Foo { a: 1 }``."""

    path: tuple[str, ...] | None
    """Struct path, None for an anonymous object."""
    entries: tuple
    """``(key, expr)`` pairs."""


@node
class Block(Node):
    """``{ stmts; tail }``, optionally labelled."""

    stmts: tuple
    """Statements (expressions, Let, items)."""
    tail: Node | None
    """Final expression without ``;`` (the value), or None for unit."""
    label: str | None = None
    """Label of a labelled block."""


@node
class Let(Node):
    """``let pat = value;`` (a statement)."""

    pattern: Node
    """The pattern bound."""
    value: Node
    """The value."""


@node
class ExprStmt(Node):
    """An expression statement (``expr;``)."""

    expr: Node
    """The expression."""


@node
class LetCond(Node):
    """The ``let pat = expr`` of ``if let`` / ``while let``."""

    pattern: Node
    """Pattern to match."""
    value: Node
    """Scrutinee."""


@node
class If(Node):
    """``if cond { } else …``; ``cond`` may be a LetCond."""

    cond: Node
    """Condition."""
    then: Block
    """Then block."""
    else_: Node | None
    """Else block or nested If, None when absent."""


@node
class While(Node):
    """``while cond { }``; ``cond`` may be a LetCond."""

    cond: Node
    """Condition."""
    body: Block
    """Body."""
    label: str | None
    """Loop label."""


@node
class Loop(Node):
    """``loop { }``."""

    body: Block
    """Body."""
    label: str | None
    """Loop label."""


@node
class For(Node):
    """``for pat in iter { }``."""

    pattern: Node
    """Loop variable pattern."""
    iter: Node
    """Iterable."""
    body: Block
    """Body."""
    label: str | None
    """Loop label."""


@node
class MatchArm(Node):
    """``pat if guard => body``."""

    pattern: Node
    """Pattern."""
    guard: Node | None
    """Guard or None."""
    body: Node
    """Arm body."""


@node
class Match(Node):
    """``match expr { arms }``."""

    expr: Node
    """Scrutinee."""
    arms: tuple
    """The arms."""


@node
class Break(Node):
    """``break 'label value``."""

    label: str | None
    """Target label."""
    value: Node | None
    """Value or None."""


@node
class Continue(Node):
    """``continue 'label``."""

    label: str | None
    """Target label."""


@node
class Return(Node):
    """``return value``."""

    value: Node | None
    """Value or None (unit)."""


@node
class Closure(Node):
    """``|a, b| body``."""

    params: tuple
    """Parameter patterns."""
    body: Node
    """Body expression."""


@node
class Macro(Node):
    """A macro call ``name!(args)``."""

    name: str
    """Macro name without ``!``."""
    args: tuple
    """Argument expressions."""
    spans: tuple = ()
    """Per argument ``((line, col), (end_line, end_col))`` of its source text (end exclusive)."""


# ---------------------------------------------------------------- patterns

@node
class PWild(Node):
    """``_``."""


@node
class PBind(Node):
    """A binding ``x``."""

    name: str
    """Variable name."""


@node
class PLit(Node):
    """A literal pattern (also negative numbers)."""

    value: Any
    """The Python value."""
    kind: str
    """Literal kind as in :class:`Lit`."""


@node
class PSeq(Node):
    """Tuple or vector pattern with an optional rest ``..``."""

    kind: str
    """``tuple`` or ``vec``."""
    before: tuple
    """Patterns before the rest."""
    after: tuple
    """Patterns after the rest."""
    rest: bool
    """True when ``..`` appears."""


@node
class PObject(Node):
    """``#{a, "b": p, ..}`` or ``Foo { a, .. }``."""

    path: tuple[str, ...] | None
    """Struct or variant path, None for an anonymous object."""
    fields: tuple
    """``(key, pattern)`` pairs."""
    rest: bool
    """True when ``..`` appears."""


@node
class PTupleStruct(Node):
    """``Foo(a, b)`` / ``E::B(x, ..)``."""

    path: tuple[str, ...]
    """Struct or variant path."""
    items: PSeq
    """The positional sub-patterns."""


@node
class PPath(Node):
    """A path pattern naming a unit struct, unit variant or const."""

    path: tuple[str, ...]
    """Path segments."""


@node
class PBindAt(Node):
    """``name @ pattern``."""

    name: str
    """Binding."""
    pattern: Node
    """Sub-pattern."""


# ---------------------------------------------------------------- items

@node
class FnDef(Node):
    """``pub fn name(params) { body }``."""

    name: str
    """Function name."""
    params: tuple
    """Parameter patterns (a leading ``self`` is PBind('self'))."""
    body: Block
    """Body."""
    is_pub: bool
    """Declared ``pub``."""
    attrs: tuple = ()
    """Attribute texts (``test``, ``test(should_panic)``)."""
    has_self: bool = False
    """True when the first parameter is ``self``."""


@node
class ConstDef(Node):
    """``const NAME = expr;``."""

    name: str
    """Name."""
    value: Node
    """Value expression."""
    is_pub: bool
    """Declared ``pub``."""


@node
class StructDef(Node):
    """``struct Name;`` / ``struct Name(a, b);`` / ``struct Name { a, b }``."""

    name: str
    """Name."""
    kind: str
    """``unit``, ``tuple`` or ``named``."""
    fields: tuple
    """Field names (tuple structs: their count as ``("0", "1", …)``)."""
    is_pub: bool
    """Declared ``pub``."""


@node
class EnumDef(Node):
    """``enum Name { A, B(x), C { f } }``."""

    name: str
    """Name."""
    variants: tuple
    """``(name, kind, fields)`` triples."""
    is_pub: bool
    """Declared ``pub``."""


@node
class ImplDef(Node):
    """``impl Path { fns }``."""

    path: tuple[str, ...]
    """The type implemented."""
    fns: tuple
    """Methods and associated functions."""


@node
class ModDef(Node):
    """``mod name { items }``."""

    name: str
    """Module name."""
    items: tuple
    """Items inside."""
    is_pub: bool
    """Declared ``pub``."""


@node
class UseDef(Node):
    """``use a::b::{c as d, e::*};`` flattened."""

    entries: tuple
    """``(path_segments, alias)`` with alias ``*`` for a glob."""
    is_pub: bool
    """Declared ``pub``."""


@node
class File(Node):
    """A whole chunk: items and top-level statements (test fences)."""

    items: tuple
    """Items, in order."""
    stmts: tuple
    """Top-level statements that are not items."""
