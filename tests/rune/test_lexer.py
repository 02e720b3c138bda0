"""The Rune lexer: the traps listed in the Rune notes, one test each."""

from __future__ import annotations

import pytest

from kiln_plugins.rune.lexer import LexError, lex


def kinds(src):
    return [(t.kind, t.value) for t in lex(src)[:-1]]


def test_template_with_nested_braces_and_strings():
    (tok,) = lex('`a ${b + "}"} c ${ #{x: 1}.x }`')[:-1]
    assert tok.kind == "template"
    a, b, c, d = tok.value
    assert a == "a " and c == " c "
    assert [t.value for t in b][:3] == ["b", "+", "}"]
    assert [t.value for t in d][:2] == ["#{", "x"]


def test_nested_templates():
    (tok,) = lex("`x${ `y${1}` }`")[:-1]
    inner = tok.value[1][0]
    assert inner.kind == "template" and inner.value[0] == "y"


def test_label_versus_char():
    assert kinds("'a: loop { break 'a; } 'c' '\\n' '\\''") == [
        ("label", "a"), ("op", ":"), ("kw", "loop"), ("op", "{"), ("kw", "break"),
        ("label", "a"), ("op", ";"), ("op", "}"), ("char", "c"), ("char", "\n"), ("char", "'")]


def test_byte_literals():
    assert kinds("b'a' b\"ab\\x01\"") == [("byte", 97), ("bytes", b"ab\x01")]


def test_numbers_with_bases_separators_and_suffixes():
    toks = lex("0x_ff 0b1010 0o17 1_000 1.5e3 42u8 1.0f32 7f64 2.")[:-1]
    assert [(t.kind, t.value, t.suffix) for t in toks] == [
        ("int", 255, ""), ("int", 10, ""), ("int", 15, ""), ("int", 1000, ""),
        ("float", 1500.0, ""), ("int", 42, "u8"), ("float", 1.0, "f32"), ("float", 7.0, "f64"),
        ("float", 2.0, "")]


def test_tuple_index_chain_is_not_a_float():
    assert kinds("t.0.1") == [("ident", "t"), ("op", "."), ("int", 0), ("op", "."), ("int", 1)]


def test_range_after_integer():
    assert kinds("1..2 0..=n") == [("int", 1), ("op", ".."), ("int", 2), ("int", 0),
                                    ("op", "..="), ("ident", "n")]


def test_object_literal_and_closure_bars():
    assert kinds("#{} || |x|") == [("op", "#{"), ("op", "}"), ("op", "||"), ("op", "|"),
                                   ("ident", "x"), ("op", "|")]


def test_comments_nested_and_doc():
    assert kinds("/* a /* b */ c */ x /// doc\n//! inner\ny // z") == [("ident", "x"), ("ident", "y")]


def test_attributes_are_tokens():
    assert kinds("#[test(should_panic)]")[:3] == [("op", "#"), ("op", "["), ("ident", "test")]


def test_string_escapes():
    assert kinds(r'"a\tb\u{1F600}\\"') == [("str", "a\tb\U0001F600\\")]


def test_unicode_identifiers():
    assert kinds("ﬁ fi") == [("ident", "ﬁ"), ("ident", "fi")]


def test_positions():
    toks = lex("a\n  bb")
    assert (toks[1].line, toks[1].col) == (2, 3)


@pytest.mark.parametrize("src,message", [
    ('"abc', "unterminated string"),
    ("/* x", "unterminated block comment"),
    ("`a ${b", "unterminated"),
    ("0x", "missing digits"),
    ("1u7", "unknown number suffix"),
    ("a ¤ b", "unexpected character"),
])
def test_errors(src, message):
    with pytest.raises(LexError) as info:
        lex(src)
    assert message in info.value.message
    assert info.value.line == 1
