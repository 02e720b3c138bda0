"""Fuzzing with hypothesis: parsers and loaders raise only the project's own errors.

On arbitrary input the note parser (frontmatter included), the plugin manifest loader, the
wikilink extractor, the Lua chunk loader (with and without the host API) and the Rune
lexer, parser and compiler either succeed or raise a ``KilnError`` subclass carrying a place —
never a Python exception from inside (DESIGN §10: no traceback, ever). The Rune lexer's
``LexError`` and the parser's collected ``ParseError`` are the front end's internal carriers;
``compile_chunks`` is where they become ``RuneCompileError`` and is held to the stricter rule.

Inputs mix free text with grammar-shaped fragments (YAML keys, anchors, fences, Lua and Rune
tokens) so the fuzzer reaches past the first syntax check. ``make stress`` runs many more.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiln_plugins.errors import KilnError, RuneCompileError, ValidationError
from kiln_plugins.kiln import Kiln
from kiln_plugins.limits import resolve_limits
from kiln_plugins.model import CodeChunk
from kiln_plugins.note import decode_note_bytes, parse_note, read_note
from kiln_plugins.plugin_spec import load_spec
from kiln_plugins.sandbox.lua_runtime import LuaUnit
from kiln_plugins.wikilinks import extract_links

DEFAULT = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
STRESS = settings(DEFAULT, max_examples=3000)

YAML_BITS = ["type: plugin\n", "name: fz\n", "name: [1, 2]\n", "version: 1.2.3\n", "version: x\n",
             "tools:\n", "  t:\n", "    description: d\n", "    parameters:\n", "      type: object\n",
             "      properties: {a: {type: integr}}\n", "permissions: [kiln.read, net]\n",
             "permissions:\n  - net: [a.com]\n", "limits: {timeout_ms: 999999999}\n",
             "limits: {memory_mb: -1}\n", "requires: [fz>=1.0, '>>']\n", "language: rune\n",
             "a: &a [x, x, x]\n", "b: [*a, *a, *a]\n", "c: *zz\n", "- item\n", "? complex\n",
             "key: 'unclosed\n", "key: \"\\x\"\n", "\t", ": :\n", "{", "}", "[", "]", "!!python/object:os.system\n",
             "tags: [a, b]\n", "title: 12\n", "aliases: x\n", "generated_by: me\n", "\ufeff", "\r\n", "\0"]
BODY_BITS = ["# H\n", "[[a]]", "[[a|b]]", "[[a#h]]", "[[#h]]", "![[e]]", "[[a#^b]]", "[t](x.md)",
             "`[[c]]`", "```lua\n", "```rune\n", "```lua test\n", "```\n", "~~~\n", "    code\n",
             "function t(args) return 1 end\n", "pub fn t(args) { 1 }\n", "#tag ", "\n", "]]", "[[",
             "|", "#", "^", "\\", "<div>\n", "> quote\n", "- list\n", "1. item\n", "---\n", "===\n"]


def pieces(bits: list[str]) -> st.SearchStrategy[str]:
    """Text built from grammar-shaped fragments and free text."""
    return st.lists(st.one_of(st.sampled_from(bits), st.text(max_size=12)), max_size=30).map("".join)


NOTE_TEXT = st.one_of(
    st.text(max_size=300),
    st.builds(lambda fm, body: "---\n" + fm + "---\n" + body, pieces(YAML_BITS), pieces(BODY_BITS)),
    st.builds(lambda fm, body: "---\n" + fm + body, pieces(YAML_BITS), pieces(BODY_BITS)),
)


@DEFAULT
@given(NOTE_TEXT)
def test_note_parser_and_manifest_loader_never_raise(text):
    note = parse_note("fuzz/note.md", text)
    for d in note.diagnostics:
        assert d.path == "fuzz/note.md" and "\n" not in d.message
    spec = load_spec(note)
    lines = max(1, text.count("\n") + 2)
    for d in spec.diagnostics:
        assert d.path == "fuzz/note.md" and 0 <= d.line <= lines and "\n" not in str(d)
    assert spec.valid == (not any(d.severity == "error" for d in spec.diagnostics))


@DEFAULT
@given(st.binary(max_size=400) | NOTE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_reading_arbitrary_bytes_gives_diagnostics_not_exceptions(tmp_path_factory, data):
    text, diags = decode_note_bytes("x.md", data)
    assert "\0" not in text and all(d.line >= 1 for d in diags)
    root = tmp_path_factory.mktemp("bytes")
    (root / "x.md").write_bytes(data)
    note = read_note(root, "x.md")
    assert note.id == "x.md"
    load_spec(note)


@DEFAULT
@given(pieces(BODY_BITS))
def test_wikilink_extractor_never_raises_and_stays_in_the_text(text):
    links = extract_links(text)
    n_lines = text.count("\n") + 1
    for link in links:
        assert 1 <= link.line <= n_lines


LUA_BITS = ["function ", "end ", "local ", "return ", "if ", "then ", "else ", "while ", "do ",
            "for i = 1, 3 do ", "repeat ", "until ", "x", "y", " = ", "==", "..", "(", ")", "{", "}",
            "[", "]", ",", ";", "\n", "1", "1e309", "-", "#", "'s'", '"', "[[", "]]", "--", "--[[",
            "nil", "true", "goto ", "::l::", "...", "load", "string.rep('x', 1e9)", "setmetatable",
            "getmetatable('')", "string.find(('a'):rep(30), '(a*)*b')", "error(", "pcall(", "coroutine.wrap(",
            "os.exit()", "io", "debug", "python", "require 'x'", "rawget(_G, 'x')", "collectgarbage('step')",
            "string.dump", "tostring(", "kiln.read('a.md')", "kiln.search(", "kiln.list({folder=1})",
            "state.get(", "log.info(", "std.json.decode('[')", "std.re.find(", "tools.call('nope', {})",
            "graph.neighbors(", "while true do end", "x = x .. x "]
LUA_LIMITS = resolve_limits({"instructions": 200_000, "timeout_ms": 2_000, "memory_mb": 16})
LUA_SOURCE = st.one_of(st.text(max_size=200), pieces(LUA_BITS))


def test_lua_bad_escape_before_non_ascii_is_a_validation_error():
    with pytest.raises(ValidationError) as caught:
        LuaUnit([CodeChunk('local s = "\\é"\n', "fuzz/plugin.md", 5)], {}, LUA_LIMITS, plugin="fuzz")
    assert caught.value.path == "fuzz/plugin.md" and caught.value.line == 5


@DEFAULT
@given(LUA_SOURCE, st.integers(1, 40))
def test_lua_chunk_loader_raises_only_project_errors(source, first_line):
    try:
        unit = LuaUnit([CodeChunk(source, "fuzz/plugin.md", first_line)], {}, LUA_LIMITS, plugin="fuzz")
        for name in sorted(unit.functions())[:3]:
            unit.call(name, {"a": 1})
    except KilnError as exc:
        assert "\n" not in exc.message.strip() or exc.path is not None
        assert exc.path in (None, "fuzz/plugin.md")
        if exc.path is not None and exc.line:
            assert exc.line >= first_line


@pytest.fixture(scope="module")
def small_kiln(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzzkiln")
    (root / "a.md").write_text("---\ntags: [x]\n---\n# A\n[[b]]\n", encoding="utf-8")
    (root / "b.md").write_text("# B\n", encoding="utf-8")
    kiln = Kiln.open(root)
    yield kiln
    kiln.close()


@DEFAULT
@given(pieces(LUA_BITS))
def test_lua_snippets_against_the_real_host_api_raise_only_project_errors(small_kiln, source):
    try:
        small_kiln.registry.eval_snippet("lua", source)
    except KilnError:
        pass
    assert sorted(small_kiln.index.notes) == ["a.md", "b.md"]  # kiln.read only: nothing written


RUNE_BITS = ["fn ", "pub fn ", "main", "(", ")", "{", "}", "[", "]", "let ", "mut ", "x", "y", " = ",
             ";", ",", ".", "::", "=>", "->", "match ", "if ", "else ", "while ", "loop ", "for ",
             " in ", "break", "continue", "return ", "struct ", "enum ", "impl ", "self", "Some(",
             "None", "Ok(", "Err(", "?", "1", "9223372036854775807", "0x", "1.5", "'c'", "'\\u{",
             "b'x'", '"s"', '"${', "`t ${x}`", "r#\"", "//", "/*", "#[test]", "async ", ".await",
             "yield ", "select ", "|a| a", "&&", "||", "!", "+", "-", "*", "/", "%", "<<", "..=",
             "..", "\n", " ", "\\", "@", "$", "kiln::read(", "std::json::decode("]




RUNE_SOURCE = st.one_of(st.text(max_size=200), pieces(RUNE_BITS))


def test_rune_lexer_rejects_non_decimal_digits_cleanly():
    from kiln_plugins.rune.lexer import LexError, lex
    from kiln_plugins.rune.unit import compile_chunks

    with pytest.raises(LexError):
        lex("let x = ²;")
    with pytest.raises(RuneCompileError):
        compile_chunks([CodeChunk("pub fn main() { ² }", "fuzz/plugin.md", 1)])


@DEFAULT
@given(RUNE_SOURCE)
def test_rune_lexer_and_parser_raise_only_their_carriers(source):
    from kiln_plugins.rune.lexer import LexError, lex
    from kiln_plugins.rune.parser import parse

    try:
        lex(source)
    except LexError as exc:
        assert exc.line >= 1 and exc.message
    tree, errors = parse(source)  # never raises: errors are collected
    assert tree is not None or errors
    for e in errors:
        assert e.line >= 1 and e.message and "\n" not in e.message


@DEFAULT
@given(RUNE_SOURCE, st.integers(1, 40))
def test_rune_compiler_raises_only_rune_compile_errors(source, first_line):
    from kiln_plugins.rune.unit import compile_chunks

    try:
        compile_chunks([CodeChunk(source, "fuzz/plugin.md", first_line)])
    except RuneCompileError as exc:
        assert exc.path == "fuzz/plugin.md" and exc.line >= first_line
        assert all(d.path == "fuzz/plugin.md" for d in exc.diagnostics)


@pytest.mark.stress
@STRESS
@given(NOTE_TEXT)
def test_stress_note_parser(text):
    load_spec(parse_note("fuzz/note.md", text))


@pytest.mark.stress
@STRESS
@given(st.one_of(st.text(max_size=400), pieces(LUA_BITS)))
def test_stress_lua_loader(source):
    try:
        LuaUnit([CodeChunk(source, "fuzz/plugin.md", 1)], {}, LUA_LIMITS, plugin="fuzz")
    except KilnError:
        pass


@pytest.mark.stress
@STRESS
@given(st.one_of(st.text(max_size=400), pieces(RUNE_BITS)))
def test_stress_rune_compiler(source):
    from kiln_plugins.rune.unit import compile_chunks

    try:
        compile_chunks([CodeChunk(source, "fuzz/plugin.md", 1)])
    except RuneCompileError:
        pass
