"""Methods of i64, f64 and bool, and the ``std::i64``/``std::f64``/``std::cmp`` natives."""

from __future__ import annotations

import math
import operator

from . import values as V
from .fmt import display
from .natives import opt, want_int

__all__ = ["TABLES", "FUNCTIONS", "CONSTANTS", "parse_int", "parse_float"]

MIN, MAX = V.I64_MIN, V.I64_MAX


def _fits(r: int):
    return r if MIN <= r <= MAX else None


def _ovf():
    raise V.RuneError("integer overflow")


def _checked(r):
    if r is None:
        _ovf()
    return r


def _tdiv(a: int, b: int):
    if b == 0:
        return None
    q = abs(a) // abs(b)
    return _fits(q if (a < 0) == (b < 0) else -q)


def _trem(a: int, b: int):
    if b == 0 or (a == MIN and b == -1):
        return None
    q = abs(a) // abs(b)
    return a - b * (q if (a < 0) == (b < 0) else -q)


def _pow(a: int, e: int):
    if type(e) is not int or e < 0 or e > 0xFFFFFFFF:
        raise V.RuneError(f"exponent must be a u32, found {display(e) if type(e) is int else V.type_name(e)}")
    if a in (0, 1):
        return a if e else 1
    if a == -1:
        return 1 if e % 2 == 0 else -1
    if e > 64:
        return None
    return _fits(a ** e)


def _wrap(r: int) -> int:
    r &= 0xFFFFFFFFFFFFFFFF
    return r - (1 << 64) if r > MAX else r


def _sat(r: int) -> int:
    return MAX if r > MAX else MIN if r < MIN else r


_EXACT = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}
_FINISH = {"checked": lambda r: opt(_fits(r)), "wrapping": _wrap, "saturating": _sat}


def _mode_method(mode: str, name: str):
    """``i64::{mode}_{name}``: the exact result, then checked/wrapped/saturated."""
    exact, finish, what = _EXACT[name], _FINISH[mode], f"{mode}_{name}"

    def method(a, b):
        return finish(exact(a, want_int(b, what)))
    return method


def _wrapping_pow(a, e):
    if type(e) is int and e >= 0:
        return _wrap(pow(a, e, 1 << 64))
    return _pow(a, e)  # raises: the exponent must be a u32


INT_ARITH = {
    **{f"{mode}_{name}": _mode_method(mode, name) for mode in _FINISH for name in _EXACT},
    "checked_div": lambda a, b: opt(_tdiv(a, want_int(b, "checked_div"))),
    "checked_rem": lambda a, b: opt(_trem(a, want_int(b, "checked_rem"))),
    "wrapping_div": lambda a, b: _wrap(_checked_div0(a, b, _tdiv_wrapping)),
    "wrapping_rem": lambda a, b: _checked_div0(a, b, lambda x, y: 0 if y == -1 else _trem(x, y)),
    "checked_pow": lambda a, e: opt(_pow(a, e)), "wrapping_pow": _wrapping_pow,
    "saturating_pow": lambda a, e: _sat_pow(a, e),
    "checked_neg": lambda a: opt(_fits(-a)), "wrapping_neg": lambda a: _wrap(-a),
    "checked_abs": lambda a: opt(_fits(abs(a))), "wrapping_abs": lambda a: _wrap(abs(a)),
    "saturating_abs": lambda a: _sat(abs(a)),
}


