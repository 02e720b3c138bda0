"""``RuneUnit``: compile Rune chunks once, then call functions, run tests and evaluate.

The same interface as the Lua runtime's ``LuaUnit``. Generated code runs with empty
``__builtins__`` and only the names of :func:`glue.runtime_names`; every runtime error, panic
and limit is mapped to the note line of the generated line that raised it.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from typing import Callable, Mapping, Sequence

from ..errors import (Diagnostic, KilnError, LimitExceeded, PluginRuntimeError,
                      RuneCompileError, TestFailure)
from ..limits import Limits
from ..model import CodeChunk
from . import codegen, parser
from . import fmt, methods, ops, values
from .meter import WORD, Meter

__all__ = ["RuneUnit", "compile_chunks"]

_UNIT_IDS = iter(range(1, 1 << 62))
_FRAME_MARGIN = 6  # frames between _run and the first generated frame, plus slack


def _frame_depth() -> int:
    """Number of Python frames on the current stack."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def compile_chunks(chunks: Sequence[CodeChunk], host_modules=()) -> codegen.Program:
    """Parse and generate ``chunks``; raises RuneCompileError listing every error."""
    files, diags = [], []
    for ch in chunks:
        tree, errors = parser.parse(ch.source)
        for e in errors:
            diags.append(Diagnostic(ch.path, e.line + ch.first_line - 1, e.message, e.col))
        if tree is not None:
            files.append((tree, ch.path, ch.first_line, ch.source))
    if not diags:
        try:
            return codegen.generate(files, host_modules)
        except codegen.CompileErrors as many:
            for e in many.errors:
                diags.append(Diagnostic(e.path or (chunks[0].path if chunks else ""), e.line,
                                        e.message, e.col))
    first = diags[0]
    raise RuneCompileError(first.message, diagnostics=tuple(diags), path=first.path,
                           line=first.line, col=first.col)


