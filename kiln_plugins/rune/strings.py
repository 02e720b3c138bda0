"""Methods of String and Bytes. Positions and lengths are in UTF-8 bytes, as in Rust."""

from __future__ import annotations

from . import values as V
from .fmt import display
from .meter import current
from .natives import callback, metered, text_of, want_char, want_int, want_str
from .scalars import parse_float, parse_int

__all__ = ["TABLES", "GENERIC", "FUNCTIONS", "byte_len", "char_index", "append_text"]


def byte_len(s: str) -> int:
    """Length of ``s`` in UTF-8 bytes."""
    return len(s) if s.isascii() else len(s.encode("utf-8"))


def char_index(s: str, byte: int, what: str) -> int:
    """The code-point index of byte offset ``byte`` (RuneError unless on a char boundary)."""
    if s.isascii():
        if 0 <= byte <= len(s):
            return byte
    else:
        b = s.encode("utf-8")
        if 0 <= byte <= len(b) and (byte == len(b) or (b[byte] & 0xC0) != 0x80):
            return len(b[:byte].decode("utf-8"))
    raise V.RuneError(f"{what}: byte index {byte} is not a char boundary of a string of "
                      f"length {byte_len(s)}")


def _byte_pos(s: str, i: int) -> int:
    return i if s.isascii() else byte_len(s[:i])


def _new(s: str) -> V.RString:
    current().fresh(len(s))
    return V.RString(s)


def append_text(r: V.RString, t: str) -> None:
    """Grow ``r`` by ``t`` in place, charging the meter.

    Appending through a local lets CPython grow the only reference in place; ``r.s += t``
    would copy the whole string every time (quadratic).
    """
    current().alloc(len(t), len(r.s) + len(t))
    text = r.s
    r.s = ""
    text += t
    r.s = text


def _push(r: V.RString, c):
    append_text(r, want_char(c, "String::push"))


def _push_str(r: V.RString, other):
    append_text(r, want_str(other, "String::push_str"))


def _insert(r: V.RString, at, c):
    i = char_index(r.s, want_int(at, "String::insert"), "String::insert")
    r.s = r.s[:i] + want_char(c, "String::insert") + r.s[i:]
    current().alloc(4)


def _insert_str(r: V.RString, at, other):
    i = char_index(r.s, want_int(at, "String::insert_str"), "String::insert_str")
    t = want_str(other, "String::insert_str")
    current().alloc(len(t))
    r.s = r.s[:i] + t + r.s[i:]


def _remove(r: V.RString, at):
    i = char_index(r.s, want_int(at, "String::remove"), "String::remove")
    if i >= len(r.s):
        raise V.RuneError(f"String::remove: index {at} out of bounds")
    c = r.s[i]
    r.s = r.s[:i] + r.s[i + 1:]
    return V.Char(c)


def _pop(r: V.RString):
    if not r.s:
        return V.NONE
    c = r.s[-1]
    r.s = r.s[:-1]
    return V.Some(V.Char(c))


def _truncate(r: V.RString, n):
    n = want_int(n, "String::truncate")
    if n < byte_len(r.s):
        r.s = r.s[:char_index(r.s, max(0, n), "String::truncate")]


def _clear(r: V.RString):
    r.s = ""


def _split_pattern(pat, what: str):
    """A (text, predicate) pair for a String/char/closure pattern."""
    t = type(pat)
    if t is V.RString or t is V.Char:
        return text_of(pat, what), None
    if t is V.Function:
        f = callback(pat)
        return None, lambda ch: f(V.Char(ch)) is True
    raise V.RuneError(f"{what} expects a String, char or closure pattern, "
                      f"found `{V.type_name(pat)}`")


def _split_by_pred(s: str, pred):
    start = 0
    for i, ch in enumerate(s):
        if pred(ch):
            yield s[start:i]
            start = i + 1
    yield s[start:]


def _split(r: V.RString, pat):
    text, pred = _split_pattern(pat, "String::split")
    s = r.s
    if pred is not None:
        parts = _split_by_pred(s, pred)
    elif text == "":
        parts = iter(["", *s, ""])
    else:
        parts = iter(s.split(text))
    return V.Iterator(V.RString(p) for p in metered(parts))


