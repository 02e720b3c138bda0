"""Code generation: resolved Rune AST to Python source.

Every Rune identifier becomes a fresh Python name (``v_<n>``; Python NFKC-normalises
identifiers, so Rune names are never emitted), string constants come from a table
(``K_<n>``), and the generated code never uses attribute access: runtime operations are
plain names bound by :mod:`unit` (``ADD_``, ``FGET_``, …). Ints get inline fast paths with
checked overflow; everything else goes through :mod:`ops`. Budget ticks sit at function entry
and loop back-edges (``B_``); call depth is bounded by the Python frame limit the unit sets
(each Rune call is one Python frame, calls through methods a few). Each generated line records the Rune
place it came from so errors read ``path:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import ast as A
from .resolver import Items, ResolveError, Scope, Sym

__all__ = ["CompileError", "CompileErrors", "Program", "generate"]

I64_MIN, I64_MAX = -2 ** 63, 2 ** 63 - 1
TICK = "B_ -= 1\nif B_ < 0: REFILL_()"


class CompileError(Exception):
    """A semantic error found while generating code."""

    def __init__(self, message: str, line: int, col: int = 0, path: str = ""):
        super().__init__(message)
        self.message, self.line, self.col, self.path = message, line, col, path


@dataclass(slots=True)
class Program:
    """The output of :func:`generate`."""

    source: str
    """Python source of the whole unit."""
    linemap: list
    """Generated line (1-based index) -> ``(path, note line)``."""
    consts: dict
    """Constant table: name -> Python value or ``("str", text)`` / ``("char", c)`` marker."""
    types: list
    """``(pyname, Sym)`` for every struct and enum (the unit builds the type objects)."""
    variants: list
    """``(pyname, enum pyname, name, kind, fields)``."""
    natives: dict
    """Python name -> native path (``String::new``) to bind from the runtime tables."""
    hosts: dict
    """Python name -> ``(module, function)`` host binding."""
    methods: list
    """``(type pyname or native type name, method name, fn pyname)``."""
    pub_fns: dict
    """Public top-level function name -> ``(pyname, param count)``."""
    tests: list
    """``(chunk index, name, pyname, should_panic, line)`` of ``#[test]`` fns."""
    chunk_bodies: dict
    """Chunk index -> pyname of the function running its top-level statements."""
    fn_names: dict = field(default_factory=dict)
    """Python fn name -> Rune name (for messages)."""


def generate(files, host_modules=()) -> Program:
    """Compile ``files`` (a list of ``(ast.File, path, first_line)``) into one program."""
    return Generator(files, host_modules).program()


_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")
_FMT_NAME = re.compile(r"(?<!\{)\{([^\W\d]\w*)(?=[:}])")
ARITH = {"+": "ADD_", "-": "SUB_", "*": "MUL_", "/": "DIV_", "%": "REM_", "&": "BAND_",
         "|": "BOR_", "^": "BXOR_", "<<": "SHL_", ">>": "SHR_"}
COMPARE = {"==": "EQ_", "!=": "NE_", "<": "LT_", "<=": "LE_", ">": "GT_", ">=": "GE_"}
MACROS = ("println", "print", "eprintln", "eprint", "format", "panic", "assert", "assert_eq",
          "assert_ne", "dbg", "todo", "unimplemented", "unreachable", "vec", "write")


@dataclass(slots=True)
class Loop:
    """A loop (or labelled block) being compiled."""

    label: str | None
    """Rune label."""
    result: str | None
    """Temp receiving ``break value`` (None when the value is unused)."""
    ident: int
    """Number used in raised jump signals."""
    is_block: bool = False
    """A labelled block (not a Python loop)."""
    far_break: bool = False
    """Some inner loop breaks out of this one (needs a try/except)."""
    far_continue: bool = False
    """Some inner loop continues this one."""


@dataclass(slots=True)
class Fn:
    """A Python function being compiled (a Rune fn, closure or chunk body)."""

    scope: Scope
    """Item scope for path lookups."""
    outer: "Fn | None" = None
    """Enclosing function for closures."""
    vars: list = field(default_factory=lambda: [{}])
    """Stack of Rune name -> Python name."""
    loops: list = field(default_factory=list)
    """Enclosing loops."""
    captures: dict = field(default_factory=dict)
    """Captured Python names (closures)."""
    is_closure: bool = False
    """True for closures."""
    depth: bool = True
    """True when the function counts call depth (not chunk bodies)."""
    returns_int: list | None = None
    """``[True]`` while compiling an int-specialised body; set False by a non-int return."""


