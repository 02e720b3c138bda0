"""Pratt parser for Rune: tokens to :mod:`ast` nodes, collecting several errors per run.

The infix table is data: ``INFIX[op] = (precedence, handler)``. A struct literal cannot
start an ``if``/``while``/``for``/``match`` condition (``for x in a..b {``): those
conditions are parsed with ``no_struct``. On an error the parser records a diagnostic and
skips to the next ``;``, ``}`` or item keyword, so one run reports several errors.
"""

from __future__ import annotations

from . import ast as A
from .lexer import LexError, lex
from .tokens import UNSUPPORTED_KEYWORDS, Token

__all__ = ["ParseError", "parse", "parse_tokens"]

# Binding powers, loosest first.
ASSIGN, RANGE, OR, AND, CMP, BOR, BXOR, BAND, SHIFT, SUM, PRODUCT, IS, PREFIX, POSTFIX = range(1, 15)

ASSIGN_OPS = ("=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=")
BLOCK_LIKE = ("if", "match", "loop", "while", "for")
ITEM_KEYWORDS = ("fn", "struct", "enum", "impl", "mod", "use", "const", "pub", "async")


class ParseError(Exception):
    """A syntax error at a place (collected as a diagnostic by :func:`parse`)."""

    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


from .parser_items import ItemParser  # noqa: E402  (needs ParseError above)


def _binary(p: "Parser", left, tok: Token, prec: int):
    right = p.expr(prec + 1, p._no_struct)
    return A.Binary(tok.line, tok.col, tok.value, left, right)


def _compare(p: "Parser", left, tok: Token, prec: int):
    right = p.expr(prec + 1, p._no_struct)
    return A.Binary(tok.line, tok.col, tok.value, left, right)


def _assign(p: "Parser", left, tok: Token, prec: int):
    if not isinstance(left, (A.Path, A.Field, A.TupleIndex, A.Index)):
        raise ParseError("invalid left-hand side of assignment", tok.line, tok.col)
    value = p.expr(prec, p._no_struct)  # right associative
    return A.Assign(tok.line, tok.col, tok.value, left, value)


def _range(p: "Parser", left, tok: Token, prec: int):
    end = None
    if p.starts_expr() and not (p._no_struct and p.at_op("{")):
        end = p.expr(prec + 1, p._no_struct)
    elif tok.value == "..=":
        raise ParseError("inclusive range needs an end", tok.line, tok.col)
    return A.Range(tok.line, tok.col, left, end, tok.value == "..=")


def _is(p: "Parser", left, tok: Token, prec: int):
    negated = p.accept("kw", "not") is not None
    return A.Is(tok.line, tok.col, left, p.type_path(), negated)


def _as(p: "Parser", left, tok: Token, prec: int):
    return A.As(tok.line, tok.col, left, p.type_path())


INFIX = {
    **{op: (ASSIGN, _assign) for op in ASSIGN_OPS},
    "..": (RANGE, _range), "..=": (RANGE, _range),
    "||": (OR, _binary), "&&": (AND, _binary),
    **{op: (CMP, _compare) for op in ("==", "!=", "<", "<=", ">", ">=")},
    "|": (BOR, _binary), "^": (BXOR, _binary), "&": (BAND, _binary),
    "<<": (SHIFT, _binary), ">>": (SHIFT, _binary),
    "+": (SUM, _binary), "-": (SUM, _binary),
    "*": (PRODUCT, _binary), "/": (PRODUCT, _binary), "%": (PRODUCT, _binary),
    "is": (IS, _is), "as": (IS, _as),
}