class RuneUnit:
    """A compiled set of Rune chunks with its host bindings and limits."""

    def __init__(self, chunks: Sequence[CodeChunk], host: Mapping[str, Mapping[str, Callable]],
                 limits: Limits, *, plugin: str, on_log=None, on_hard_timeout=None):
        self.chunks = list(chunks)
        self.limits = limits
        self.plugin = plugin
        self.on_log = on_log
        self.on_hard_timeout = on_hard_timeout
        self.host = {m: dict(fns) for m, fns in (host or {}).items()}
        self.output_bytes = 0
        self.program = compile_chunks(self.chunks, tuple(self.host))
        self.filename = f"<rune-unit-{next(_UNIT_IDS)}>"
        code = compile(self.program.source, self.filename, "exec")
        self.runtime = Runtime(self.program, self.host, limits, plugin, self._log)
        self.globals = self.runtime.namespace()
        exec(code, self.globals)  # defines functions only; nothing runs yet

    # ------------------------------------------------------------ public API
    def functions(self) -> set[str]:
        """Names of the public top-level functions."""
        return set(self.program.pub_fns)

    def call(self, name: str, args: dict):
        """Call public fn ``name`` with ``args`` (a dict: by parameter order) -> plain value."""
        entry = self.program.pub_fns.get(name)
        if entry is None:
            raise PluginRuntimeError(f"no public function `{name}`", path=self._path())
        pyname, nparams = entry
        if nparams > 1:
            raise PluginRuntimeError(f"tool function `{name}` must take one parameter (args)",
                                     path=self._path())
        argv = [to_rune(dict(args or {}))] if nparams == 1 else []
        result = self._run(self.globals[pyname], argv)
        return self._plain(result)

    def eval(self, chunk: CodeChunk):
        """Compile ``chunk`` together with this unit's code and run its statements."""
        unit = RuneUnit(self.chunks + [chunk], self.host, self.limits, plugin=self.plugin,
                        on_log=self.on_log, on_hard_timeout=self.on_hard_timeout)
        idx = len(unit.chunks) - 1
        body = unit.program.chunk_bodies.get(idx)
        if body is None:
            return None
        return unit._plain(unit._run(unit.globals[body], []))

    def test_functions(self, chunk: CodeChunk) -> list[tuple[str, bool, int]]:
        """``(name, should_panic, line)`` of every ``#[test]`` fn defined in ``chunk``."""
        unit, idx = self._unit_for(chunk)
        return [(n, sp, line) for i, n, _, sp, line in unit.program.tests if i == idx]

    def run_test(self, chunk: CodeChunk) -> None:
        """Run a test fence's statements after the code; raises TestFailure naming note:line."""
        unit, idx = self._unit_for(chunk)
        body = unit.program.chunk_bodies.get(idx)
        if body is not None:
            unit._check(chunk.name or "test", unit.globals[body], False, chunk)
        for i, name, pyname, should_panic, _ in unit.program.tests:
            if i == idx:
                unit._check(name, unit.globals[pyname], should_panic, chunk)

    def run_test_function(self, chunk: CodeChunk, name: str, *, should_panic: bool = False) -> None:
        """Run ``#[test]`` fn ``name`` of ``chunk``; raises TestFailure when it fails."""
        unit, idx = self._unit_for(chunk)
        for i, tname, pyname, _, _ in unit.program.tests:
            if i == idx and tname == name:
                unit._check(name, unit.globals[pyname], should_panic, chunk)
                return
        raise TestFailure(f"no test function `{name}`", path=chunk.path, line=chunk.first_line)

    def run_tests(self) -> list[tuple[str, bool, str]]:
        """Run every ``#[test]`` fn of the unit; ``(name, ok, message)`` each."""
        return [self._outcome(name, self.globals[py], sp)
                for _, name, py, sp, _ in self.program.tests]

    def run_main(self):
        """Call ``main`` (pub or not) and return its plain result."""
        for sym_name, py in self._all_fns().items():
            if sym_name == "main":
                return self._plain(self._run(self.globals[py], []))
        raise PluginRuntimeError("no `main` function", path=self._path())

    # ------------------------------------------------------------ internals
    def _all_fns(self) -> dict:
        return {rn: py for py, rn in self.program.fn_names.items()}

    def _unit_for(self, chunk: CodeChunk):
        """This unit when it holds ``chunk``, else one compiled with ``chunk`` appended."""
        if chunk in self.chunks:
            return self, self.chunks.index(chunk)
        unit = RuneUnit(self.chunks + [chunk], self.host, self.limits, plugin=self.plugin,
                        on_log=self.on_log, on_hard_timeout=self.on_hard_timeout)
        return unit, len(unit.chunks) - 1

    def _check(self, name: str, fn, should_panic: bool, chunk: CodeChunk) -> None:
        _, ok, message = self._outcome(name, fn, should_panic)
        if not ok:
            err = self._last_error
            if err is not None and err.path:
                raise TestFailure(f"{name}: {err.message}", path=err.path, line=err.line)
            raise TestFailure(f"{name}: {message}", path=chunk.path, line=self._test_line(name, chunk))

    def _test_line(self, name: str, chunk: CodeChunk) -> int:
        for _, tname, _, _, line in self.program.tests:
            if tname == name:
                return line
        return chunk.first_line

    def _path(self) -> str:
        return self.chunks[0].path if self.chunks else ""

    def _log(self, line: str) -> None:
        self.output_bytes += len(line.encode("utf-8", "replace")) + 1
        if self.output_bytes > self.limits.output_kb * 1024:
            raise LimitExceeded("output_kb", self.limits.output_kb, plugin=self.plugin)
        if self.on_log is not None:
            self.on_log("info", line)

    _last_error = None

    def _outcome(self, name: str, fn, should_panic: bool) -> tuple[str, bool, str]:
        self._last_error = None
        try:
            result = self._run(fn, [])
        except LimitExceeded as e:
            self._last_error = e
            return name, False, str(e)
        except PluginRuntimeError as e:
            if should_panic:
                return name, True, ""
            self._last_error = e
            return name, False, str(e)
        if should_panic:
            return name, False, "test did not panic"
        failed = self.runtime.test_failure(result)
        if failed:
            return name, False, failed
        return name, True, ""

    def _plain(self, value):
        try:
            return from_rune(value)
        except KilnError:
            raise
        except Exception as e:  # a value that cannot leave Rune
            raise PluginRuntimeError(str(e), path=self._path()) from None

    def _run(self, fn, args):
        """Run ``fn(*args)`` under the limits, mapping errors to note places."""
        rt = self.runtime
        rt.start()
        old_limit = sys.getrecursionlimit()
        # Each Rune call is one Python frame (a few through methods), so the frame limit
        # bounds the call depth; RecursionError becomes LimitExceeded("call_depth").
        sys.setrecursionlimit(_frame_depth() + self.limits.call_depth + _FRAME_MARGIN)
        done = threading.Event()
        watchdog = None
        if self.on_hard_timeout is not None:
            watchdog = threading.Thread(target=self._watch, args=(done,), daemon=True)
            watchdog.start()
        try:
            return fn(*args)
        except KilnError as e:
            self._place(e, e.__traceback__)
            raise
        except RecursionError as e:
            raise LimitExceeded("call_depth", self.limits.call_depth, plugin=self.plugin,
                                **self._where(e.__traceback__)) from None
        except MemoryError as e:
            raise LimitExceeded("memory_mb", self.limits.memory_mb, plugin=self.plugin,
                                **self._where(e.__traceback__)) from None
        except Exception as e:
            message = rt.message_of(e)
            raise PluginRuntimeError(message, **self._where(e.__traceback__)) from None
        finally:
            done.set()
            rt.stop()
            sys.setrecursionlimit(old_limit)

    def _watch(self, done: threading.Event) -> None:
        if not done.wait(self.limits.timeout_ms / 1000 + 1.0):
            self.on_hard_timeout(LimitExceeded("timeout_ms", self.limits.timeout_ms,
                                               plugin=self.plugin))

    def _where(self, tb) -> dict:
        line = None
        for frame, lineno in traceback.walk_tb(tb):
            if frame.f_code.co_filename == self.filename:
                line = lineno
        if line is None or line > len(self.program.linemap):
            return {"path": self._path()}
        path, note_line = self.program.linemap[line - 1]
        return {"path": path or self._path(), "line": note_line}

    def _place(self, e: KilnError, tb) -> None:
        if e.path is None or e.line == 0:
            where = self._where(tb)
            if e.path is None:
                e.path = where.get("path")
            if not e.line:
                e.line = where.get("line", 0)