def _splitn(r: V.RString, n, pat):
    text = text_of(pat, "String::splitn")
    n = want_int(n, "String::splitn")
    if n <= 0:
        return V.Iterator(())
    if not text:  # Rust splits "" between every char: "", "a", "b", ""
        parts = ["", *r.s, ""]
        if n < len(parts):
            head = parts[:n - 1]
            parts = head + [r.s[len("".join(head)):]]
        return V.Iterator(V.RString(p) for p in parts)
    return V.Iterator(V.RString(p) for p in r.s.split(text, n - 1))


def _split_once(r: V.RString, pat):
    text = text_of(pat, "String::split_once")
    if not text:
        return V.Some(V.Tuple([V.RString(""), V.RString(r.s)]))
    a, sep, b = r.s.partition(text)
    if not sep:
        return V.NONE
    return V.Some(V.Tuple([V.RString(a), V.RString(b)]))


def _find(r: V.RString, pat):
    text, pred = _split_pattern(pat, "String::find")
    s = r.s
    if pred is not None:
        i = next((k for k, ch in enumerate(s) if pred(ch)), -1)
    else:
        i = s.find(text)
    return V.NONE if i < 0 else V.Some(_byte_pos(s, i))


def _rfind(r: V.RString, pat):
    s = r.s
    i = s.rfind(text_of(pat, "String::rfind"))
    return V.NONE if i < 0 else V.Some(_byte_pos(s, i))


def _contains(r: V.RString, pat):
    text, pred = _split_pattern(pat, "String::contains")
    if pred is not None:
        return any(pred(ch) for ch in r.s)
    return text in r.s


def _replace(r: V.RString, a, b):
    s = r.s.replace(text_of(a, "String::replace"), want_str(b, "String::replace"))
    return _new(s)


def _repeat(r: V.RString, n):
    n = want_int(n, "String::repeat")
    if n < 0:
        raise V.RuneError("String::repeat: count must not be negative")
    current().fresh(len(r.s) * n)
    return V.RString(r.s * n)


def _get(r: V.RString, rng):
    if type(rng) is not V.Range:
        raise V.RuneError("String::get expects a range")
    s = r.s
    n = byte_len(s)
    a = 0 if rng.start is None else rng.start
    b = n if rng.end is None else rng.end
    if type(a) is not int or type(b) is not int:
        raise V.RuneError("String::get expects a range of integers")
    b += 1 if rng.inclusive and rng.end is not None else 0
    if not 0 <= a <= b <= n:
        return V.NONE
    try:
        return V.Some(V.RString(s[char_index(s, a, "get"):char_index(s, b, "get")]))
    except V.RuneError:
        return V.NONE


def _char_at(r: V.RString, i):
    i = want_int(i, "String::char_at")
    s = r.s
    try:
        k = char_index(s, i, "char_at")
    except V.RuneError:
        return V.NONE
    return V.Some(V.Char(s[k])) if k < len(s) else V.NONE


def _parse(r: V.RString, generics=("i64",)):
    kind = generics[0].split("::")[-1] if generics and type(generics) is tuple else "i64"
    s = r.s
    if kind in ("i64", "u64", "usize", "i32", "u32", "u8", "isize", "i16", "u16", "i8"):
        return parse_int(s)
    if kind in ("f64", "f32"):
        return parse_float(s)
    if kind == "char":
        return V.Ok(V.Char(s)) if len(s) == 1 else V.Err(V.RString(
            "too many characters in string" if s else "cannot parse char from empty string"))
    if kind == "bool":
        return V.Ok(s == "true") if s in ("true", "false") else V.Err(V.RString(
            "provided string was not `true` or `false`"))
    if kind == "String":
        return V.Ok(V.RString(s))
    raise V.RuneError(f"cannot parse a String into `{kind}`")


def _chars(r: V.RString):
    return V.Iterator([V.Char(c) for c in r.s])