class Parser(ItemParser):
    """Recursive-descent statements and items, Pratt expressions."""

    def __init__(self, tokens: list[Token]):
        self.toks = tokens
        self.i = 0
        self.errors: list[ParseError] = []

    # ------------------------------------------------------------ token helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, n: int = 1) -> Token:
        return self.toks[min(self.i + n, len(self.toks) - 1)]

    def at(self, kind: str, value=None) -> bool:
        t = self.toks[self.i]
        return t.kind == kind and (value is None or t.value == value)

    def at_op(self, *values: str) -> bool:
        t = self.toks[self.i]
        return t.kind == "op" and t.value in values

    def accept(self, kind: str, value=None) -> Token | None:
        if self.at(kind, value):
            t = self.toks[self.i]
            self.i += 1
            return t
        return None

    def next(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def expect(self, kind: str, value=None, what: str | None = None) -> Token:
        t = self.accept(kind, value)
        if t is None:
            raise self.error(f"expected {what or repr(value or kind)}")
        return t

    def error(self, message: str, tok: Token | None = None) -> ParseError:
        tok = tok or self.tok
        found = "end of input" if tok.kind == "eof" else f"`{_text(tok)}`"
        if message.startswith("expected"):
            message = f"{message}, found {found}"
        return ParseError(message, tok.line, tok.col)

    def unsupported(self, tok: Token) -> ParseError:
        what = UNSUPPORTED_KEYWORDS[tok.value]
        return ParseError(f"{what} are not supported" if what.endswith("blocks") or
                          what.startswith("generators") else f"{what} is not supported",
                          tok.line, tok.col)

    def ident(self) -> str:
        t = self.tok
        if t.kind == "ident":
            self.i += 1
            return t.value
        if t.kind == "kw" and t.value in UNSUPPORTED_KEYWORDS:
            raise self.unsupported(t)
        raise self.error("expected identifier")

    def starts_expr(self) -> bool:
        t = self.tok
        if t.kind == "eof":
            return False
        if t.kind == "op":
            return t.value in ("(", "[", "#{", "-", "!", "|", "||", "..", "{", "*")
        if t.kind == "kw":
            return t.value not in ("else", "in", "as", "is")
        return True

    # ------------------------------------------------------------ recovery
    def sync(self) -> None:
        """Skip to just past a ``;``, or to a ``}`` / item keyword at the current depth."""
        depth = 0
        while not self.at("eof"):
            t = self.tok
            if t.kind == "op":
                if t.value in ("{", "#{", "(", "["):
                    depth += 1
                elif t.value in ("}", ")", "]"):
                    if depth == 0:
                        return
                    depth -= 1
                    if depth == 0 and t.value == "}":
                        self.i += 1
                        return
                elif t.value == ";" and depth == 0:
                    self.i += 1
                    return
            elif t.kind == "kw" and t.value in ITEM_KEYWORDS and depth == 0:
                return
            self.i += 1

    # ------------------------------------------------------------ paths and types
    def generic_args(self) -> tuple:
        """After ``::<`` (or ``<``): type paths up to the matching ``>``."""
        args = []
        while True:
            if self.at_op(">"):
                self.i += 1
                break
            if self.at_op(">>"):  # closes two levels: split the token
                t = self.tok
                self.toks[self.i] = Token("op", ">", t.line, t.col + 1)
                break
            args.append(self.type_path())
            if not self.accept("op", ","):
                if self.at_op(">>"):
                    t = self.tok
                    self.toks[self.i] = Token("op", ">", t.line, t.col + 1)
                    break
                self.expect("op", ">", "`>`")
                break
        return tuple(args)

    def type_path(self) -> tuple[str, ...]:
        """A type: ``a::b::C`` with optional ``<…>`` (ignored), or ``()`` for unit."""
        if self.accept("op", "("):
            self.expect("op", ")", "`)`")
            return ("Tuple",)
        segs = [self.path_segment()]
        while self.at_op("::") and self.peek().kind in ("ident", "kw"):
            self.i += 1
            segs.append(self.path_segment())
        if self.accept("op", "<"):
            self.generic_args()
        return tuple(segs)

    def path_segment(self) -> str:
        t = self.tok
        if t.kind == "kw" and t.value in ("self", "Self", "super", "crate"):
            self.i += 1
            return t.value
        return self.ident()

    # ------------------------------------------------------------ expressions
    _no_struct = False

    def expr(self, min_prec: int = 0, no_struct: bool = False):
        """An expression whose infix operators bind at least ``min_prec``."""
        saved = self._no_struct
        self._no_struct = no_struct
        try:
            left = self.prefix()
            while True:
                t = self.tok
                if t.kind == "op" or (t.kind == "kw" and t.value in ("is", "as")):
                    rule = INFIX.get(t.value)
                    if rule is None or rule[0] < min_prec:
                        break
                    if rule[0] == CMP and isinstance(left, A.Binary) and left.op in (
                            "==", "!=", "<", "<=", ">", ">=") and min_prec <= CMP and \
                            getattr(left, "_chain", False):
                        break
                    self.i += 1
                    left = rule[1](self, left, t, rule[0])
                else:
                    break
            return left
        finally:
            self._no_struct = saved

    def prefix(self):
        t = self.tok
        if t.kind == "op":
            if t.value in ("-", "!"):
                self.i += 1
                operand = self.expr(PREFIX, self._no_struct)
                if t.value == "-" and isinstance(operand, A.Lit) and operand.kind in ("int", "float") \
                        and not getattr(operand, "_neg", False):
                    return A.Lit(t.line, t.col, operand.kind, -operand.value)
                return A.Unary(t.line, t.col, t.value, operand)
            if t.value == "*":  # deref is a no-op in Rune
                self.i += 1
                return self.expr(PREFIX)
            if t.value == "&":
                self.i += 1
                self.accept("kw", "mut")
                return self.expr(PREFIX)
            if t.value in ("..", "..="):
                self.i += 1
                end = self.expr(RANGE + 1, self._no_struct) if self.starts_expr() and not (
                    self._no_struct and self.at_op("{")) else None
                return self.postfix(A.Range(t.line, t.col, None, end, t.value == "..="))
            if t.value in ("|", "||"):
                return self.closure()
        if t.kind == "kw" and t.value == "move":
            self.i += 1
            return self.closure()
        if t.kind == "kw" and t.value == "async":
            self.errors.append(self.unsupported(t))  # parse on, to recover cleanly
            self.i += 1
            self.accept("kw", "move")
            if self.at_op("|", "||"):
                return self.closure()
            return self.block()
        return self.postfix(self.primary())

    def closure(self):
        t = self.next()
        params = []
        if t.value == "|":
            while not self.at_op("|"):
                params.append(self.pattern())
                if self.accept("op", ":"):
                    self.type_path()
                if not self.accept("op", ","):
                    break
            self.expect("op", "|", "`|`")
        body = self.expr(ASSIGN)
        return A.Closure(t.line, t.col, tuple(params), body)

    def postfix(self, e):
        while True:
            t = self.tok
            if t.kind != "op":
                break
            v = t.value
            if v == "(":
                self.i += 1
                e = A.Call(t.line, t.col, e, self.args(")"))
            elif v == "[":
                self.i += 1
                idx = self.expr()
                self.expect("op", "]", "`]`")
                e = A.Index(t.line, t.col, e, idx)
            elif v == "?":
                self.i += 1
                e = A.Try(t.line, t.col, e)
            elif v == ".":
                self.i += 1
                n = self.tok
                if n.kind == "int":
                    self.i += 1
                    e = A.TupleIndex(n.line, n.col, e, n.value)
                elif n.kind == "kw" and n.value == "await":
                    self.errors.append(self.unsupported(n))
                    self.i += 1
                else:
                    name = self.ident()
                    generics = ()
                    if self.at_op("::") and self.peek().kind == "op" and self.peek().value == "<":
                        self.i += 2
                        generics = self.generic_args()
                    if self.at_op("("):
                        self.i += 1
                        e = A.MethodCall(n.line, n.col, e, name, self.args(")"), generics)
                    else:
                        e = A.Field(n.line, n.col, e, name)
            else:
                break
        return e

    def args(self, close: str) -> tuple:
        items = []
        while not self.at_op(close):
            items.append(self.expr())
            if not self.accept("op", ","):
                break
        self.expect("op", close, f"`{close}`")
        return tuple(items)

    def primary(self):
        t = self.tok
        k = t.kind
        if k in ("int", "float", "str", "char", "byte", "bytes"):
            self.i += 1
            return A.Lit(t.line, t.col, k, t.value)
        if k == "template":
            self.i += 1
            parts = []
            for part in t.value:
                if isinstance(part, str):
                    parts.append(part)
                else:
                    sub = Parser(list(part))
                    parts.append(sub.expr())
                    if not sub.at("eof"):
                        raise sub.error("expected `}` closing template expression")
            return A.Template(t.line, t.col, tuple(parts))
        if k == "label":
            self.i += 1
            self.expect("op", ":", "`:` after label")
            return self.labelled(t)
        if k == "op":
            v = t.value
            if v == "(":
                self.i += 1
                if self.accept("op", ")"):
                    return A.TupleLit(t.line, t.col, ())
                first = self.expr()
                if self.accept("op", ")"):
                    return first
                items = [first]
                while self.accept("op", ","):
                    if self.at_op(")"):
                        break
                    items.append(self.expr())
                self.expect("op", ")", "`)`")
                return A.TupleLit(t.line, t.col, tuple(items))
            if v == "[":
                self.i += 1
                return A.VecLit(t.line, t.col, self.args("]"))
            if v == "#{":
                self.i += 1
                return A.ObjectLit(t.line, t.col, None, self.object_entries())
            if v == "{":
                return self.block()
            raise self.error("expected expression")
        if k == "kw":
            v = t.value
            if v in ("true", "false"):
                self.i += 1
                return A.Lit(t.line, t.col, "bool", v == "true")
            if v == "if":
                return self.if_expr()
            if v == "match":
                return self.match_expr()
            if v in ("loop", "while", "for"):
                return self.loop_expr(None)
            if v == "break":
                self.i += 1
                label = self.next().value if self.at("label") else None
                value = self.expr() if self.starts_value() else None
                return A.Break(t.line, t.col, label, value)
            if v == "continue":
                self.i += 1
                label = self.next().value if self.at("label") else None
                return A.Continue(t.line, t.col, label)
            if v == "return":
                self.i += 1
                value = self.expr() if self.starts_value() else None
                return A.Return(t.line, t.col, value)
            if v == "const" and self.peek().kind == "op" and self.peek().value == "{":
                self.i += 1
                return self.block()
            if v == "yield":
                self.errors.append(self.unsupported(t))
                self.i += 1
                value = self.expr() if self.starts_value() else None
                return A.Return(t.line, t.col, value)
            if v in UNSUPPORTED_KEYWORDS:
                raise self.unsupported(t)
            if v in ("self", "Self", "super", "crate"):
                return self.path_expr()
            raise self.error("expected expression")
        if k == "ident":
            if self.peek().kind == "op" and self.peek().value == "!" and \
                    self.peek(2).kind == "op" and self.peek(2).value in ("(", "[", "{"):
                self.i += 2
                close = {"(": ")", "[": "]", "{": "}"}[self.next().value]
                items, spans = [], []
                while not self.at_op(close):
                    first = self.tok
                    items.append(self.expr())
                    spans.append(((first.line, first.col), (self.tok.line, self.tok.col)))
                    if not self.accept("op", ","):
                        break
                self.expect("op", close, f"`{close}`")
                return A.Macro(t.line, t.col, t.value, tuple(items), tuple(spans))
            return self.path_expr()
        raise self.error("expected expression")

    def starts_value(self) -> bool:
        return self.starts_expr() and not self.at_op("}", ")", "]", ",", ";") and \
            not self.at("kw", "else")

    def path_expr(self):
        t = self.tok
        segs = [self.path_segment()]
        generics = ()
        while self.at_op("::"):
            self.i += 1
            if self.accept("op", "<"):
                generics = self.generic_args()
                continue
            segs.append(self.path_segment())
        path = A.Path(t.line, t.col, tuple(segs), generics)
        if self.at_op("{") and not self._no_struct and self.looks_like_struct_body():
            self.i += 1
            return A.ObjectLit(t.line, t.col, path.segments, self.object_entries())
        return path

    def looks_like_struct_body(self) -> bool:
        a, b = self.peek(), self.peek(2)
        if a.kind == "op" and a.value == "}":
            return self.tok.line == a.line and self.toks[self.i - 1].value[:1].isupper()
        return a.kind in ("ident", "str") and b.kind == "op" and b.value in (":", ",", "}")

    def object_entries(self) -> tuple:
        """Entries of ``#{…}`` / ``Foo {…}`` after the opening brace, through ``}``."""
        entries = []
        while not self.at_op("}"):
            t = self.tok
            if t.kind == "str":
                self.i += 1
                key = t.value
            else:
                key = self.ident()
            if self.accept("op", ":"):
                value = self.expr()
            else:
                value = A.Path(t.line, t.col, (key,))
            entries.append((key, value))
            if not self.accept("op", ","):
                break
        self.expect("op", "}", "`}`")
        return tuple(entries)

    def labelled(self, label: Token):
        if self.at("kw") and self.tok.value in ("loop", "while", "for"):
            return self.loop_expr(label.value)
        if self.at_op("{"):
            b = self.block()
            return A.Block(b.line, b.col, b.stmts, b.tail, label.value)
        raise self.error("expected loop or block after label")

    def cond(self):
        if self.at("kw", "let"):
            t = self.next()
            pat = self.pattern()
            self.expect("op", "=", "`=`")
            return A.LetCond(t.line, t.col, pat, self.expr(no_struct=True))
        return self.expr(no_struct=True)

    def if_expr(self):
        t = self.next()
        cond = self.cond()
        then = self.block()
        else_ = None
        if self.accept("kw", "else"):
            else_ = self.if_expr() if self.at("kw", "if") else self.block()
        return A.If(t.line, t.col, cond, then, else_)

    def match_expr(self):
        t = self.next()
        subject = self.expr(no_struct=True)
        self.expect("op", "{", "`{`")
        arms = []
        while not self.at_op("}"):
            a = self.tok
            pat = self.pattern()
            guard = self.expr() if self.accept("kw", "if") else None
            self.expect("op", "=>", "`=>`")
            body = self.expr()
            arms.append(A.MatchArm(a.line, a.col, pat, guard, body))
            if not self.accept("op", ",") and not isinstance(body, (A.Block, A.If, A.Match, A.Loop, A.While, A.For)):
                break
        self.expect("op", "}", "`}`")
        return A.Match(t.line, t.col, subject, tuple(arms))

    def loop_expr(self, label):
        t = self.next()
        if t.value == "loop":
            return A.Loop(t.line, t.col, self.block(), label)
        if t.value == "while":
            cond = self.cond()
            return A.While(t.line, t.col, cond, self.block(), label)
        pat = self.pattern()
        self.expect("kw", "in", "`in`")
        it = self.expr(no_struct=True)
        return A.For(t.line, t.col, pat, it, self.block(), label)

    # ------------------------------------------------------------ blocks and statements
    def block(self) -> A.Block:
        """``{ statements [tail] }``."""
        t = self.expect("op", "{", "`{`")
        stmts: list = []
        tail = None
        while not self.at_op("}") and not self.at("eof"):
            if tail is not None:
                stmts.append(A.ExprStmt(tail.line, tail.col, tail))
                tail = None
            start = self.i
            try:
                if self.leading_statement(stmts, stmts):
                    continue
                e = self.expr()
                if self.accept("op", ";"):
                    stmts.append(A.ExprStmt(e.line, e.col, e))
                elif self.at_op("}"):
                    tail = e
                elif _block_like(e):
                    stmts.append(A.ExprStmt(e.line, e.col, e))
                else:
                    raise self.error("expected `;` or `}`")
            except ParseError as err:
                self.errors.append(err)
                if self.i == start:
                    self.i += 1
                self.sync()
        self.expect("op", "}", "`}`")
        return A.Block(t.line, t.col, tuple(stmts), tail)

    def leading_statement(self, items: list, stmts: list) -> bool:
        """Consume an item (to ``items``), a ``let`` (to ``stmts``) or a stray ``;`` if one
        starts here; False when an expression statement follows instead."""
        item = self.maybe_item()
        if item is not None:
            items.append(item)
            return True
        if self.at("kw", "let"):
            stmts.append(self.let())
            return True
        return self.accept("op", ";") is not None

    def let(self) -> A.Let:
        t = self.next()
        pat = self.pattern()
        if self.accept("op", ":"):
            self.type_path()
        self.expect("op", "=", "`=`")
        value = self.expr()
        self.expect("op", ";", "`;`")
        return A.Let(t.line, t.col, pat, value)

    # ------------------------------------------------------------ file
    def file(self) -> A.File:
        """Items and top-level statements of a whole chunk."""
        items, stmts = [], []
        while not self.at("eof"):
            start = self.i
            try:
                if self.leading_statement(items, stmts):
                    continue
                e = self.expr()
                if not self.accept("op", ";") and not self.at("eof") and not _block_like(e):
                    raise self.error("expected `;`")
                stmts.append(A.ExprStmt(e.line, e.col, e))
            except ParseError as err:
                self.errors.append(err)
                if self.i == start:
                    self.i += 1
                self.sync()
                if self.at_op("}"):
                    self.i += 1
        return A.File(1, 1, tuple(items), tuple(stmts))


def _block_like(e) -> bool:
    return isinstance(e, (A.Block, A.If, A.Match, A.Loop, A.While, A.For))


def _text(tok: Token) -> str:
    if tok.kind in ("str", "char"):
        return repr(tok.value)
    if tok.kind == "label":
        return "'" + tok.value
    if tok.kind == "template":
        return "`…`"
    return str(tok.value)


def parse_tokens(tokens: list[Token]) -> tuple[A.File, list[ParseError]]:
    """Parse a token list; returns the file and every error found."""
    p = Parser(tokens)
    try:
        f = p.file()
    except RecursionError:  # pathological nesting: report it, never a traceback
        t = p.toks[min(p.i, len(p.toks) - 1)]
        return A.File(1, 1, (), ()), p.errors + [ParseError("expression nested too deeply",
                                                            t.line, t.col)]
    return f, p.errors


def parse(src: str) -> tuple[A.File | None, list[ParseError]]:
    """Lex and parse ``src``; returns ``(file, errors)`` (file is None on a lexical error)."""
    try:
        tokens = lex(src)
    except LexError as e:
        return None, [ParseError(e.message, e.line, e.col)]
    return parse_tokens(tokens)
