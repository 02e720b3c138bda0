"""Rune operators with Rune's semantics, called by generated code for anything not an int.

Integers are checked i64 (overflow and division by zero are errors, ``/`` and ``%`` truncate
toward zero); ints and floats never mix, ``==`` included. Error wording follows Rune's
``VmErrorKind`` messages, in lower case.
"""

from __future__ import annotations

import itertools

from . import values as V
from .fmt import debug, display
from .meter import current

__all__ = [
    "add", "add_assign", "sub", "mul", "div", "rem", "neg", "not_", "band", "bor", "bxor",
    "shl", "shr", "eq", "ne", "lt", "le", "gt", "ge", "cmp", "index_get", "index_set",
    "field_get", "field_set", "tuple_get", "tuple_set", "call", "call_method",
    "call_method_generic", "iterate", "is_type", "type_of", "type_named", "type_name", "cast",
    "display", "debug", "try_",
]

MIN, MAX = V.I64_MIN, V.I64_MAX
type_name = V.type_name
eq = V.equal


def _unsupported(op: str, a, b):
    raise V.RuneError(f"unsupported binary operation `{op}` on `{type_name(a)}` and "
                      f"`{type_name(b)}`")


def _ovf():
    raise V.RuneError("integer overflow")


def _i64(r: int) -> int:
    if MIN <= r <= MAX:
        return r
    _ovf()


# ---------------------------------------------------------------- arithmetic

def add(a, b):
    """``a + b``: checked ints, floats, String + String (a new String)."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _i64(a + b)
        if ta is float:
            return a + b
        if ta is V.RString:
            current().fresh(len(a.s) + len(b.s))
            return V.RString(a.s + b.s)
    _unsupported("+", a, b)


def add_assign(a, b):
    """``a += b``: like ``add`` but a String grows in place (seen through every alias)."""
    if type(a) is V.RString and type(b) is V.RString:
        current().alloc(len(b.s))
        a.s += b.s
        return a
    return add(a, b)


def sub(a, b):
    """``a - b``."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _i64(a - b)
        if ta is float:
            return a - b
    _unsupported("-", a, b)


def mul(a, b):
    """``a * b``."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _i64(a * b)
        if ta is float:
            return a * b
    _unsupported("*", a, b)


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def div(a, b):
    """``a / b``: ints truncate toward zero; division by zero is an error for ints."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0:
                raise V.RuneError("division by zero")
            return _i64(_trunc_div(a, b))
        if ta is float:
            if b == 0.0:
                if a != a or a == 0.0:
                    return float("nan")
                return float("inf") if (a > 0) == (str(b)[0] != "-") else float("-inf")
            return a / b
    _unsupported("/", a, b)