def _char_indices(r: V.RString):
    s, out, pos = r.s, [], 0
    for c in s:
        out.append(V.Tuple([pos, V.Char(c)]))
        pos += 1 if c < "\x80" else len(c.encode("utf-8"))
    return V.Iterator(out)


def _trim_matches(f, what):
    def trim(r, pat):
        return V.RString(f(r.s, text_of(pat, what)))
    return trim


def _strip_prefix(r, p):
    t = text_of(p, "strip_prefix")
    return V.Some(V.RString(r.s[len(t):])) if r.s.startswith(t) else V.NONE


def _strip_suffix(r, p):
    t = text_of(p, "strip_suffix")
    return V.Some(V.RString(r.s[:len(r.s) - len(t)])) if t and r.s.endswith(t) else (
        V.Some(V.RString(r.s)) if not t else V.NONE)


def _eq_ignore_ascii_case(r, other):
    return r.s.lower() == want_str(other, "eq_ignore_ascii_case").lower()


STRING_METHODS = {
    "len": lambda r: byte_len(r.s), "is_empty": lambda r: not r.s,
    "push": _push, "push_str": _push_str, "insert": _insert, "insert_str": _insert_str,
    "remove": _remove, "pop": _pop, "truncate": _truncate, "clear": _clear,
    "chars": _chars, "char_indices": _char_indices,
    "bytes": lambda r: V.Iterator(r.s.encode("utf-8")),
    "as_bytes": lambda r: V.Bytes(r.s), "into_bytes": lambda r: V.Bytes(r.s),
    "split": _split, "splitn": _splitn, "split_once": _split_once,
    "split_whitespace": lambda r: V.Iterator(V.RString(p) for p in r.s.split()),
    "lines": lambda r: V.Iterator(V.RString(p.removesuffix("\r"))
                                  for p in r.s.split("\n")[:-1 if r.s.endswith("\n") else None]),
    "trim": lambda r: V.RString(r.s.strip()), "trim_start": lambda r: V.RString(r.s.lstrip()),
    "trim_end": lambda r: V.RString(r.s.rstrip()),
    "trim_matches": _trim_matches(str.strip, "trim_matches"),
    "trim_start_matches": _trim_matches(lambda s, t: s.removeprefix(t) if len(t) != 1 else s.lstrip(t), "trim_start_matches"),
    "trim_end_matches": _trim_matches(lambda s, t: s.removesuffix(t) if len(t) != 1 else s.rstrip(t), "trim_end_matches"),
    "strip_prefix": _strip_prefix, "strip_suffix": _strip_suffix,
    "starts_with": lambda r, p: r.s.startswith(text_of(p, "starts_with")),
    "ends_with": lambda r, p: r.s.endswith(text_of(p, "ends_with")),
    "contains": _contains, "find": _find, "rfind": _rfind, "replace": _replace,
    "to_uppercase": lambda r: V.RString(r.s.upper()),
    "to_lowercase": lambda r: V.RString(r.s.lower()),
    "to_ascii_uppercase": lambda r: V.RString("".join(c.upper() if c.isascii() else c for c in r.s)),
    "to_ascii_lowercase": lambda r: V.RString("".join(c.lower() if c.isascii() else c for c in r.s)),
    "eq_ignore_ascii_case": _eq_ignore_ascii_case,
    "repeat": _repeat, "get": _get, "char_at": _char_at, "parse": lambda r: _parse(r),
    "clone": lambda r: _new(r.s), "to_string": lambda r: _new(r.s),
    "to_owned": lambda r: _new(r.s), "as_str": lambda r: r, "into_string": lambda r: r,
    "capacity": lambda r: byte_len(r.s), "reserve": lambda r, n: None,
    "shrink_to_fit": lambda r: None, "reserve_exact": lambda r, n: None, "eq": lambda a, b: V.equal(a, b),
    "is_char_boundary": lambda r, i: _is_boundary(r.s, i),
}


def _is_boundary(s, i):
    try:
        char_index(s, want_int(i, "is_char_boundary"), "")
        return True
    except V.RuneError:
        return False


GENERIC = {"parse": lambda r, generics: _parse(r, generics)}