def _tdiv_wrapping(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _checked_div0(a, b, f):
    want_int(b, "division")
    if b == 0:
        raise V.RuneError("division by zero")
    return f(a, b)


def _sat_pow(a, e):
    r = _pow(a, e)
    if r is not None:
        return r
    return MIN if a < 0 and e % 2 == 1 else MAX


def _int_min(a, b):
    return min(a, want_int(b, "min"))


def _int_max(a, b):
    return max(a, want_int(b, "max"))


def _clamp(a, lo, hi):
    if type(lo) is not type(a) or type(hi) is not type(a):
        raise V.RuneError("clamp bounds must have the value's type")
    if lo > hi:
        raise V.RunePanic("assertion failed: min <= max")
    return lo if a < lo else hi if a > hi else a


def _ordering(c: int):
    return V.LESS if c < 0 else V.GREATER if c > 0 else V.EQUAL


def _cmp(a, b):
    from .ops import cmp
    return _ordering(cmp(a, b))


def _partial_cmp(a, b):
    if type(a) is float and type(b) is float and (a != a or b != b):
        return V.NONE
    return V.Some(_cmp(a, b))


def _eq(a, b):
    return V.equal(a, b)


def _to_string(v):
    return V.RString(display(v))


def _int_abs(a):
    return _checked(_fits(abs(a)))


def _int_pow(a, e):
    return _checked(_pow(a, e))


def _rem_euclid(a, b):
    want_int(b, "rem_euclid")
    if b == 0:
        raise V.RuneError("division by zero")
    return a % abs(b)


def _signum(a):
    return (a > 0) - (a < 0)


INT_METHODS = {
    "abs": _int_abs, "pow": _int_pow, "min": _int_min, "max": _int_max, "clamp": _clamp,
    "to_string": _to_string, "signum": _signum, "is_positive": lambda a: a > 0,
    "is_negative": lambda a: a < 0, "to_float": lambda a: float(a), "to_f64": lambda a: float(a),
    "rem_euclid": _rem_euclid, "cmp": _cmp, "partial_cmp": _partial_cmp, "eq": _eq,
    "ne": lambda a, b: not V.equal(a, b), "clone": lambda a: a,
    "count_ones": lambda a: bin(a & 0xFFFFFFFFFFFFFFFF).count("1"),
    "leading_zeros": lambda a: 64 - (a & 0xFFFFFFFFFFFFFFFF).bit_length(),
    "trailing_zeros": lambda a: 64 if a == 0 else ((a & -a).bit_length() - 1),
    **INT_ARITH,
}


def _float_args(name):
    def check(a, b):
        if type(b) is not float:
            raise V.RuneError(f"{name} expects an `f64`, found `{V.type_name(b)}`")
        return b
    return check


def _fmin(a, b):
    b = _float_args("min")(a, b)
    return b if a != a else a if b != b else min(a, b)


def _fmax(a, b):
    b = _float_args("max")(a, b)
    return b if a != a else a if b != b else max(a, b)


def _round(x: float) -> float:
    """Rust's round: half away from zero."""
    if not math.isfinite(x):
        return x
    r = math.floor(abs(x) + 0.5)
    return math.copysign(float(r), x)


def _to_integer(x: float) -> int:
    if x != x:
        return 0
    if math.isinf(x):
        return MAX if x > 0 else MIN
    return max(MIN, min(MAX, int(x)))


def _sqrt(x):
    return math.sqrt(x) if x >= 0 else float("nan")


def _ln(x):
    return math.log(x) if x > 0 else (float("-inf") if x == 0 else float("nan"))


def _powi(x, n):
    want_int(n, "powi")
    try:
        return math.pow(x, n)
    except OverflowError:
        return math.copysign(math.inf, x) if n % 2 else math.inf
    except ZeroDivisionError:
        return math.inf


def _powf(x, y):
    _float_args("powf")(x, y)
    try:
        return math.pow(x, y)
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError):
        return float("nan") if x < 0 else math.inf


FLOAT_METHODS = {
    "sqrt": _sqrt, "floor": lambda x: float(math.floor(x)) if math.isfinite(x) else x,
    "ceil": lambda x: float(math.ceil(x)) if math.isfinite(x) else x, "round": _round,
    "trunc": lambda x: float(math.trunc(x)) if math.isfinite(x) else x,
    "fract": lambda x: x - math.trunc(x) if math.isfinite(x) else float("nan"),
    "abs": abs, "powi": _powi, "powf": _powf, "min": _fmin, "max": _fmax, "clamp": _clamp,
    "to_string": _to_string, "is_nan": lambda x: x != x, "is_infinite": math.isinf,
    "is_finite": math.isfinite, "to_integer": _to_integer, "to_i64": _to_integer,
    "signum": lambda x: x if x != x else math.copysign(1.0, x),
    "exp": lambda x: _safe(math.exp, x), "ln": _ln, "log10": lambda x: _ln(x) / math.log(10),
    "log2": lambda x: _ln(x) / math.log(2), "sin": lambda x: _domain(math.sin, x),
    "cos": lambda x: _domain(math.cos, x), "tan": lambda x: _domain(math.tan, x),
    "atan": math.atan, "atan2": lambda y, x: math.atan2(y, _float_args("atan2")(y, x)),
    "hypot": lambda a, b: math.hypot(a, _float_args("hypot")(a, b)), "is_sign_negative": lambda x: math.copysign(1, x) < 0,
    "is_sign_positive": lambda x: math.copysign(1, x) > 0, "partial_cmp": _partial_cmp,
    "eq": _eq, "clone": lambda x: x, "to_degrees": math.degrees, "to_radians": math.radians,
    "acos": lambda x: math.acos(x) if -1 <= x <= 1 else math.nan,
    "asin": lambda x: math.asin(x) if -1 <= x <= 1 else math.nan,
    "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x), "exp2": lambda x: _safe(lambda y: 2.0 ** y, x),
    "log": lambda x, b: _ln(x) / _ln(_float_args("log")(x, b)),
    "rem_euclid": lambda a, b: _float_rem_euclid(a, _float_args("rem_euclid")(a, b)),
    "div_euclid": lambda a, b: _float_div_euclid(a, _float_args("div_euclid")(a, b)),
    "is_normal": lambda x: math.isfinite(x) and abs(x) >= 2.2250738585072014e-308,
    "is_subnormal": lambda x: x != 0 and abs(x) < 2.2250738585072014e-308,
    "to": lambda x, *g: _to_integer(x),
}