def rem(a, b):
    """``a % b``: the sign follows the dividend, as in Rust."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0:
                raise V.RuneError("division by zero")
            if a == MIN and b == -1:
                _ovf()
            return a - b * _trunc_div(a, b)
        if ta is float:
            if b == 0.0:
                return float("nan")
            import math
            return math.fmod(a, b)
    _unsupported("%", a, b)


def neg(a):
    """``-a``."""
    t = type(a)
    if t is int:
        return _i64(-a)
    if t is float:
        return -a
    raise V.RuneError(f"unsupported unary operation `-` on `{type_name(a)}`")


def not_(a):
    """``!a``: logical for bool, bitwise for int."""
    t = type(a)
    if t is bool:
        return not a
    if t is int:
        return ~a
    raise V.RuneError(f"unsupported unary operation `!` on `{type_name(a)}`")


def _bits(op: str, a, b, f):
    ta = type(a)
    if ta is type(b) and (ta is int or ta is bool):
        r = f(a, b)
        return bool(r) if ta is bool else r
    _unsupported(op, a, b)


def band(a, b):
    """``a & b`` on ints or bools."""
    return _bits("&", a, b, lambda x, y: x & y)


def bor(a, b):
    """``a | b`` on ints or bools."""
    return _bits("|", a, b, lambda x, y: x | y)


def bxor(a, b):
    """``a ^ b`` on ints or bools."""
    return _bits("^", a, b, lambda x, y: x ^ y)


def _wrap64(r: int) -> int:
    r &= 0xFFFFFFFFFFFFFFFF
    return r - (1 << 64) if r > MAX else r


def shl(a, b):
    """``a << b``: shift amount in 0..64 else overflow; bits shifted out are lost."""
    if type(a) is int and type(b) is int:
        if not 0 <= b < 64:
            _ovf()
        return _wrap64(a << b)
    _unsupported("<<", a, b)


def shr(a, b):
    """``a >> b``: arithmetic shift; amount in 0..64 else overflow."""
    if type(a) is int and type(b) is int:
        if not 0 <= b < 64:
            _ovf()
        return a >> b
    _unsupported(">>", a, b)


# ---------------------------------------------------------------- comparison

def ne(a, b) -> bool:
    """``a != b``."""
    return not V.equal(a, b)


_ORDERED_SCALARS = (int, float, bool)


def cmp(a, b) -> int:
    """Total order of two values of one type: -1, 0 or 1 (RuneError for mismatched types)."""
    ta, tb = type(a), type(b)
    if ta is not tb:
        if {ta, tb} <= {V.Some, type(V.NONE)}:
            return -1 if a is V.NONE else 1
        if {ta, tb} <= {V.Ok, V.Err}:
            return -1 if ta is V.Ok else 1
        _unsupported("cmp", a, b)
    if ta in _ORDERED_SCALARS:
        return (a > b) - (a < b)
    if ta is V.RString:
        return (a.s > b.s) - (a.s < b.s)
    if ta is V.Char:
        return (a.c > b.c) - (a.c < b.c)
    if ta is list or ta is V.Tuple or ta is V.VecDeque:
        for x, y in zip(a, b):
            c = cmp(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ta is V.Some or ta is V.Ok or ta is V.Err:
        return cmp(a.value, b.value)
    if a is V.NONE:
        return 0
    if ta is V.Bytes:
        return (a.b > b.b) - (a.b < b.b)
    if ta is V.Variant and a.enum is b.enum:
        ia, ib = a.enum.variants.index(a.name), b.enum.variants.index(b.name)
        if ia != ib:
            return (ia > ib) - (ia < ib)
        fa, fb = a.fields, b.fields
        return cmp(V.Tuple(fa.values() if isinstance(fa, dict) else fa),
                   V.Tuple(fb.values() if isinstance(fb, dict) else fb))
    _unsupported("cmp", a, b)


def _float_pair(a, b) -> bool:
    return type(a) is float and type(b) is float


def lt(a, b) -> bool:
    """``a < b``."""
    if _float_pair(a, b):
        return a < b
    return cmp(a, b) < 0


def le(a, b) -> bool:
    """``a <= b``."""
    if _float_pair(a, b):
        return a <= b
    return cmp(a, b) <= 0


def gt(a, b) -> bool:
    """``a > b``."""
    if _float_pair(a, b):
        return a > b
    return cmp(a, b) > 0


def ge(a, b) -> bool:
    """``a >= b``."""
    if _float_pair(a, b):
        return a >= b
    return cmp(a, b) >= 0


# ---------------------------------------------------------------- indexing and fields

def _oob(length: int, index) -> None:
    raise V.RuneError(f"index out of bounds: the length is {length} but the index is {index}")


def _slice_bounds(r: V.Range, length: int) -> tuple[int, int]:
    start = 0 if r.start is None else r.start
    end = length if r.end is None else r.end
    if type(start) is not int or type(end) is not int:
        raise V.RuneError("a slice range needs integer bounds")
    if r.inclusive and r.end is not None:
        end += 1
    if not 0 <= start <= end <= length:
        raise V.RuneError(f"range {debug(r)} out of bounds for length {length}")
    return start, end


def _key(obj, k) -> str:
    if type(k) is V.RString:
        return k.s
    if type(k) is str:
        return k
    raise V.RuneError(f"an `{type_name(obj)}` is indexed by String, not `{type_name(k)}`")


def index_get(obj, i):
    """``obj[i]`` for Vec, Tuple, VecDeque (int or range), Object, HashMap, String (range)."""
    t = type(obj)
    if t is list or t is V.Tuple or t is V.VecDeque:
        if type(i) is int:
            if 0 <= i < len(obj):
                return obj[i]
            _oob(len(obj), i)
        if type(i) is V.Range and t is not V.VecDeque:
            a, b = _slice_bounds(i, len(obj))
            return obj[a:b] if t is list else V.Tuple(obj[a:b])
    elif t is V.Object:
        k = _key(obj, i)
        if k in obj:
            return obj[k]
        raise V.RuneError(f"missing field `{k}` in object")
    elif t is V.HashMap:
        try:
            return obj[i]
        except KeyError:
            raise V.RuneError(f"missing key {debug(i)} in HashMap") from None
        except TypeError:
            raise V.RuneError(f"`{type_name(i)}` cannot be a HashMap key") from None
    elif t is V.RString and type(i) is V.Range:
        a, b = _slice_bounds(i, len(obj.s))
        return V.RString(obj.s[a:b])
    elif t is V.Bytes and type(i) is int:
        if 0 <= i < len(obj.b):
            return obj.b[i]
        _oob(len(obj.b), i)
    elif t is V.Bytes and type(i) is V.Range:
        a, b = _slice_bounds(i, len(obj.b))
        return V.Bytes(obj.b[a:b])
    raise V.RuneError(f"the index get operation `{type_name(obj)}[{type_name(i)}]` is not "
                      f"supported")


def index_set(obj, i, v) -> None:
    """``obj[i] = v``."""
    t = type(obj)
    if (t is list or t is V.Tuple or t is V.VecDeque) and type(i) is int:
        if 0 <= i < len(obj):
            obj[i] = v
            return
        _oob(len(obj), i)
    if t is V.Bytes and type(i) is int and type(v) is int:
        if not 0 <= i < len(obj.b):
            _oob(len(obj.b), i)
        if not 0 <= v <= 255:
            raise V.RuneError(f"{v} is not a byte")
        obj.b[i] = v
        return
    if t is V.Object:
        k = _key(obj, i)
        if k not in obj:
            current().alloc(len(k) + 2 * 8)
        obj[k] = v
        return
    if t is V.HashMap:
        try:
            if i not in obj:
                current().alloc(2 * 8)
            obj[i] = v
        except TypeError:
            raise V.RuneError(f"`{type_name(i)}` cannot be a HashMap key") from None
        return
    raise V.RuneError(f"the index set operation `{type_name(obj)}[{type_name(i)}] = "
                      f"{type_name(v)}` is not supported")


def field_get(obj, name: str):
    """``obj.name`` on an Object, a struct or a struct-like variant."""
    t = type(obj)
    if t is V.Object:
        try:
            return obj[name]
        except KeyError:
            pass
    elif t is V.Struct or t is V.Variant:
        f = obj.fields
        if isinstance(f, dict) and name in f:
            return f[name]
    elif t is V.Range and name in ("start", "end"):
        r = obj.start if name == "start" else obj.end
        if r is not None:
            return r
    raise V.RuneError(f"missing field `{name}` on `{type_name(obj)}`")


def field_set(obj, name: str, v) -> None:
    """``obj.name = v``; an Object gains the key when it lacks it."""
    t = type(obj)
    if t is V.Object:
        if name not in obj:
            current().alloc(len(name) + 2 * 8)
        obj[name] = v
        return
    if t is V.Struct or t is V.Variant:
        f = obj.fields
        if isinstance(f, dict) and name in f:
            f[name] = v
            return
    raise V.RuneError(f"missing field `{name}` to set on `{type_name(obj)}`")


def _positional(obj):
    t = type(obj)
    if t is V.Tuple or t is list:
        return obj
    if (t is V.Struct or t is V.Variant) and isinstance(obj.fields, list):
        return obj.fields
    return None


def tuple_get(obj, i: int):
    """``obj.0`` on tuples, Vecs, tuple structs/variants and Some/Ok/Err."""
    seq = _positional(obj)
    if seq is not None:
        if 0 <= i < len(seq):
            return seq[i]
        _oob(len(seq), i)
    if (type(obj) in (V.Some, V.Ok, V.Err)) and i == 0:
        return obj.value
    raise V.RuneError(f"the tuple index get {i} operation is not supported on "
                      f"`{type_name(obj)}`")


def tuple_set(obj, i: int, v) -> None:
    """``obj.0 = v``."""
    seq = _positional(obj)
    if seq is not None:
        if 0 <= i < len(seq):
            seq[i] = v
            return
        _oob(len(seq), i)
    if (type(obj) in (V.Some, V.Ok, V.Err)) and i == 0:
        obj.value = v
        return
    raise V.RuneError(f"the tuple index set operation is not supported on `{type_name(obj)}`")


# ---------------------------------------------------------------- calls

def call(f, args):
    """Call a function value, a tuple-struct type or a tuple variant with ``args``."""
    t = type(f)
    if t is V.Function:
        return f.fn(*args)
    if t is V.StructType:
        if f.kind == "tuple":
            if len(args) != len(f.fields):
                raise V.RuneError(f"wrong number of arguments {len(args)}, expected "
                                  f"{len(f.fields)}")
            return V.Struct(f, list(args))
    elif getattr(f, "kind", None) == "tuple" and type(getattr(f, "enum", None)) is V.EnumType:
        # a variant descriptor of the unit (enum, name, kind, fields), e.g. `Enum::Variant`
        if len(args) != len(f.fields):
            raise V.RuneError(f"wrong number of arguments {len(args)}, expected {len(f.fields)}")
        return V.Variant(f.enum, f.name, "tuple", list(args))
    raise V.RuneError(f"`{type_name(f)}` is not a function")


def call_method(obj, name: str, args: tuple):
    """``obj.name(*args)`` through the native method tables."""
    fn = methods.lookup(obj, name)
    if fn is None:
        raise V.RuneError(f"missing instance function `{name}` for `{type_name(obj)}`")
    r = fn(obj, *args)
    return V.UNIT if r is None else r


def call_method_generic(obj, name: str, args: tuple, generics: tuple):
    """``obj.name::<G>(*args)``: ``collect``/``sum``/``product``/``parse`` use ``generics``."""
    fn = methods.lookup_generic(obj, name)
    if fn is not None:
        r = fn(obj, generics, *args)
        return V.UNIT if r is None else r
    return call_method(obj, name, args)


# ---------------------------------------------------------------- iteration

def iterate(v):
    """A Python iterator over ``v`` for a ``for`` loop."""
    t = type(v)
    if t is list or t is V.Tuple or t is V.VecDeque or t is V.HashSet:
        return iter(v)
    if t is V.Range:
        return range_iter(v)
    if t is V.Iterator:
        return v
    if t is V.Object or t is V.HashMap:
        return (V.Tuple([V.RString(k) if type(k) is str else k, x]) for k, x in list(v.items()))
    if t is V.Some:
        return iter((v.value,))
    if v is V.NONE:
        return iter(())
    if t is V.Bytes:
        return iter(list(v.b))
    raise V.RuneError(f"`{type_name(v)}` is not iterable")


def range_iter(r: V.Range):
    """The values of an int or char range (open ends: ``a..`` counts forever)."""
    a, b = r.start, r.end
    if a is None:
        raise V.RuneError(f"`{r.shape()}` is not iterable")
    if type(a) is int:
        if b is None:
            return itertools.count(a)
        if type(b) is not int:
            _unsupported("..", a, b)
        return iter(range(a, b + 1 if r.inclusive else b))
    if type(a) is V.Char and type(b) is V.Char:
        end = ord(b.c) + (1 if r.inclusive else 0)
        return (V.Char(chr(c)) for c in range(ord(a.c), end) if not 0xD800 <= c < 0xE000)
    raise V.RuneError(f"a range of `{type_name(a)}` is not iterable")


# ---------------------------------------------------------------- types

_TYPE_ALIASES = {
    "u8": "i64", "u16": "i64", "u32": "i64", "u64": "i64", "usize": "i64", "i8": "i64",
    "i16": "i64", "i32": "i64", "isize": "i64", "Int": "i64", "f32": "f64", "Float": "f64",
    "Char": "char", "Bool": "bool", "Some": "Option", "None": "Option", "Ok": "Result",
    "Err": "Result", "Fn": "Function",
}


def type_named(name: str) -> V.Type:
    """The built-in type called ``name`` (a path's last segment; ``u8`` is ``i64``)."""
    last = name.split("::")[-1]
    return V.Type(_TYPE_ALIASES.get(last, last))


def type_of(v) -> V.Type:
    """The type of ``v`` as a value."""
    t = type(v)
    if t is V.Struct:
        return v.type
    if t is V.Variant:
        return v.enum
    return V.Type(type_name(v))


def is_type(v, t) -> bool:
    """``v is t`` for built-in types, struct types, enum types and enum variants."""
    tt = type(t)
    if tt is V.Type:
        if t.name in ("Range", "RangeInclusive", "RangeFrom", "RangeTo", "RangeToInclusive",
                      "RangeFull"):
            return type(v) is V.Range and v.shape() == t.name
        tv = type(v)
        if tv is V.Struct or tv is V.Variant:
            return False
        return type_name(v) == t.name
    if tt is V.StructType:
        return type(v) is V.Struct and v.type is t
    if tt is V.EnumType:
        return type(v) is V.Variant and v.enum is t
    enum = getattr(t, "enum", None)
    if type(enum) is V.EnumType:  # a variant descriptor
        return type(v) is V.Variant and v.enum is enum and v.name == t.name
    raise V.RuneError(f"`{debug(t)}` is not a type")


_INT_BITS = {"u8": (8, False), "u16": (16, False), "u32": (32, False), "i8": (8, True),
             "i16": (16, True), "i32": (32, True)}


def cast(v, type_name_: str):
    """``v as T`` for numeric types, char and bool."""
    target = type_name_.split("::")[-1]
    t = type(v)
    if target in _INT_BITS or _TYPE_ALIASES.get(target) == "i64" or target == "i64":
        if t is int or t is bool:
            n = int(v)
        elif t is float:
            if v != v:
                n = 0
            else:
                n = max(MIN, min(MAX, int(v))) if abs(v) != float("inf") else (
                    MAX if v > 0 else MIN)
        elif t is V.Char:
            n = ord(v.c)
        else:
            raise V.RuneError(f"cannot cast `{type_name(v)}` as `{target}`")
        bits = _INT_BITS.get(target)
        if bits is not None:
            width, signed = bits
            n &= (1 << width) - 1
            if signed and n >= 1 << (width - 1):
                n -= 1 << width
        elif target in ("u64", "usize") and n < 0:
            _ovf()
        return n
    if target in ("f64", "f32"):
        if t is int or t is float:
            return float(v)
        raise V.RuneError(f"cannot cast `{type_name(v)}` as `{target}`")
    if target == "char":
        if t is V.Char:
            return v
        if t is int and 0 <= v <= 255:
            return V.Char(chr(v))
        raise V.RuneError(f"cannot cast `{type_name(v)}` as `char`")
    if target == "bool" and t is bool:
        return v
    raise V.RuneError(f"cannot cast `{type_name(v)}` as `{target}`")


def try_(v):
    """The ``?`` operator: the inner value of Some/Ok, else raise EarlyReturn(None/Err)."""
    t = type(v)
    if t is V.Some or t is V.Ok:
        return v.value
    if t is V.Err or v is V.NONE:
        raise V.EarlyReturn(v)
    raise V.RuneError(f"`?` needs an Option or a Result, found `{type_name(v)}`")


from . import methods  # noqa: E402  (methods imports ops; bound late on purpose)
