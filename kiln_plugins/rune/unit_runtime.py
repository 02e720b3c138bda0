"""The runtime side of a unit: the names generated code may use, and value conversion.

:class:`Runtime` builds the namespace a program is executed in (empty ``__builtins__`` plus
these names only), binds native and host functions, user types and impl methods, and keeps
the instruction budget (slices of ticks, refilled with a wall-clock check) and the memory
meter of a run. :func:`to_rune` / :func:`from_rune` convert plain Python values both ways.
"""

from __future__ import annotations

import time
from itertools import chain, repeat

from ..errors import Diagnostic, LimitExceeded, PluginRuntimeError, RuneCompileError
from ..limits import Limits
from . import fmt, methods, ops, values
from .meter import WORD, Meter

__all__ = ["Runtime", "to_rune", "from_rune", "VariantInfo"]


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
        self.memory_bytes = self.limits.memory_mb * 1024 * 1024
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

        charge = self.charge

        def tickn(n):
            charge(n)
            return 0

        def chunk(start, stop):
            end = min(start + 1024, stop)
            charge(end - start)
            return range(start, end)

        def trange(start, stop):
            if stop - start <= 1024:
                charge(max(stop - start, 0))
                return range(start, stop)
            return chain.from_iterable(map(chunk, range(start, stop, 1024), repeat(stop)))

        def push(lst, x):
            m = rt.meter
            if m.allocated + WORD > rt.memory_bytes:
                m.alloc(WORD)  # raises LimitExceeded("memory_mb")
            m.allocated += WORD
            lst.append(x)
            return V.UNIT

        def push_str(r, other):
            # Appending through a local keeps CPython's in-place growth (no quadratic copy).
            m, n = rt.meter, len(other.s)
            if m.allocated + n > rt.memory_bytes:
                m.alloc(n, len(r.s) + n)  # a string past the limit on its own trips at once
            m.allocated += n
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
            "IDXERR_": IndexError, "CM_": cm, "CMG_": cmg, "PUSH_": push, "TICKN_": tickn, "TRANGE_": trange, "PUSHSTR_": push_str, "CALL_": call, "FN_": fn_,
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
