"""Hand-written Rune lexer: source text to a list of :class:`Token`.

Handles the traps listed in the Rune notes: template strings with nested ``${}`` (lexed
recursively into token tuples), ``'label`` versus ``'c'``, ``b'a'`` / ``b"…"``, numeric
literals with ``0x``/``0b``/``0o``, ``_`` separators and suffixes, ``#{``, nested block
comments and doc comments (skipped). ``t.0.1`` lexes as two tuple indexes, not a float.
"""

from __future__ import annotations

from .tokens import KEYWORDS, PUNCTUATION, Token

__all__ = ["LexError", "lex"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"', "$": "$",
            "`": "`", "{": "{", "}": "}"}


class LexError(Exception):
    """A lexical error at a place in the chunk (converted to a diagnostic by the parser)."""

    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def _ident_start(c: str) -> bool:
    return c == "_" or c.isalpha() or (c > "\x7f" and c.isidentifier())


def _ident_char(c: str) -> bool:
    return c == "_" or c.isalnum() or (c > "\x7f" and ("a" + c).isidentifier())


class _Lexer:
    def __init__(self, src: str):
        self.src = src
        self.pos = 0
        self.line = 1
        self.line_start = 0

    def error(self, message: str, pos: int | None = None) -> LexError:
        pos = self.pos if pos is None else pos
        line = self.src.count("\n", 0, pos) + 1
        col = pos - (self.src.rfind("\n", 0, pos) + 1) + 1
        return LexError(message, line, col)

    def place(self, pos: int) -> tuple[int, int]:
        line = self.src.count("\n", 0, pos) + 1
        return line, pos - (self.src.rfind("\n", 0, pos) + 1) + 1

    def skip_trivia(self) -> None:
        src, n = self.src, len(self.src)
        while self.pos < n:
            c = src[self.pos]
            if c in " \t\r\n\f\v\ufeff":
                self.pos += 1
            elif src.startswith("//", self.pos):
                end = src.find("\n", self.pos)
                self.pos = n if end < 0 else end
            elif src.startswith("/*", self.pos):
                start, depth = self.pos, 0
                while True:
                    if self.pos >= n:
                        raise self.error("unterminated block comment", start)
                    if src.startswith("/*", self.pos):
                        depth += 1
                        self.pos += 2
                    elif src.startswith("*/", self.pos):
                        depth -= 1
                        self.pos += 2
                        if depth == 0:
                            break
                    else:
                        self.pos += 1
            else:
                return

    def tokens(self, until_brace: bool = False) -> list[Token]:
        out: list[Token] = []
        depth = 0
        src = self.src
        while True:
            self.skip_trivia()
            if self.pos >= len(src):
                if until_brace:
                    raise self.error("unterminated `${` in template string")
                line, col = self.place(self.pos)
                out.append(Token("eof", None, line, col))
                return out
            if until_brace:
                c = src[self.pos]
                if c == "}" and depth == 0:
                    self.pos += 1
                    return out
            prev = out[-1] if out else None
            tok = self.token(prev)
            out.append(tok)
            if until_brace and tok.kind == "op":
                if tok.value in ("{", "#{"):
                    depth += 1
                elif tok.value == "}":
                    depth -= 1

    def token(self, prev: Token | None) -> Token:
        src, start = self.src, self.pos
        c = src[start]
        line, col = self.place(start)
        if c.isascii() and c.isdigit():
            return self.number(line, col, prev is not None and prev.kind == "op" and prev.value == ".")
        if c == "b" and src.startswith("b'", start):
            self.pos += 1
            ch = self.char_body(start)
            if ord(ch) > 255:
                raise self.error("byte literal out of range", start)
            return Token("byte", ord(ch), line, col)
        if c == "b" and src.startswith('b"', start):
            self.pos += 2
            s = self.string_body('"')
            try:
                return Token("bytes", s.encode("latin-1"), line, col)
            except UnicodeEncodeError:
                raise self.error("non-byte character in byte string", start) from None
        if c == "r" and (src.startswith('r"', start) or src.startswith('r#"', start)):
            return self.raw_string(line, col)
        if _ident_start(c):
            end = start + 1
            while end < len(src) and _ident_char(src[end]):
                end += 1
            self.pos = end
            word = src[start:end]
            if word in KEYWORDS:
                return Token("kw", word, line, col)
            return Token("ident", word, line, col)
        if c == '"':
            self.pos += 1
            return Token("str", self.string_body('"'), line, col)
        if c == "`":
            self.pos += 1
            return Token("template", self.template_body(), line, col)
        if c == "'":
            return self.quote(line, col)
        for p in PUNCTUATION:
            if src.startswith(p, start):
                self.pos += len(p)
                return Token("op", p, line, col)
        raise self.error(f"unexpected character {c!r}")

    def number(self, line: int, col: int, after_dot: bool) -> Token:
        src, start = self.src, self.pos
        n = len(src)
        base = 10
        if src.startswith(("0x", "0X"), start):
            base, digits = 16, "0123456789abcdefABCDEF_"
        elif src.startswith(("0b", "0B"), start):
            base, digits = 2, "01_"
        elif src.startswith(("0o", "0O"), start):
            base, digits = 8, "01234567_"
        if base != 10:
            p = start + 2
            while p < n and src[p] in digits:
                p += 1
            text = src[start + 2:p].replace("_", "")
            if not text:
                raise self.error("missing digits after base prefix", start)
            self.pos = p
            suffix = self.suffix()
            return Token("int", int(text, base), line, col, suffix)
        p = start
        while p < n and (src[p].isascii() and src[p].isdigit() or src[p] == "_"):
            p += 1
        is_float = False
        if not after_dot and p + 1 < n and src[p] == "." and src[p + 1].isascii() and src[p + 1].isdigit():
            is_float = True
            p += 1
            while p < n and (src[p].isascii() and src[p].isdigit() or src[p] == "_"):
                p += 1
        elif not after_dot and p < n and src[p] == "." and (p + 1 >= n or not (
                src[p + 1] == "." or src[p + 1] == "_" or _ident_start(src[p + 1]))):
            is_float = True  # `1.` is a float
            p += 1
        if not after_dot and p < n and src[p] in "eE":
            q = p + 1
            if q < n and src[q] in "+-":
                q += 1
            if q < n and src[q].isascii() and src[q].isdigit():
                while q < n and (src[q].isascii() and src[q].isdigit() or src[q] == "_"):
                    q += 1
                is_float, p = True, q
        text = src[start:p].replace("_", "")
        self.pos = p
        suffix = self.suffix()
        if suffix.startswith("f"):
            is_float = True
        if is_float:
            return Token("float", float(text), line, col, suffix)
        return Token("int", int(text), line, col, suffix)

    def suffix(self) -> str:
        src, p = self.src, self.pos
        while p < len(src) and _ident_char(src[p]):
            p += 1
        suffix = src[self.pos:p]
        if suffix and suffix not in ("u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32",
                                     "i64", "isize", "f32", "f64"):
            raise self.error(f"unknown number suffix `{suffix}`")
        self.pos = p
        return suffix

    def escape(self, quote: str) -> str:
        """Decode one escape; ``self.pos`` is just after the backslash."""
        src = self.src
        if self.pos >= len(src):
            raise self.error("unterminated escape")
        c = src[self.pos]
        self.pos += 1
        if c in _ESCAPES:
            return _ESCAPES[c]
        if c == "x":
            h = src[self.pos:self.pos + 2]
            if len(h) != 2 or any(ch not in "0123456789abcdefABCDEF" for ch in h):
                raise self.error("bad \\x escape")
            self.pos += 2
            return chr(int(h, 16))
        if c == "u":
            if not src.startswith("{", self.pos):
                raise self.error("bad \\u escape, expected `{`")
            end = src.find("}", self.pos)
            if end < 0:
                raise self.error("unterminated \\u escape")
            h = src[self.pos + 1:end].replace("_", "")
            self.pos = end + 1
            try:
                return chr(int(h, 16))
            except ValueError:
                raise self.error("bad \\u escape") from None
        if c == "\n":
            while self.pos < len(src) and src[self.pos] in " \t\r\n":
                self.pos += 1
            return ""
        raise self.error(f"unknown escape \\{c}", self.pos - 2)

    def string_body(self, quote: str) -> str:
        src, start = self.src, self.pos - 1
        parts = []
        while True:
            if self.pos >= len(src):
                raise self.error("unterminated string", start)
            c = src[self.pos]
            self.pos += 1
            if c == quote:
                return "".join(parts)
            if c == "\\":
                parts.append(self.escape(quote))
            else:
                parts.append(c)

    def raw_string(self, line: int, col: int) -> Token:
        src = self.src
        p = self.pos + 1
        hashes = 0
        while src[p] == "#":
            hashes += 1
            p += 1
        end_mark = '"' + "#" * hashes
        end = src.find(end_mark, p + 1)
        if end < 0:
            raise self.error("unterminated raw string")
        self.pos = end + len(end_mark)
        return Token("str", src[p + 1:end], line, col)

    def template_body(self) -> tuple:
        src, start = self.src, self.pos - 1
        parts: list = []
        buf: list[str] = []
        while True:
            if self.pos >= len(src):
                raise self.error("unterminated template string", start)
            c = src[self.pos]
            self.pos += 1
            if c == "`":
                break
            if c == "\\":
                buf.append(self.escape("`"))
            elif c == "$" and src.startswith("{", self.pos):
                self.pos += 1
                if buf:
                    parts.append("".join(buf))
                    buf = []
                toks = self.tokens(until_brace=True)
                line, col = self.place(self.pos - 1)
                toks.append(Token("eof", None, line, col))
                parts.append(tuple(toks))
            else:
                buf.append(c)
        if buf:
            parts.append("".join(buf))
        return tuple(parts)

    def char_body(self, start: int) -> str:
        """Lex ``'c'`` with ``self.pos`` on the opening quote; return the character."""
        src = self.src
        self.pos += 1
        if self.pos >= len(src):
            raise self.error("unterminated char literal", start)
        c = src[self.pos]
        self.pos += 1
        if c == "\\":
            c = self.escape("'")
        if not src.startswith("'", self.pos) or len(c) != 1:
            raise self.error("bad char literal", start)
        self.pos += 1
        return c

    def quote(self, line: int, col: int) -> Token:
        src, start = self.src, self.pos
        nxt = src[start + 1:start + 2]
        if nxt and nxt != "\\" and _ident_start(nxt) and src[start + 2:start + 3] != "'":
            end = start + 2
            while end < len(src) and _ident_char(src[end]):
                end += 1
            self.pos = end
            return Token("label", src[start + 1:end], line, col)
        return Token("char", self.char_body(start), line, col)


def lex(src: str) -> list[Token]:
    """Tokens of ``src`` ending with an ``eof`` token; raises :class:`LexError`."""
    return _Lexer(src).tokens()
