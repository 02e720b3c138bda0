"""Item resolution: the module tree, ``use`` imports and path lookup.

Every item (fn, const, struct, enum, variant, impl fn, mod) gets a symbol with a unique
Python name. Items are visible before their definition, nested functions live in the scope
of their block, ``use`` entries (with ``as``, ``*`` and groups) resolve lazily so
re-exports and cycles work. The code generator asks :meth:`Scope.lookup` for a path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ast as A

__all__ = ["Sym", "Scope", "ResolveError", "Items", "TYPE_NAMES"]

# Built-in type names usable in paths, ``is`` tests and impl blocks.
TYPE_NAMES = frozenset({
    "i64", "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "isize", "f64", "f32",
    "bool", "char", "String", "Vec", "Object", "Tuple", "Option", "Result", "HashMap",
    "HashSet", "VecDeque", "Bytes", "Range", "RangeInclusive", "RangeFrom", "RangeTo",
    "RangeToInclusive", "RangeFull", "Function", "Iterator", "Ordering", "Type", "Some", "None",
    "Ok", "Err", "std", "Int", "Float", "Char", "Bool", "Fn",
})


class ResolveError(Exception):
    """A name that cannot be resolved, at a node's place."""

    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


@dataclass(slots=True, eq=False)
class Sym:
    """A resolved item."""

    kind: str
    """``fn``, ``const``, ``struct``, ``enum``, ``variant``, ``mod``, ``native`` (a built-in
    path, ``pyname`` is the joined path) or ``host``."""
    pyname: str
    """Global name in the generated module (or the native/host path)."""
    node: object = None
    """The defining AST node (FnDef, ConstDef, StructDef, EnumDef), None for natives."""
    scope: "Scope | None" = None
    """For ``mod``: the module scope; for types: the scope holding associated fns."""
    owner: "Sym | None" = None
    """For ``variant``: its enum symbol."""
    extra: object = None
    """For ``variant``: ``(name, kind, fields)``; for ``fn``: its defining scope."""
    is_pub: bool = True
    """Visibility (only checked across modules)."""


@dataclass(slots=True, eq=False)
class Scope:
    """An item namespace: a module or a block (blocks chain to their parent)."""

    parent: "Scope | None"
    """Enclosing scope for lookups (None for the root module)."""
    module: "Scope | None" = None
    """For a module scope, its parent module (for ``super``); None for the root."""
    is_module: bool = True
    """True for modules, False for blocks and type scopes."""
    names: dict = field(default_factory=dict)
    """Name -> Sym or ``("use", path, scope)``."""
    globs: list = field(default_factory=list)
    """``(path, scope)`` of ``use …::*`` entries."""
    self_type: "Sym | None" = None
    """Inside an impl: the type symbol ``Self`` names."""

    def nearest_module(self) -> "Scope":
        """The module this scope belongs to."""
        s = self
        while not s.is_module:
            s = s.parent
        return s

    def root(self) -> "Scope":
        """The crate root."""
        s = self.nearest_module()
        while s.module is not None:
            s = s.module.nearest_module()
        return s