def _float_rem_euclid(a, b):
    if b == 0 or not math.isfinite(a) or b != b:
        return math.nan
    r = math.fmod(a, b)
    return r + abs(b) if r < 0 else r


def _float_div_euclid(a, b):
    if b == 0:
        return math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1.0, b)
    if not math.isfinite(a / b):
        return a / b
    q = float(math.trunc(a / b))
    if math.fmod(a, b) < 0:
        return q - 1 if b > 0 else q + 1
    return q


def _domain(f, x):
    try:
        return f(x)
    except ValueError:
        return math.nan


def _safe(f, x):
    try:
        return f(x)
    except OverflowError:
        return math.inf


BOOL_METHODS = {"to_string": _to_string, "clone": lambda b: b, "eq": _eq, "cmp": _cmp,
                "then_some": lambda b, v: V.Some(v) if b else V.NONE}


TABLES = {int: INT_METHODS, float: FLOAT_METHODS, bool: BOOL_METHODS}


# ---------------------------------------------------------------- parsing and natives

def parse_int(text: str):
    """``Ok(i64)`` or ``Err(message)`` like Rust's ``str::parse::<i64>``."""
    s = text
    body = s[1:] if s[:1] in "+-" else s
    if not body:
        return V.Err(V.RString("cannot parse integer from empty string" if not s
                               else "invalid digit found in string"))
    if not body.isascii() or not body.isdigit():
        return V.Err(V.RString("invalid digit found in string"))
    n = int(s)
    if n > MAX:
        return V.Err(V.RString("number too large to fit in target type"))
    if n < MIN:
        return V.Err(V.RString("number too small to fit in target type"))
    return V.Ok(n)


def parse_float(text: str):
    """``Ok(f64)`` or ``Err("invalid float literal")`` like Rust's parse."""
    s = text
    low = s.lower().lstrip("+-")
    if low in ("inf", "infinity", "nan") or (s and all(c in "0123456789.eE+-_" for c in s)
                                             and "_" not in s):
        try:
            return V.Ok(float(s))
        except ValueError:
            pass
    return V.Err(V.RString("invalid float literal"))


def _parse_str(v, kind):
    if type(v) is not V.RString:
        raise V.RuneError(f"parse expects a `String`, found `{V.type_name(v)}`")
    return parse_int(v.s) if kind == "i64" else parse_float(v.s)


def _generic_min(a, b):
    from .ops import cmp
    return b if cmp(b, a) < 0 else a


def _generic_max(a, b):
    from .ops import cmp
    return b if cmp(b, a) >= 0 else a


FUNCTIONS = {
    "i64::parse": lambda s: _parse_str(s, "i64"), "f64::parse": lambda s: _parse_str(s, "f64"),
    "i64::min": lambda a, b: _int_min(want_int(a, "min"), b),
    "i64::max": lambda a, b: _int_max(want_int(a, "max"), b),
    "i64::abs": lambda a: _int_abs(want_int(a, "abs")),
    "i64::pow": lambda a, e: _int_pow(want_int(a, "pow"), e),
    "cmp::min": _generic_min, "cmp::max": _generic_max,
    "f64::from_i64": lambda n: float(want_int(n, "from_i64")),
}

CONSTANTS = {
    "i64::MAX": MAX, "i64::MIN": MIN, "u8::MAX": 255, "u8::MIN": 0,
    "f64::NAN": math.nan, "f64::INFINITY": math.inf, "f64::NEG_INFINITY": -math.inf,
    "f64::EPSILON": 2.220446049250313e-16, "f64::MAX": 1.7976931348623157e308,
    "f64::MIN": -1.7976931348623157e308, "f64::MIN_POSITIVE": 2.2250738585072014e-308,
    "f64::consts::PI": math.pi, "f64::consts::E": math.e, "f64::consts::TAU": math.tau,
    "f64::consts::SQRT_2": math.sqrt(2), "f64::consts::LN_2": math.log(2),
    "f64::consts::LN_10": math.log(10), "f64::consts::FRAC_PI_2": math.pi / 2,
    "f64::consts::FRAC_PI_3": math.pi / 3, "f64::consts::FRAC_PI_4": math.pi / 4,
    "f64::consts::FRAC_PI_6": math.pi / 6, "f64::consts::FRAC_PI_8": math.pi / 8,
    "f64::consts::FRAC_1_PI": 1 / math.pi, "f64::consts::LOG2_E": math.log2(math.e),
    "f64::consts::LOG10_E": math.log10(math.e),
    "u64::MAX": MAX, "u64::MIN": 0, "usize::MAX": MAX,
    "cmp::Ordering::Less": V.LESS, "cmp::Ordering::Equal": V.EQUAL,
    "cmp::Ordering::Greater": V.GREATER, "cmp::Ordering": V.ORDERING,
}
