"""Parsing of items (fn, const, struct, enum, impl, mod, use, attributes) and patterns.

A part of :class:`parser.Parser` (mixed in); the expression and statement half lives in
``parser.py``. ``async fn`` is reported as unsupported and parsed on, so the rest of the file
still gets checked.
"""

from __future__ import annotations

from . import ast as A
from .parser import ParseError


class ItemParser:
    """Item and pattern half of the parser."""

    _trailing_comma = False

    # ------------------------------------------------------------ patterns
    def pattern(self):
        """A pattern (``_``, literal, binding, tuple, vec, object, struct, variant)."""
        t = self.tok
        k = t.kind
        if k == "op" and t.value == "-":
            self.i += 1
            n = self.tok
            if n.kind not in ("int", "float"):
                raise self.error("expected number after `-` in pattern")
            self.i += 1
            return A.PLit(t.line, t.col, -n.value, n.kind)
        if k in ("int", "float", "str", "char", "byte", "bytes"):
            self.i += 1
            return A.PLit(t.line, t.col, t.value, k)
        if k == "kw" and t.value in ("true", "false"):
            self.i += 1
            return A.PLit(t.line, t.col, t.value == "true", "bool")
        if k == "op" and t.value == "(":
            self.i += 1
            seq = self.seq_pattern(")", "tuple")
            if not seq.rest and len(seq.before) == 1 and not self._trailing_comma:
                return seq.before[0]
            return seq
        if k == "op" and t.value == "[":
            self.i += 1
            return self.seq_pattern("]", "vec")
        if k == "op" and t.value == "#{":
            self.i += 1
            fields, rest = self.object_pattern()
            return A.PObject(t.line, t.col, None, fields, rest)
        if k == "kw" and t.value in ("mut", "ref"):
            self.i += 1
            return self.pattern()
        if k == "ident" and t.value == "_":
            self.i += 1
            return A.PWild(t.line, t.col)
        if k == "ident" or (k == "kw" and t.value in ("self", "Self", "super", "crate")):
            segs = [self.path_segment()]
            while self.at_op("::"):
                self.i += 1
                segs.append(self.path_segment())
            path = tuple(segs)
            if self.accept("op", "("):
                return A.PTupleStruct(t.line, t.col, path, self.seq_pattern(")", "tuple"))
            if self.accept("op", "{"):
                fields, rest = self.object_pattern()
                return A.PObject(t.line, t.col, path, fields, rest)
            if len(path) == 1 and self.accept("op", "@"):
                return A.PBindAt(t.line, t.col, path[0], self.pattern())
            if len(path) == 1 and path[0] != "Self":
                return A.PBind(t.line, t.col, path[0])
            return A.PPath(t.line, t.col, path)
        raise self.error("expected pattern")

    def seq_pattern(self, close: str, kind: str) -> A.PSeq:
        t = self.toks[self.i - 1]
        before, after, rest = [], [], False
        self._trailing_comma = False
        while not self.at_op(close):
            if self.accept("op", ".."):
                if rest:
                    raise self.error("only one `..` allowed in a pattern")
                rest = True
            else:
                (after if rest else before).append(self.pattern())
            self._trailing_comma = False
            if not self.accept("op", ","):
                break
            self._trailing_comma = True
        self.expect("op", close, f"`{close}`")
        return A.PSeq(t.line, t.col, kind, tuple(before), tuple(after), rest)

    def object_pattern(self):
        fields, rest = [], False
        while not self.at_op("}"):
            if self.accept("op", ".."):
                rest = True
                break
            t = self.tok
            if t.kind == "str":
                self.i += 1
                key = t.value
            else:
                key = self.ident()
            if self.accept("op", ":"):
                fields.append((key, self.pattern()))
            else:
                fields.append((key, A.PBind(t.line, t.col, key)))
            if not self.accept("op", ","):
                break
        self.expect("op", "}", "`}`")
        return tuple(fields), rest

    # ------------------------------------------------------------ items
    def attributes(self) -> list[str]:
        attrs = []
        while self.at_op("#") and self.peek().kind == "op" and self.peek().value in ("[", "!"):
            self.i += 1
            self.accept("op", "!")
            self.expect("op", "[", "`[`")
            depth, parts = 1, []
            while depth and not self.at("eof"):
                t = self.next()
                if t.kind == "op" and t.value == "[":
                    depth += 1
                elif t.kind == "op" and t.value == "]":
                    depth -= 1
                    if depth == 0:
                        break
                parts.append(str(t.value))
            attrs.append("".join(parts))
        return attrs

    def maybe_item(self):
        """An item at the current position, or None (position unchanged)."""
        start = self.i
        attrs = self.attributes()
        is_pub = False
        if self.accept("kw", "pub"):
            is_pub = True
            if self.accept("op", "("):  # pub(crate), pub(super)
                while not self.accept("op", ")"):
                    self.next()
        t = self.tok
        if t.kind == "kw":
            v = t.value
            if v == "async" or (v == "const" and self.peek().kind == "kw" and self.peek().value == "fn"):
                self.i += 1
                if v == "async":
                    self.errors.append(self.unsupported(t))
                    if not self.at("kw", "fn"):
                        raise self.error("expected `fn` after `async`")
                    fn = self.fn_def(is_pub, attrs)
                    return A.FnDef(fn.line, fn.col, fn.name, fn.params, fn.body, fn.is_pub,
                                   fn.attrs + ("async",), fn.has_self)
                return self.fn_def(is_pub, attrs)
            if v == "fn":
                return self.fn_def(is_pub, attrs)
            if v == "const":
                self.i += 1
                name = self.ident()
                if self.accept("op", ":"):
                    self.type_path()
                self.expect("op", "=", "`=`")
                value = self.expr()
                self.expect("op", ";", "`;`")
                return A.ConstDef(t.line, t.col, name, value, is_pub)
            if v == "struct":
                return self.struct_def(is_pub)
            if v == "enum":
                return self.enum_def(is_pub)
            if v == "impl":
                self.i += 1
                path = self.type_path()
                self.expect("op", "{", "`{`")
                fns = []
                while not self.at_op("}") and not self.at("eof"):
                    try:
                        item = self.maybe_item()
                        if not isinstance(item, A.FnDef):
                            raise self.error("expected `fn` in impl block")
                        fns.append(item)
                    except ParseError as err:
                        self.errors.append(err)
                        self.sync()
                self.expect("op", "}", "`}`")
                return A.ImplDef(t.line, t.col, path, tuple(fns))
            if v == "mod":
                self.i += 1
                name = self.ident()
                if self.at_op(";"):
                    raise self.error("file modules (`mod name;`) are not supported")
                self.expect("op", "{", "`{`")
                items = self.items_until("}")
                self.expect("op", "}", "`}`")
                return A.ModDef(t.line, t.col, name, tuple(items), is_pub)
            if v == "use":
                self.i += 1
                entries: list = []
                self.use_tree((), entries)
                self.expect("op", ";", "`;`")
                return A.UseDef(t.line, t.col, tuple(entries), is_pub)
        if attrs or is_pub:
            raise self.error("expected item after attribute or `pub`")
        self.i = start
        return None

    def items_until(self, close: str | None) -> list:
        items = []
        while not self.at("eof") and not (close and self.at_op(close)):
            start = self.i
            try:
                item = self.maybe_item()
                if item is None:
                    raise self.error("expected item")
                items.append(item)
            except ParseError as err:
                self.errors.append(err)
                if self.i == start:
                    self.i += 1
                self.sync()
        return items

    def use_tree(self, prefix: tuple, out: list) -> None:
        if self.accept("op", "{"):
            while not self.at_op("}"):
                self.use_tree(prefix, out)
                if not self.accept("op", ","):
                    break
            self.expect("op", "}", "`}`")
            return
        if self.accept("op", "*"):
            out.append((prefix, "*"))
            return
        seg = self.path_segment()
        path = prefix + (seg,)
        if self.accept("op", "::"):
            self.use_tree(path, out)
            return
        alias = self.ident() if self.accept("kw", "as") else seg
        out.append((path, alias))

    def fn_def(self, is_pub: bool, attrs: list[str]) -> A.FnDef:
        t = self.expect("kw", "fn", "`fn`")
        name = self.ident()
        if self.accept("op", "<"):
            self.generic_args()
        self.expect("op", "(", "`(`")
        params, has_self = [], False
        while not self.at_op(")"):
            if self.at("kw", "self") or (self.at("kw", "mut") and self.peek().kind == "kw"
                                          and self.peek().value == "self"):
                self.accept("kw", "mut")
                s = self.next()
                if params:
                    raise ParseError("`self` must be the first parameter", s.line, s.col)
                has_self = True
                params.append(A.PBind(s.line, s.col, "self"))
            else:
                params.append(self.pattern())
            if self.accept("op", ":"):
                self.accept("op", "&")
                self.type_path()
            if not self.accept("op", ","):
                break
        self.expect("op", ")", "`)`")
        if self.accept("op", "->"):
            self.type_path()
        body = self.block()
        return A.FnDef(t.line, t.col, name, tuple(params), body, is_pub, tuple(attrs), has_self)

    def field_names(self, close: str) -> tuple:
        names = []
        while not self.at_op(close):
            self.attributes()
            self.accept("kw", "pub")
            names.append(self.ident())
            if self.accept("op", ":"):
                self.type_path()
            if not self.accept("op", ","):
                break
        self.expect("op", close, f"`{close}`")
        return tuple(names)

    def struct_def(self, is_pub: bool) -> A.StructDef:
        t = self.next()
        name = self.ident()
        if self.accept("op", ";"):
            return A.StructDef(t.line, t.col, name, "unit", (), is_pub)
        if self.accept("op", "("):
            fields = self.field_names(")")
            self.accept("op", ";")
            return A.StructDef(t.line, t.col, name, "tuple", fields, is_pub)
        self.expect("op", "{", "`{`, `(` or `;`")
        return A.StructDef(t.line, t.col, name, "named", self.field_names("}"), is_pub)

    def enum_def(self, is_pub: bool) -> A.EnumDef:
        t = self.next()
        name = self.ident()
        self.expect("op", "{", "`{`")
        variants = []
        while not self.at_op("}"):
            self.attributes()
            vname = self.ident()
            if self.accept("op", "("):
                variants.append((vname, "tuple", self.field_names(")")))
            elif self.accept("op", "{"):
                variants.append((vname, "named", self.field_names("}")))
            else:
                variants.append((vname, "unit", ()))
            if self.accept("op", "="):
                self.expr()
            if not self.accept("op", ","):
                break
        self.expect("op", "}", "`}`")
        return A.EnumDef(t.line, t.col, name, tuple(variants), is_pub)