class Items:
    """Collects items into scopes, assigning Python names; owns the symbol tables."""

    def __init__(self):
        self.counter = 0
        self.root = Scope(None)
        self.fns: list[tuple[Sym, Scope]] = []
        self.consts: list[Sym] = []
        self.types: list[Sym] = []
        self.methods: list[tuple[Sym, str, Sym]] = []  # (type sym or native name, method, fn sym)
        self.errors: list[ResolveError] = []

    def fresh(self, prefix: str) -> str:
        """A new unique Python name."""
        self.counter += 1
        return f"{prefix}{self.counter}"

    def add(self, scope: Scope, name: str, sym: Sym, node) -> None:
        if name in scope.names and not isinstance(scope.names[name], tuple):
            self.errors.append(ResolveError(f"`{name}` is defined twice", node.line, node.col))
        scope.names[name] = sym

    def collect(self, items, scope: Scope) -> None:
        """Register ``items`` (in any order) in ``scope``."""
        impls = []
        for it in items:
            if isinstance(it, A.FnDef):
                sym = Sym("fn", self.fresh("f_"), it, extra=scope, is_pub=it.is_pub)
                self.add(scope, it.name, sym, it)
                self.fns.append((sym, scope))
            elif isinstance(it, A.ConstDef):
                sym = Sym("const", self.fresh("k_"), it, extra=scope, is_pub=it.is_pub)
                self.add(scope, it.name, sym, it)
                self.consts.append(sym)
            elif isinstance(it, A.StructDef):
                sym = Sym("struct", self.fresh("T_"), it, Scope(scope, is_module=False),
                          is_pub=it.is_pub)
                self.add(scope, it.name, sym, it)
                self.types.append(sym)
            elif isinstance(it, A.EnumDef):
                tscope = Scope(scope, is_module=False)
                sym = Sym("enum", self.fresh("T_"), it, tscope, is_pub=it.is_pub)
                for v in it.variants:
                    tscope.names[v[0]] = Sym("variant", self.fresh("V_"), it, owner=sym, extra=v)
                self.add(scope, it.name, sym, it)
                self.types.append(sym)
            elif isinstance(it, A.ModDef):
                # `super` inside a module declared in a block names that block's items.
                mscope = Scope(None, module=scope)
                sym = Sym("mod", it.name, it, mscope, is_pub=it.is_pub)
                self.add(scope, it.name, sym, it)
                self.collect(it.items, mscope)
            elif isinstance(it, A.UseDef):
                for path, alias in it.entries:
                    if alias == "*":
                        scope.globs.append((path, scope))
                    else:
                        scope.names.setdefault(alias, ("use", path, scope, it))
            elif isinstance(it, A.ImplDef):
                impls.append(it)
        for it in impls:
            self.impl(it, scope)

    def impl(self, it: A.ImplDef, scope: Scope) -> None:
        try:
            target = self.resolve(scope, it.path, it)
        except ResolveError as e:
            if len(it.path) == 1 and it.path[0] in TYPE_NAMES:
                target = Sym("native", it.path[0])
            else:
                self.errors.append(e)
                return
        if target.kind not in ("struct", "enum", "native"):
            self.errors.append(ResolveError(f"cannot implement `{'::'.join(it.path)}`", it.line, it.col))
            return
        if target.scope is None:
            target.scope = Scope(scope, is_module=False)
        fscope = Scope(scope, is_module=False, self_type=target)
        for fn in it.fns:
            sym = Sym("fn", self.fresh("f_"), fn, extra=fscope, is_pub=fn.is_pub)
            target.scope.names[fn.name] = sym
            self.fns.append((sym, fscope))
            if fn.has_self:
                self.methods.append((target, fn.name, sym))

    # ------------------------------------------------------------ lookup
    def lookup_first(self, scope: Scope, name: str, node, seen=None):
        """The symbol a path's first segment names, searching outward; None if unknown."""
        s = scope
        while s is not None:
            if name == "Self" and s.self_type is not None:
                return s.self_type
            sym = self.local(s, name, node, seen)
            if sym is not None:
                return sym
            if s.is_module:
                break
            s = s.parent
        return None

    def local(self, s: Scope, name: str, node, seen=None):
        """``name`` defined or imported directly in scope ``s``."""
        entry = s.names.get(name)
        if isinstance(entry, tuple):
            seen = seen or set()
            key = (id(s), name)
            if key in seen:
                raise ResolveError(f"cyclic import of `{name}`", node.line, node.col)
            seen.add(key)
            _, path, uscope, _ = entry
            return self.resolve(uscope, path, node, seen)
        if entry is not None:
            return entry
        for path, gscope in s.globs:
            target = self.resolve(gscope, path, node, seen)
            if target.scope is not None:
                found = self.local(target.scope, name, node, seen)
                if found is not None:
                    return found
        return None

    def resolve(self, scope: Scope, path: tuple, node, seen=None) -> Sym:
        """Resolve a whole path to a symbol; raises :class:`ResolveError`."""
        first = path[0]
        if first == "crate":
            sym, rest = Sym("mod", "crate", scope=scope.root()), path[1:]
        elif first == "self" and len(path) > 1:
            sym, rest = Sym("mod", "self", scope=scope.nearest_module()), path[1:]
        elif first == "super":
            mod = scope.nearest_module()
            rest = path[1:]
            while True:
                mod = mod.nearest_module()
                if mod.module is None:
                    raise ResolveError("`super` at the crate root", node.line, node.col)
                mod = mod.module
                if rest and rest[0] == "super":
                    rest = rest[1:]
                    continue
                break
            sym = Sym("mod", "super", scope=mod)
        else:
            sym = self.lookup_first(scope, first, node, seen)
            rest = path[1:]
            if sym is None:
                if first == "Self":
                    raise ResolveError("`Self` outside of an impl", node.line, node.col)
                return Sym("native", "::".join(path))
        for i, seg in enumerate(rest):
            if sym.kind == "native":
                return Sym("native", sym.pyname + "::" + "::".join(rest[i:]))
            if sym.scope is None:
                raise ResolveError(f"`{seg}` not found in `{'::'.join(path[:i + 1])}`",
                                   node.line, node.col)
            nxt = self.local(sym.scope, seg, node, seen)
            if nxt is None:
                raise ResolveError(f"`{'::'.join(path)}` not found", node.line, node.col)
            sym = nxt
        return sym