def _bytes_push(b: V.Bytes, x):
    x = want_int(x, "Bytes::push")
    if not 0 <= x <= 255:
        raise V.RuneError(f"Bytes::push: {x} is not a byte")
    current().alloc(1)
    b.b.append(x)


def _bytes_extend(b: V.Bytes, other):
    from .ops import iterate
    data = other.b if type(other) is V.Bytes else bytes(_byte(x, "Bytes::extend")
                                                         for x in iterate(other))
    current().alloc(len(data))
    b.b.extend(data)


def _byte(x, what):
    x = want_int(x, what)
    if not 0 <= x <= 255:
        raise V.RuneError(f"{what}: {x} is not a byte")
    return x


def _bytes_insert(b, i, x):
    i = want_int(i, "Bytes::insert")
    if not 0 <= i <= len(b.b):
        raise V.RuneError(f"index out of bounds: the length is {len(b.b)} but the index is {i}")
    current().alloc(1)
    b.b.insert(i, _byte(x, "Bytes::insert"))


def _bytes_remove(b, i):
    i = want_int(i, "Bytes::remove")
    if not 0 <= i < len(b.b):
        raise V.RuneError(f"index out of bounds: the length is {len(b.b)} but the index is {i}")
    return b.b.pop(i)


def _bytes_extend_str(b, s):
    data = want_str(s, "Bytes::extend_str").encode("utf-8")
    current().alloc(len(data))
    b.b.extend(data)

BYTES_METHODS = {
    "len": lambda b: len(b.b), "is_empty": lambda b: not b.b, "push": _bytes_push,
    "pop": lambda b: V.Some(b.b.pop()) if b.b else V.NONE, "extend": _bytes_extend,
    "clear": lambda b: b.b.clear(), "clone": lambda b: V.Bytes(b.b),
    "first": lambda b: V.Some(b.b[0]) if b.b else V.NONE,
    "last": lambda b: V.Some(b.b[-1]) if b.b else V.NONE,
    "get": lambda b, i: V.Some(b.b[i]) if type(i) is int and 0 <= i < len(b.b) else V.NONE,
    "iter": lambda b: V.Iterator(list(b.b)), "into_vec": lambda b: list(b.b),
    "to_vec": lambda b: list(b.b), "as_vec": lambda b: list(b.b),
    "eq": lambda a, b: V.equal(a, b), "insert": lambda b, i, x: _bytes_insert(b, i, x),
    "remove": lambda b, i: _bytes_remove(b, i), "extend_str": _bytes_extend_str,
    "reserve": lambda b, n: None, "reserve_exact": lambda b, n: None,
    "shrink_to_fit": lambda b: None, "capacity": lambda b: len(b.b),
}


TABLES = {V.RString: STRING_METHODS, V.Bytes: BYTES_METHODS}


def _string_from(v):
    t = type(v)
    if t is V.RString:
        return _new(v.s)
    if t is V.Char:
        return V.RString(v.c)
    raise V.RuneError(f"String::from expects a String or char, found `{V.type_name(v)}`")


def _from_utf8(b):
    data = bytes(b.b) if type(b) is V.Bytes else bytes(want_int(x, "from_utf8") & 0xFF for x in b)
    try:
        return V.Ok(V.RString(data.decode("utf-8")))
    except UnicodeDecodeError as e:
        return V.Err(V.RString(f"invalid utf-8 sequence at byte {e.start}"))


FUNCTIONS = {
    "String::new": lambda: V.RString(""), "String::from": _string_from,
    "String::from_str": _string_from, "String::with_capacity": lambda n: V.RString(""),
    "String::from_utf8": _from_utf8,
    "Bytes::new": lambda: V.Bytes(), "Bytes::with_capacity": lambda n: V.Bytes(),
    "Bytes::from_vec": lambda v: V.Bytes(bytes(want_int(x, "Bytes::from_vec") & 0xFF for x in v)),
    "any::type_name_of_val": lambda v: V.RString(V.type_name(v)),
    "to_string": lambda v: V.RString(display(v)),
}
