"""Display (``{}``), Debug (``{:?}``, ``{:#?}``) and ``format!`` specs as Rune prints them.

Debug follows Rune's runtime, not Rust's derive: ``Point {x: 1}``, ``Pair (1, 2)``,
``Shape::Circle (2)``, ``(5)`` for a one-tuple.

Floats print as Rune does (it uses the ``ryu`` shortest form): ``1.0``, ``0.1``, ``1e16``,
``1.5e-7``, ``NaN``, ``inf``. Display exists for numbers, bool, char, String and errors only;
anything else needs ``{:?}`` and is a runtime error, as in Rune.
"""

from __future__ import annotations

import math

from . import values as V

__all__ = ["display", "debug", "format_args", "float_str"]


def float_str(x: float) -> str:
    """``x`` in ryu's shortest round-trip form (what Rune prints for an f64)."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    r = repr(x)
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    mant, _, exp = r.partition("e")
    ip, _, fp = mant.partition(".")
    raw = ip + fp
    stripped = raw.lstrip("0")
    # position of the decimal point relative to the first significant digit
    point = len(ip) + (int(exp) if exp else 0) - (len(raw) - len(stripped))
    digits = stripped.rstrip("0")
    if not digits:
        return sign + "0.0"
    n = len(digits)
    if 0 <= point - n and point <= 16:
        return sign + digits + "0" * (point - n) + ".0"
    if 0 < point <= 16:
        return sign + digits[:point] + "." + digits[point:]
    if -5 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    e = point - 1
    if n == 1:
        return f"{sign}{digits}e{e}"
    return f"{sign}{digits[0]}.{digits[1:]}e{e}"


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\\": "\\\\"}


def _escape(s: str, quote: str) -> str:
    out = []
    for ch in s:
        if ch == quote:
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable() and ch != " ":
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return "".join(out)


def display(v) -> str:
    """``{}`` of ``v``; RuneError for types without Display."""
    t = type(v)
    if t is V.RString:
        return v.s
    if t is int:
        return str(v)
    if t is float:
        return float_str(v)
    if t is bool:
        return "true" if v else "false"
    if t is V.Char:
        return v.c
    raise V.RuneError(f"`{V.type_name(v)}` does not implement Display; use `{{:?}}`")


def debug(v, pretty: bool = False) -> str:
    """``{:?}`` of ``v`` (``{:#?}`` when ``pretty``)."""
    return _Debug(pretty).fmt(v, 0)


class _Debug:
    __slots__ = ("pretty", "seen")

    def __init__(self, pretty: bool):
        self.pretty = pretty
        self.seen: set[int] = set()

    def fmt(self, v, level: int) -> str:
        """Debug text of ``v`` nested ``level`` deep."""
        t = type(v)
        if t is int:
            return str(v)
        if t is float:
            return float_str(v)
        if t is bool:
            return "true" if v else "false"
        if t is V.RString:
            return '"' + _escape(v.s, '"') + '"'
        if t is V.Char:
            return "'" + _escape(v.c, "'") + "'"
        if v is V.NONE:
            return "None"
        if t is V.Some or t is V.Ok or t is V.Err:
            return self.seq(t.tag + "(", ")", [v.value], level)
        if t is V.Range:
            a = "" if v.start is None else self.fmt(v.start, level)
            b = "" if v.end is None else self.fmt(v.end, level)
            return f"{a}{'..=' if v.inclusive else '..'}{b}"
        if t is V.Bytes:
            return "b\"" + "".join(
                chr(c) if 32 <= c < 127 and c not in (34, 92) else f"\\x{c:02x}" for c in v.b) + '"'
        if t is V.Function:
            return f"fn {v.name}"
        if t is V.Type or t is V.StructType or t is V.EnumType:
            return f"Type({v.name})"
        if t is V.Iterator:
            return "Iterator"
        key = id(v)
        if key in self.seen:
            return "[...]"
        self.seen.add(key)
        try:
            return self.container(v, t, level)
        finally:
            self.seen.discard(key)

    def container(self, v, t, level: int) -> str:
        """Debug text of a container (cycles are cut by ``fmt``)."""
        if t is list or t is V.VecDeque:
            return self.seq("[", "]", list(v), level)
        if t is V.Tuple:
            return self.seq("(", ")", list(v), level)
        if t is V.HashSet:
            return self.seq("{", "}", list(v), level)
        if t is V.Object or t is V.HashMap:
            keys = [('"' + _escape(k, '"') + '"') if type(k) is str else self.fmt(k, level + 1)
                    for k in v]
            return self.pairs("{", "}", keys, list(v.values()), ": ", level)
        if t is V.Struct or t is V.Variant:
            # Rune's own layout: `Point {x: 1, y: 2}`, `Pair (1, 2)`, `Shape::Empty`
            name = v.type.name if t is V.Struct else (
                v.name if v.enum is V.ORDERING else f"{v.enum.name}::{v.name}")
            f = v.fields
            if isinstance(f, dict):
                if self.pretty:
                    return self.pairs(name + " {", "}", list(f), list(f.values()), ": ", level)
                inner = ", ".join(f"{k}: {self.fmt(x, level)}" for k, x in f.items())
                return f"{name} {{{inner}}}"
            if (t is V.Struct and v.type.kind == "unit") or (t is V.Variant and v.kind == "unit"):
                return name
            return self.seq(name + " (", ")", list(f), level)
        return f"<{V.type_name(v)}>"

    def seq(self, open_: str, close: str, items: list, level: int) -> str:
        """``open_ a, b close``, or one item per line when pretty."""
        if not items:
            return open_ + close
        if not self.pretty:
            return open_ + ", ".join(self.fmt(x, level) for x in items) + close
        pad = "    " * (level + 1)
        body = "".join(f"{pad}{self.fmt(x, level + 1)},\n" for x in items)
        return f"{open_}\n{body}{'    ' * level}{close}"

    def pairs(self, open_: str, close: str, keys: list, vals: list, sep: str,
              level: int) -> str:
        """``open_ k: v, … close``, or one pair per line when pretty."""
        if not keys:
            return open_ + close
        if not self.pretty:
            inner = ", ".join(f"{k}{sep}{self.fmt(x, level)}" for k, x in zip(keys, vals))
            return f"{open_}{inner}{close}"
        pad = "    " * (level + 1)
        body = "".join(f"{pad}{k}{sep}{self.fmt(x, level + 1)},\n" for k, x in zip(keys, vals))
        return f"{open_}\n{body}{'    ' * level}{close}"


# ---------------------------------------------------------------- format! specs

def format_args(fmt: str, args: tuple, named: dict) -> str:
    """Render a Rust format string with positional ``args`` and ``named`` values."""
    pieces = _PARSED.get(fmt)
    if pieces is None:
        pieces = _parse(fmt)
    out, auto = [], 0
    for piece in pieces:
        if type(piece) is str:
            out.append(piece)
            continue
        name, spec = piece
        if name is None:
            value, auto = _arg(args, auto, fmt), auto + 1
        elif type(name) is int:
            value = _arg(args, name, fmt)
        else:
            if name not in named:
                raise V.RuneError(f"format string names `{name}` but no such argument")
            value = named[name]
        out.append(display(value) if not spec else _apply(value, spec, args, named))
    return "".join(out)


_PARSED: dict[str, tuple] = {}  # format string -> pieces; format strings are code literals


def _parse(fmt: str) -> tuple:
    """Split ``fmt`` into literal text and ``(argument, spec)`` fields (cached)."""
    pieces, text, i, n = [], [], 0, len(fmt)
    while i < n:
        ch = fmt[i]
        if ch == "{":
            if fmt.startswith("{{", i):
                text.append("{")
                i += 2
                continue
            close = fmt.find("}", i)
            if close < 0:
                raise V.RuneError("invalid format string: unmatched `{`")
            name, _, spec = fmt[i + 1:close].partition(":")
            name = name.strip()
            if text:
                pieces.append("".join(text))
                text = []
            pieces.append((None if name == "" else int(name) if name.isascii() and name.isdigit() else name, spec))
            i = close + 1
        elif ch == "}":
            text.append("}")
            i += 2 if fmt.startswith("}}", i) else 1
        else:
            j = i
            while j < n and fmt[j] not in "{}":
                j += 1
            text.append(fmt[i:j])
            i = j
    if text:
        pieces.append("".join(text))
    if len(_PARSED) > 4096:
        _PARSED.clear()
    result = tuple(pieces)
    _PARSED[fmt] = result
    return result


def _arg(args: tuple, k: int, fmt: str):
    if k >= len(args):
        raise V.RuneError(f"format string {fmt!r} needs more arguments than the {len(args)} given")
    return args[k]


def _count(text: str, args: tuple, named: dict) -> int:
    """A width/precision: digits, or ``N$``/``name$`` naming an integer argument."""
    if text.endswith("$"):
        ref = text[:-1]
        v = args[int(ref)] if ref.isascii() and ref.isdigit() and int(ref) < len(args) else named.get(ref)
        if type(v) is not int or v < 0:
            raise V.RuneError(f"format width `{text}` must name a non-negative integer")
        return v
    if not (text.isascii() and text.isdigit()):
        raise V.RuneError(f"unsupported format spec: `{text}` is not a width")
    return int(text)


def _apply(value, spec: str, args: tuple, named: dict) -> str:
    if not spec:
        return display(value)
    fill, align, i = " ", None, 0
    if len(spec) >= 2 and spec[1] in "<^>":
        fill, align, i = spec[0], spec[1], 2
    elif spec[:1] in ("<", "^", ">"):
        align, i = spec[0], 1
    sign = alt = zero = False
    if spec[i:i + 1] == "+":
        sign, i = True, i + 1
    elif spec[i:i + 1] == "-":
        i += 1
    if spec[i:i + 1] == "#":
        alt, i = True, i + 1
    if spec[i:i + 1] == "0" and not spec[i + 1:i + 2] == "$":
        zero, i = True, i + 1
    j = i
    while j < len(spec) and (spec[j].isalnum() or spec[j] in "_$") and spec[j] not in "?xXbeoE":
        j += 1
    width = _count(spec[i:j], args, named) if j > i else None
    i = j
    precision = None
    if spec[i:i + 1] == ".":
        j = i + 1
        while j < len(spec) and (spec[j].isalnum() or spec[j] in "_$") and spec[j] not in "?xXbeoE":
            j += 1
        precision = _count(spec[i + 1:j], args, named)
        i = j
    kind = spec[i:]
    if kind not in ("", "?", "x", "X", "b", "o", "e"):
        raise V.RuneError(f"unsupported format spec `{{:{spec}}}`")
    text, numeric = _render(value, kind, alt, precision)
    if sign and numeric and not text.startswith("-"):
        text = "+" + text
    if width is None or len(text) >= width:
        return text
    if zero and numeric:
        neg = text[:1] in "+-"
        head, body = (text[0], text[1:]) if neg else ("", text)
        prefix = body[:2] if body[:2] in ("0x", "0b", "0o") else ""
        body = body[len(prefix):]
        return head + prefix + body.rjust(width - len(head) - len(prefix), "0")
    pad = width - len(text)
    align = align or (">" if numeric else "<")
    if align == "<":
        return text + fill * pad
    if align == ">":
        return fill * pad + text
    return fill * (pad // 2) + text + fill * (pad - pad // 2)


def _render(value, kind: str, alt: bool, precision) -> tuple[str, bool]:
    t = type(value)
    numeric = t is int or t is float
    if kind in ("x", "X", "b", "o"):
        if t is not int:
            raise V.RuneError(f"`{{:{kind}}}` needs an integer, found `{V.type_name(value)}`")
        n = value & 0xFFFFFFFFFFFFFFFF
        text = format(n, kind)
        if alt:
            text = {"x": "0x", "X": "0x", "b": "0b", "o": "0o"}[kind] + text
        return text, True
    if kind == "e":
        if t is int:
            value = float(value)
        elif t is not float:
            raise V.RuneError(f"`{{:e}}` needs a number, found `{V.type_name(value)}`")
        if not math.isfinite(value):
            return float_str(value), True
        if precision is not None:
            m, _, e = f"{value:.{precision}e}".partition("e")
        else:
            m, _, e = f"{value:e}".partition("e")
            m = float_str(float(m)).removesuffix(".0")
        return f"{m}e{int(e)}", True
    if precision is not None and t is float:
        return f"{value:.{precision}f}", True
    if kind == "?":
        return debug(value, pretty=alt), numeric
    text = display(value)
    if precision is not None and t is V.RString:
        text = text[:precision]
    return text, numeric