# Vec methods inlined when the receiver is a list (the runtime's semantics, minus a call).
_LIST_FAST = {("push", 1): "PUSH_({o}, {a})", ("len", 0): "len({o})",
              ("is_empty", 0): "(len({o}) == 0)"}

_WANTS = {"Block", "If", "Match", "Loop", "While", "For"}
_WANT_TYPES = (A.Block, A.If, A.Match, A.Loop, A.While, A.For)


class CompileErrors(Exception):
    """Several compile errors (raised by :func:`generate`)."""

    def __init__(self, errors):
        super().__init__(errors[0].message)
        self.errors = errors


def numeric_positions(fn: A.FnDef) -> list:
    """Indexes of the parameters (plain names) used as operands of arithmetic or comparison."""
    return [i for i, p in enumerate(fn.params)
            if isinstance(p, A.PBind) and p.name != "self" and _numeric_use(p.name, fn.body)]


def _numeric_use(name: str, body) -> bool:
    """True when Rune variable ``name`` is an operand of arithmetic or a comparison in ``body``."""
    stack = [body]
    while stack:
        n = stack.pop()
        if isinstance(n, A.Binary) and n.op in ARITH or isinstance(n, A.Binary) and n.op in COMPARE:
            for side in (n.left, n.right):
                if isinstance(side, A.Path) and side.segments == (name,):
                    return True
        if isinstance(n, A.Closure):
            continue
        if isinstance(n, (list, tuple)):
            stack.extend(n)
        elif isinstance(n, A.Node):
            stack.extend(getattr(n, f) for f in n.__dataclass_fields__ if f not in ("line", "col"))
    return False


def _const_str(e):
    """The value of a constant string expression (literals, ``+``, ``const { }``), else None."""
    if isinstance(e, A.Lit):
        return e.value if e.kind == "str" else None
    if isinstance(e, A.Block) and not e.stmts and e.tail is not None:
        return _const_str(e.tail)
    if isinstance(e, A.Binary) and e.op == "+":
        a, b = _const_str(e.left), _const_str(e.right)
        return a + b if a is not None and b is not None else None
    return None


def _simple(code: str) -> bool:
    return bool(_IDENT.match(code)) or _const(code)


def _const(code: str) -> bool:
    return code in ("True", "False", "UNIT_", "None") or _int_lit(code) or bool(
        re.fullmatch(r"\(?-?[0-9.e+]+\)?|K_\d+", code))


def _int_lit(code: str) -> bool:
    return bool(re.fullmatch(r"\(-?\d+\)|\d+", code))


# The generator's parts live in sibling modules (they import the helpers above).
from .codegen_control import ControlGen  # noqa: E402
from .codegen_exprs import ExprGen  # noqa: E402
from .codegen_patterns import PatternGen  # noqa: E402