# ---------------------------------------------------------------- runtime glue

class Jump(Exception):
    """A labelled ``break``/``continue`` crossing loops (never visible to Rune code)."""

    def __init__(self, ident: int, value):
        super().__init__(ident)
        self.ident, self.value = ident, value


class Break(Jump):
    """``break 'label value`` to an outer loop or labelled block."""


class Continue(Jump):
    """``continue 'label`` to an outer loop."""


class _Const:
    """Sentinel markers for lazily evaluated consts."""

    def __repr__(self) -> str:
        return "<const>"


NOVAL, CONSTING = _Const(), _Const()
SLICE = 10_000  # ticks between wall-clock checks


def to_rune(v):
    """A plain Python value (JSON-like) as a Rune value."""
    if v is None:
        return values.UNIT
    if type(v) is int:
        if not values.I64_MIN <= v <= values.I64_MAX:
            raise PluginRuntimeError(f"integer {v} does not fit in i64")
        return v
    if isinstance(v, bool) or type(v) is float:
        return v
    if isinstance(v, str):
        return values.RString(v)
    if isinstance(v, dict):
        return values.Object((str(k), to_rune(x)) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return [to_rune(x) for x in v]
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    raise PluginRuntimeError(f"cannot pass a {type(v).__name__} to Rune")


def from_rune(v, depth: int = 0):
    """A Rune value as a plain Python value (dict, list, str, int, float, bool, None)."""
    if depth > 200:
        raise PluginRuntimeError("value nested too deeply to convert")
    return _plain(v, depth)


def _plain(v, depth):
    t = type(v)
    if t is bool or t is int or t is float:
        return v
    if t is values.RString:
        return v.s
    if t is values.Char:
        return str(v)
    if t is list or t is values.VecDeque:
        return [_plain(x, depth + 1) for x in v]
    if t is values.Tuple:
        return None if len(v) == 0 else [_plain(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {k if type(k) is str else str(_plain(k, depth + 1)): _plain(x, depth + 1)
                for k, x in v.items()}
    if v is values.NONE:
        return None
    if t is values.Some or t is values.Ok:
        return _plain(v.value, depth + 1)
    if t is values.Err:
        raise PluginRuntimeError(f"error: {ops.display(v.value)}")
    if t is values.Struct:
        return {k: _plain(x, depth + 1) for k, x in _fields_dict(v).items()}
    if t is values.HashSet:
        return [_plain(x, depth + 1) for x in v]
    if t is values.Bytes:
        return list(bytes(v))
    return ops.display(v)


def _fields_dict(v) -> dict:
    f = v.fields
    if isinstance(f, dict):
        return dict(f)
    return {str(i): x for i, x in enumerate(f)}


class Runtime:
    """The names generated code may use, bound to one unit's program, host and limits."""

    def __init__(self, program, host, limits: Limits, plugin: str, log):
        self.program = program
        self.host = host
        self.limits = limits
        self.plugin = plugin
        self.log = log
        self.g: dict = {}
        self.used = 0
        self.granted = 0
        self.deadline = 0.0
        self.meter = None
        self.user_methods: dict = {}

    # ------------------------------------------------------------ limits
    def start(self) -> None:
        self.used = 0
        self.deadline = time.monotonic() + self.limits.timeout_ms / 1000
        self.granted = min(SLICE, self.limits.instructions)
        self.g["B_"] = self.granted
        self.meter = Meter(self.limits, self.plugin)
        self.meter.charge = self.charge  # native ticks spend the same budget
        self.meter_token = self.meter.activate()

    def stop(self) -> None:
        self.meter.deactivate(self.meter_token)

    def charge(self, n: int) -> None:
        """Spend ``n`` ticks on behalf of a native method."""
        g = self.g
        g["B_"] -= n
        while g["B_"] < 0:
            self.refill()

    def refill(self) -> None:
        """The current slice is spent: account it, check budget and clock, grant another."""
        self.used += self.granted - self.g["B_"]
        if self.used >= self.limits.instructions:
            self.g["B_"] = self.granted = 0
            raise LimitExceeded("instructions", self.limits.instructions, plugin=self.plugin)
        if time.monotonic() > self.deadline:
            self.g["B_"] = self.granted = 0
            raise LimitExceeded("timeout_ms", self.limits.timeout_ms, plugin=self.plugin)
        self.granted = min(SLICE, self.limits.instructions - self.used)
        self.g["B_"] = self.granted

    # ------------------------------------------------------------ messages
    def message_of(self, e: BaseException) -> str:
        if isinstance(e, (values.RunePanic, values.RuneError)):
            return str(e)
        if isinstance(e, TypeError) and "positional argument" in str(e):
            return "wrong number of arguments in call"
        if isinstance(e, Jump):
            return "break or continue outside of its loop"
        return f"internal error: {type(e).__name__}: {e}"

    def test_failure(self, result) -> str:
        if result is values.NONE:
            return "test returned None"
        if type(result) is values.Err:
            return f"test returned Err({ops.debug(result.value)})"
        return ""

    # ------------------------------------------------------------ namespace
    def namespace(self) -> dict:
        p = self.program
        g = self.g
        g["__builtins__"] = {}
        g.update(self.base_names())
        for name, value in p.consts.items():
            g[name] = self.constant(value)
        types = {}
        for py, sym in p.types:
            node = sym.node
            if sym.kind == "struct":
                types[py] = values.StructType(node.name, node.kind, tuple(node.fields))
            else:
                types[py] = values.EnumType(node.name, tuple(v[0] for v in node.variants))
            g[py] = types[py]
        for py, enum_py, name, kind, fields in p.variants:
            g[py] = VariantInfo(types[enum_py], name, kind, tuple(fields))
        for tname, mname, fpy in p.methods:
            key = types.get(tname, tname)
            self.user_methods[(id(key) if not isinstance(key, str) else key, mname)] = fpy
        self.unknown = []
        for py, (path, place, as_value) in p.natives.items():
            g[py] = self.native(path, place, as_value)
        if self.unknown:
            first = self.unknown[0]
            raise RuneCompileError(first.message, diagnostics=tuple(self.unknown),
                                   path=first.path, line=first.line, col=first.col)
        for py, (mod, fname) in p.hosts.items():
            g[py] = self.host_fn(mod, fname)
        return g

    def constant(self, value):
        if isinstance(value, tuple):
            kind, v = value
            if kind == "char":
                return values.Char(v)
            if kind == "fname":
                return v
            if kind == "type":
                return v
            if kind == "generics":
                return v
        return value

    def native(self, path: str, place, as_value: bool):
        consts = getattr(methods, "NATIVE_CONSTANTS", {})
        table = methods.NATIVE_FUNCTIONS
        for key in _native_keys(path):
            if key in consts:
                return consts[key]
            if key in table:
                fn = table[key]
                return values.Function(key, fn) if as_value else fn
        where, line, col = place
        self.unknown.append(Diagnostic(where, line, f"cannot find `{path}` in this scope", col))
        return None

    def host_fn(self, mod: str, fname: str):
        fn = self.host.get(mod, {}).get(fname)
        qual = f"{mod.replace('.', '::')}::{fname}"
        if fn is None:
            def missing(*args):
                raise PluginRuntimeError(f"unknown host function `{qual}`")
            return missing

        def call(*args):
            return to_rune(fn(*[from_rune(a) for a in args]))
        return call

    def base_names(self) -> dict:
        rt = self
        V = values

        def refill():
            rt.refill()

        def ovf():
            raise V.RuneError("integer overflow")

        def nb(v):
            raise V.RuneError(f"expected `bool`, found `{V.type_name(v)}`")

        def panic(msg):
            raise V.RunePanic(msg if isinstance(msg, str) else ops.display(msg))

        def patfail(v):
            raise V.RuneError(f"pattern did not match value {ops.debug(v)}")

        def cat(*parts):
            return V.RString("".join(parts))

        def fn_(name, f):
            return V.Function(name, f)

        def call(f, args):
            if type(f) is V.Function:
                return f.fn(*args)
            return ops.call(f, args)

        user = self.user_methods
        lookup = methods.lookup

        def cm(obj, name, args):
            t = type(obj)
            if t is V.Struct:
                fpy = user.get((id(obj.type), name))
                if fpy is not None:
                    return rt.g[fpy](obj, *args)
            elif t is V.Variant:
                fpy = user.get((id(obj.enum), name))
                if fpy is not None:
                    return rt.g[fpy](obj, *args)
            fn = lookup(obj, name)
            if fn is None:
                return ops.call_method(obj, name, args)  # raises the missing-method error
            return fn(obj, *args)

        def push(lst, x):
            rt.meter.alloc(WORD)
            lst.append(x)
            return V.UNIT

        def push_str(r, other):
            # Appending through a local keeps CPython's in-place growth (no quadratic copy).
            rt.meter.alloc(len(other.s))
            text = r.s
            r.s = ""
            text += other.s
            r.s = text
            return V.UNIT

        def cmg(obj, name, args, generics):
            t = type(obj)
            if t is V.Struct or t is V.Variant:
                return cm(obj, name, args)
            return ops.call_method_generic(obj, name, args, generics)

        def print_(s):
            rt.log(s)

        def asserteq(a, b, msg):
            if not ops.eq(a, b):
                extra = f": {msg}" if msg else ""
                raise V.RunePanic(f"assertion failed (left == right){extra}\n  left: {ops.debug(a)}\n right: {ops.debug(b)}"
                                  .split("\n")[0] + f" left: {ops.debug(a)}, right: {ops.debug(b)}")

        def assertne(a, b, msg):
            if ops.eq(a, b):
                extra = f": {msg}" if msg else ""
                raise V.RunePanic(f"assertion failed (left != right){extra} left: {ops.debug(a)}, right: {ops.debug(b)}")

        def trystop(v):
            t = type(v)
            if t is V.Err or v is V.NONE:
                return True
            if t is V.Ok or t is V.Some:
                return False
            raise V.RuneError(f"`?` needs Option or Result, found {ops.debug(v)}")

        def tryval(v):
            return v.value

        def const_cycle():
            raise V.RuneError("constant depends on itself")

        return {
            "ADD_": ops.add, "SUB_": ops.sub, "MUL_": ops.mul, "DIV_": ops.div, "REM_": ops.rem,
            "BAND_": ops.band, "BOR_": ops.bor, "BXOR_": ops.bxor, "SHL_": ops.shl,
            "SHR_": ops.shr, "NEG_": ops.neg, "NOT_": ops.not_,
            "EQ_": ops.eq, "NE_": ops.ne, "LT_": ops.lt, "LE_": ops.le, "GT_": ops.gt,
            "GE_": ops.ge, "OVF_": ovf, "NB_": nb,
            "FGET_": ops.field_get, "FSET_": ops.field_set, "TGET_": ops.tuple_get,
            "TSET_": ops.tuple_set, "IGET_": ops.index_get, "ISET_": ops.index_set,
            "CM_": cm, "CMG_": cmg, "PUSH_": push, "PUSHSTR_": push_str, "CALL_": call, "FN_": fn_,
            "ITER_": ops.iterate, "IS_": ops.is_type, "TYPE_": ops.type_named,
            "AS_": ops.cast, "ADDA_": ops.add_assign, "DISP_": ops.display, "CAT_": cat,
            "RS_": V.RString, "BY_": V.Bytes, "TUP_": V.Tuple, "VEC_": _vec, "OBJ_": V.Object,
            "RANGE_": V.Range, "UNIT_": V.UNIT, "NONE_": V.NONE,
            "NEWU_": _new_unit, "NEWT_": _construct, "NEWN_": _construct,
            "NEWVT_": _construct, "NEWVN_": _construct, "VUNIT_": _variant_unit,
            "VCTOR_": _variant_ctor,
            "PATFAIL_": patfail, "SEQP_": _seqp, "OBJP_": _objp, "FIELDSP_": _fieldsp,
            "WRAPP_": _wrapp, "NATP_": _natp, "NATTP_": _nattp, "STREQ_": _streq,
            "TRYSTOP_": trystop, "TRYOUT_": lambda v: v, "TRYVAL_": tryval,
            "BRK_": Break, "CONT_": Continue, "JUMPID_": lambda x: x.ident,
            "JUMPVAL_": lambda x: x.value,
            "PRINT_": print_, "PRINTN_": print_, "FMT_": fmt.format_args, "PANIC_": panic,
            "ASSERTEQ_": asserteq, "ASSERTNE_": assertne,
            "REFILL_": refill,
            "NOVAL_": NOVAL, "CONSTING_": lambda: CONSTING, "CYCLE_": const_cycle,
            "B_": 0, "type": type, "int": int, "float": float, "bool": bool,
            "len": len, "range": range, "list": list, "str": str,
        }


class VariantInfo:
    """An enum variant as the generated code sees it (constructor and pattern key)."""

    __slots__ = ("enum", "name", "kind", "fields", "unit")

    def __init__(self, enum, name: str, kind: str, fields: tuple):
        self.enum, self.name, self.kind, self.fields = enum, name, kind, fields
        self.unit = values.Variant(enum, name, "unit", ()) if kind == "unit" else None


def _vec(items: list) -> list:
    return items


def _new_unit(t):
    return values.Struct(t, ())


def _construct(t, fields):
    if type(t) is VariantInfo:
        if isinstance(fields, dict):
            fields = {k: fields[k] for k in t.fields}
        return values.Variant(t.enum, t.name, t.kind, fields)
    if isinstance(fields, dict):
        fields = {k: fields[k] for k in t.fields}
    return values.Struct(t, fields)


def _variant_unit(info: VariantInfo):
    return info.unit


def _variant_ctor(info: VariantInfo):
    return values.Function(info.name, lambda *args: _construct(info, list(args)))


def _seqp(v, kind: str, n: int, rest: bool):
    t = type(v)
    if kind == "tuple" and t is not values.Tuple:
        return None
    if kind == "vec" and t is not list:
        return None
    if len(v) < n or (not rest and len(v) != n):
        return None
    return v


def _objp(v, keys: tuple, rest: bool):
    if type(v) is not values.Object:
        return None
    for k in keys:
        if k not in v:
            return None
    if not rest and len(v) != len(keys):
        return None
    return v


def _fieldsp(v, t):
    tv = type(v)
    if type(t) is VariantInfo:
        if tv is values.Variant and v.enum is t.enum and v.name == t.name:
            return v.fields
        return None
    if tv is values.Struct and v.type is t:
        return v.fields
    return None


def _wrapp(v, kind: str):
    t = type(v)
    if (kind == "Some" and t is values.Some) or (kind == "Ok" and t is values.Ok) or \
            (kind == "Err" and t is values.Err):
        return (v.value,)
    return None


_RANGE_SHAPES = {  # name -> (has start, has end, inclusive or None for either)
    "Range": (True, True, False), "RangeInclusive": (True, True, True),
    "RangeFrom": (True, False, None), "RangeTo": (False, True, False),
    "RangeToInclusive": (False, True, True), "RangeFull": (False, False, None),
}


def _natp(v, type_name: str, keys):
    """Fields of a built-in value matched by a named pattern (``RangeFrom { start }``)."""
    shape = _RANGE_SHAPES.get(type_name.split("::")[-1])
    if shape is None or type(v) is not values.Range:
        return None
    has_start, has_end, inclusive = shape
    if (v.start is not None) != has_start or (v.end is not None) != has_end:
        return None
    if inclusive is not None and bool(v.inclusive) != inclusive:
        return None
    fields = {}
    if has_start:
        fields["start"] = v.start
    if has_end:
        fields["end"] = v.end
    return fields


def _nattp(v, type_name: str):
    """Positional fields of a built-in value matched by a tuple/unit pattern, or None."""
    fields = _natp(v, type_name, ())
    return None if fields is None else tuple(fields.values())


def _streq(v, s: str) -> bool:
    return type(v) is values.RString and v.s == s


def _native_keys(path: str):
    yield path
    segs = path.split("::")
    if segs[0] == "std" and len(segs) > 2:
        yield "::".join(segs[-2:])
        yield "::".join(segs[1:])
    if len(segs) >= 2:
        yield "std::" + path
        if segs[-2] in ("Option", "Result"):
            yield segs[-1]