class Generator(ExprGen, ControlGen, PatternGen):
    """Emits Python source for a whole unit."""

    def __init__(self, files, host_modules):
        self.files = files
        self.sources = {(f[1], f[2]): f[3] for f in files if len(f) > 3}
        self.host_modules = {tuple(m.split(".")): m for m in host_modules}
        self.items = Items()
        self.lines: list[str] = []
        self.linemap: list = []
        self.lvl = 0
        self.place = ("", 0)
        self.path, self.first = "", 1
        self.consts: dict = {}
        self.const_ids: dict = {}
        self.natives: dict = {}
        self.hosts: dict = {}
        self.errors: list[CompileError] = []
        self.fn: Fn | None = None
        self.counter = 0
        self.loop_ids = 0
        self.nonint: set = set()      # ids of binding nodes that may hold a non-int
        self.nonlist: set = set()     # ids of binding nodes that may hold a non-list
        self.origin: dict = {}        # Python name -> id of its binding node (None: unknown)
        self.block_scopes: dict = {}  # id(block) -> item scope of its nested items
        self.not_int_returning: set = set()  # fns whose int-specialised body may return non-int

    # ------------------------------------------------------------ emission helpers
    def fresh(self, prefix: str = "t_") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def at(self, node) -> None:
        """Make ``node``'s line the place of the following emitted lines."""
        self.place = (self.path, node.line + self.first - 1)

    def emit(self, code: str) -> None:
        for ln in code.split("\n"):
            self.lines.append("    " * self.lvl + ln)
            self.linemap.append(self.place)

    def capture(self):
        """Start capturing emitted lines; returns a mark for :meth:`take`."""
        return len(self.lines)

    def take(self, mark: int) -> list:
        """Remove and return the lines emitted since ``mark``."""
        got = list(zip(self.lines[mark:], self.linemap[mark:]))
        del self.lines[mark:]
        del self.linemap[mark:]
        return got

    def splice(self, got: list) -> None:
        for code, place in got:
            self.lines.append(code)
            self.linemap.append(place)

    def source_text(self, macro: A.Macro, i: int) -> str:
        """The source text of argument ``i`` of ``macro`` (for assertion messages)."""
        src = self.sources.get((self.path, self.first))
        if src is None or i >= len(macro.spans):
            return "condition"
        (l1, c1), (l2, c2) = macro.spans[i]
        lines = src.split("\n")
        if l1 == l2:
            parts = [lines[l1 - 1][c1 - 1:c2 - 1]]
        else:
            parts = [lines[l1 - 1][c1 - 1:]] + lines[l1:l2 - 1] + [lines[l2 - 1][:c2 - 1]]
        text = " ".join(p.split("//")[0] for p in parts)
        return " ".join(text.split())

    def error(self, message: str, node) -> CompileError:
        return CompileError(message, node.line + self.first - 1, node.col, self.path)

    def const(self, value) -> str:
        """A name for a constant-table entry."""
        key = (type(value).__name__, value if not isinstance(value, tuple) else value)
        name = self.const_ids.get(key)
        if name is None:
            name = self.const_ids[key] = self.fresh("K_")
            self.consts[name] = value
        return name

    # ------------------------------------------------------------ program
    def program(self) -> Program:
        items = self.items
        for f, path, first, *_ in self.files:
            items.collect(f.items, items.root)
        for e in items.errors:
            self.errors.append(CompileError(e.message, e.line, e.col))
        self.emit("B_ = 0")
        # Functions and consts are compiled with the place of their chunk.
        owner = {}
        for idx, (f, path, first, *_) in enumerate(self.files):
            self._owner(f.items, (path, first, idx), owner)
        mark = self.capture()
        for _ in range(6):  # until the set of int-returning functions is stable
            before = len(self.not_int_returning)
            tests, bodies, fn_names = self.compile_items(owner)
            if len(self.not_int_returning) == before or self.errors:
                break
            self.take(mark)
        if self.errors:
            raise CompileErrors(self.errors)
        types = [(s.pyname, s) for s in items.types]
        variants = []
        for s in items.types:
            if s.kind == "enum":
                for vname, vsym in s.scope.names.items():
                    if isinstance(vsym, Sym) and vsym.kind == "variant":
                        name, kind, fields = vsym.extra
                        variants.append((vsym.pyname, s.pyname, name, kind, fields))
        methods = [(t.pyname if t.kind != "native" else t.pyname, m, f.pyname)
                   for t, m, f in items.methods]
        pub = {}
        for name, sym in items.root.names.items():
            if isinstance(sym, Sym) and sym.kind == "fn" and sym.is_pub:
                pub[name] = (sym.pyname, len(sym.node.params))
        return Program("\n".join(self.lines) + "\n", self.linemap, self.consts, types, variants,
                       self.natives, self.hosts, methods, pub, tests, bodies, fn_names)

    def compile_items(self, owner):
        """One pass over every function, const and chunk body; ``(tests, bodies, fn_names)``."""
        items = self.items
        tests, bodies, fn_names = [], {}, {}
        done = set()
        i = 0
        while i < len(items.fns):  # nested fns are appended while compiling
            sym, scope = items.fns[i]
            i += 1
            if id(sym) in done:
                continue
            done.add(id(sym))
            path, first, idx = owner.get(id(sym.node), (self.path, self.first, 0))
            self.path, self.first = path, first
            fn_names[sym.pyname] = sym.node.name
            self.guard(lambda: self.fixpoint(lambda: self.fn_def(sym, scope)))
            attrs = sym.node.attrs
            if any(a == "test" or a.startswith("test(") for a in attrs) and scope.is_module \
                    and "async" not in attrs:
                tests.append((idx, sym.node.name, sym.pyname,
                              any("should_panic" in a for a in attrs), sym.node.line + first - 1))
        for sym in items.consts:
            path, first, idx = owner.get(id(sym.node), (self.path, self.first, 0))
            self.path, self.first = path, first
            self.guard(lambda: self.const_def(sym))
        for idx, (f, path, first, *_) in enumerate(self.files):
            if f.stmts:
                self.path, self.first = path, first
                name = self.fresh("s_")
                bodies[idx] = name
                self.guard(lambda: self.fixpoint(lambda: self.body_fn(name, f.stmts)))
        return tests, bodies, fn_names

    def _owner(self, items, where, out) -> None:
        for it in items:
            out[id(it)] = where
            if isinstance(it, A.ModDef):
                self._owner(it.items, where, out)
            elif isinstance(it, A.ImplDef):
                self._owner(it.fns, where, out)

    def guard(self, thunk) -> None:
        mark, lvl, fn = self.capture(), self.lvl, self.fn
        try:
            thunk()
        except CompileError as e:
            self.errors.append(e)
            self.take(mark)
        except ResolveError as e:
            self.errors.append(CompileError(e.message, e.line + self.first - 1, e.col, self.path))
            self.take(mark)
        finally:
            self.lvl, self.fn = lvl, fn

    # ------------------------------------------------------------ items
    def fn_def(self, sym: Sym, scope: Scope) -> None:
        node: A.FnDef = sym.node
        self.at(node)
        self.fn = Fn(scope)
        params = self.params(node.params)
        self.emit(f"def {sym.pyname}({', '.join(p for p, _ in params)}):")
        self.lvl += 1
        self.emit("global B_\n" + TICK)
        self.bind_params(params)
        positions = numeric_positions(node)
        numeric = [(i, py) for i, (py, pat) in enumerate(params) if pat is None and i in positions]
        if numeric:
            # A copy of the body for int arguments, compiled with those parameters int-typed;
            # it also finds out whether the function then returns only ints.
            scope_vars = dict(self.fn.vars[-1])
            for i, py in numeric:
                self.origin[py] = ("param", id(node), i)
            self.emit(f"if {' and '.join(f'type({py}) is int' for _, py in numeric)}:")
            self.lvl += 1
            self.fn.returns_int = [True]
            self.fn_body(node.body)
            if not self.fn.returns_int[0]:
                self.not_int_returning.add(sym.pyname)
            self.fn.returns_int = None
            self.lvl -= 1
            for _, py in numeric:
                del self.origin[py]
            self.fn.vars = [dict(scope_vars)]
        self.fn_body(node.body)
        self.lvl -= 1

    def params(self, pats) -> list:
        out = []
        for p in pats:
            if isinstance(p, A.PBind) and not self.is_path_pattern(p):
                py = self.fresh("v_")
                self.fn.vars[-1][p.name] = py
                out.append((py, None))
            else:
                out.append((self.fresh("p_"), p))
        return out

    def bind_params(self, params) -> None:
        for py, pat in params:
            if pat is not None:
                self.let_pattern(pat, py)

    def fn_body(self, body: A.Block) -> None:
        """Emit a function body; an ``if``/``match`` tail returns from each branch."""
        val = self.block(body, want=True, ret=True)
        if val is not None:
            self.emit(f"return {val}")

    def const_def(self, sym: Sym) -> None:
        node: A.ConstDef = sym.node
        self.at(node)
        self.fn = Fn(sym.extra)
        cache = self.fresh("kc_")
        self.emit(f"{cache} = NOVAL_")
        self.emit(f"def {sym.pyname}():")
        self.lvl += 1
        self.emit(f"global {cache}")
        self.emit(f"if {cache} is NOVAL_:")
        self.lvl += 1
        self.emit(f"{cache} = CONSTING_()")
        val = self.expr(node.value)
        self.emit(f"{cache} = {val}")
        self.lvl -= 1
        self.emit(f"elif {cache} is CONSTING_():\n    CYCLE_()")
        self.emit(f"return {cache}")
        self.lvl -= 1

    def body_fn(self, name: str, stmts) -> None:
        self.fn = Fn(self.items.root, depth=False)
        self.place = (self.path, self.first)
        self.emit(f"def {name}():")
        self.lvl += 1
        self.emit("global B_")
        tail = stmts[-1] if stmts and isinstance(stmts[-1], A.ExprStmt) else None
        body = A.Block(1, 1, tuple(stmts[:-1]) if tail else tuple(stmts), tail.expr if tail else None)
        val = self.block(body, want=True)
        self.emit(f"return {val}")
        self.lvl -= 1

    # ------------------------------------------------------------ variables
    def bind(self, name: str, node=None, is_int: bool = False, is_list: bool = False) -> str:
        """A fresh Python name for Rune ``name``; ``node`` (with ``is_int``) feeds int inference."""
        py = self.fresh("v_")
        self.fn.vars[-1][name] = py
        if node is not None:
            self.origin[py] = id(node)
            self.record(py, is_int, is_list)
        return py

    def record(self, py: str, is_int: bool, is_list: bool = False) -> None:
        """Note an assignment to ``py``; a value of another kind makes the variable untyped."""
        o = self.origin.get(py)
        if o is not None:
            if not is_int:
                self.nonint.add(o)
            if not is_list:
                self.nonlist.add(o)

    def list_typed(self, e) -> bool:
        """True when ``e`` certainly evaluates to a Vec (a Python list)."""
        if isinstance(e, A.VecLit):
            return True
        if isinstance(e, A.Path) and len(e.segments) == 1:
            py = self.lookup_var(e.segments[0])
            o = self.origin.get(py) if py is not None else None
            return o is not None and o not in self.nonlist
        return False

    def is_int_var(self, py: str) -> bool:
        o = self.origin.get(py)
        return o is not None and o not in self.nonint

    def int_typed(self, e) -> bool:
        """True when ``e`` certainly evaluates to an int (or raises)."""
        if isinstance(e, A.Lit):
            return e.kind == "int"
        if isinstance(e, A.Path):
            if len(e.segments) != 1:
                return False
            py = self.lookup_var(e.segments[0])
            return py is not None and self.is_int_var(py)
        if isinstance(e, A.Binary):
            return e.op in ARITH and self.int_typed(e.left) and self.int_typed(e.right)
        if isinstance(e, A.Unary):
            return self.int_typed(e.operand)
        if isinstance(e, A.Call) and isinstance(e.func, A.Path):
            return self.int_call(e)
        return False

    def int_call(self, e: A.Call) -> bool:
        """A call of a function whose int-specialised body returns only ints, with int args."""
        segs = e.func.segments
        if len(segs) == 1 and self.lookup_var(segs[0]) is not None:
            return False
        try:
            sym = self.resolve(segs, e.func)
        except ResolveError:
            return False
        if sym.kind != "fn" or sym.pyname in self.not_int_returning:
            return False
        positions = numeric_positions(sym.node)
        if not positions or len(e.args) != len(sym.node.params):
            return False
        return all(self.int_typed(e.args[i]) for i in positions)

    def note_return(self, e) -> None:
        """Record a return value of an int-specialised body (None: unit or unknown)."""
        track = self.fn.returns_int
        if track is not None and track[0] and (e is None or not self.int_typed(e)):
            track[0] = False

    def fixpoint(self, thunk) -> None:
        """Compile ``thunk`` until the int inference is stable (optimistic start)."""
        for _ in range(8):
            mark, lvl, fn = self.capture(), self.lvl, self.fn
            before = len(self.nonint) + len(self.nonlist)
            thunk()
            if len(self.nonint) + len(self.nonlist) == before:
                return
            self.take(mark)
            self.lvl, self.fn = lvl, fn
        thunk()

    def lookup_var(self, name: str):
        """The Python name of local ``name`` (capturing through closures), or None."""
        chain = []
        fn = self.fn
        while fn is not None:
            for scope in reversed(fn.vars):
                if name in scope:
                    py = scope[name]
                    for c in chain:
                        c.captures[py] = True
                    return py
            if not fn.is_closure:
                return None
            chain.append(fn)
            fn = fn.outer
        return None

    def resolve(self, path, node) -> Sym:
        return self.items.resolve(self.fn.scope, tuple(path), node)

    # ------------------------------------------------------------ blocks and statements
    def block(self, b: A.Block, want: bool = True, ret: bool = False):
        """Emit a block's statements; return its value expression (None: already returned)."""
        if b.label is not None:
            return self.labelled_block(b, want)
        fn = self.fn
        item_nodes = [s for s in b.stmts if isinstance(s, (A.FnDef, A.ConstDef, A.StructDef,
                                                            A.EnumDef, A.ImplDef, A.ModDef, A.UseDef))]
        saved_scope = fn.scope
        if item_nodes:
            inner = self.block_scopes.get(id(b))
            if inner is None:
                inner = self.block_scopes[id(b)] = Scope(fn.scope, is_module=False)
                known = len(self.items.errors)
                self.items.collect(item_nodes, inner)
                for e in self.items.errors[known:]:
                    raise CompileError(e.message, e.line + self.first - 1, e.col, self.path)
            fn.scope = inner
        fn.vars.append({})
        try:
            for s in b.stmts:
                self.stmt(s)
            if b.tail is None:
                if ret:
                    self.note_return(None)
                return "UNIT_"
            self.at(b.tail)
            if ret and not isinstance(b.tail, (A.If, A.Match, A.Block)):
                self.note_return(b.tail)
            if ret and isinstance(b.tail, (A.If, A.Match, A.Block)):
                if isinstance(b.tail, A.If):
                    self._if(b.tail, "return")
                elif isinstance(b.tail, A.Match):
                    self.x_Match(b.tail, result="return")
                else:
                    return self.block(b.tail, True, True)
                return None
            return self.expr(b.tail) if want else (self.effect(b.tail) or "UNIT_")
        finally:
            fn.vars.pop()
            fn.scope = saved_scope

    def stmt(self, s) -> None:
        if isinstance(s, A.Let):
            self.at(s)
            val = self.expr(s.value)
            pat = s.pattern
            if isinstance(pat, A.PBind) and not self.is_path_pattern(pat):
                py = self.bind(pat.name, pat, self.int_typed(s.value), self.list_typed(s.value))
                self.emit(f"{py} = {val}")
            elif isinstance(pat, A.PWild):
                if not _simple(val):
                    self.emit(val)
            else:
                t = self.fresh()
                self.emit(f"{t} = {val}")
                self.let_pattern(pat, t)
        elif isinstance(s, A.ExprStmt):
            self.at(s)
            self.effect(s.expr)
        elif isinstance(s, (A.FnDef, A.ConstDef, A.StructDef, A.EnumDef, A.ImplDef, A.ModDef,
                            A.UseDef)):
            pass  # hoisted by :meth:`block`
        else:
            raise self.error("unexpected statement", s)

    def effect(self, e) -> None:
        """Emit ``e`` for its side effects only."""
        if isinstance(e, (A.If, A.Match, A.Loop, A.While, A.For, A.Block)):
            self.expr(e, want=False)
            return None
        val = self.expr(e)
        if not _simple(val):
            self.emit(val)
        return None

    def let_pattern(self, pat, subject: str) -> None:
        cond = self.pattern(pat, subject)
        if cond != "True":
            self.emit(f"if not ({cond}): PATFAIL_({subject})")

    # ------------------------------------------------------------ expressions
    def expr(self, e, want: bool = True) -> str:
        """Emit the statements ``e`` needs and return a Python expression for its value."""
        method = getattr(self, "x_" + type(e).__name__)
        return method(e, want) if type(e).__name__ in _WANTS else method(e)

    def exprs(self, nodes) -> list[str]:
        """Compile sub-expressions preserving left-to-right order when some emit statements."""
        parts = []
        for n in nodes:
            mark = self.capture()
            val = self.expr(n)
            parts.append((self.take(mark), val))
        if all(not got for got, _ in parts[1:]):
            if parts:
                self.splice(parts[0][0])
            return [v for _, v in parts]
        last = max(i for i, (got, _) in enumerate(parts) if got)
        out = []
        for i, (got, val) in enumerate(parts):
            self.splice(got)
            if i < last and not _const(val):
                t = self.fresh()
                self.emit(f"{t} = {val}")
                val = t
            out.append(val)
        return out
