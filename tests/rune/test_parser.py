"""The Rune parser: precedence, the struct-literal rule, items, patterns and error recovery."""

from __future__ import annotations

from kiln_plugins.rune import ast as A
from kiln_plugins.rune.parser import parse


def expr(src):
    tree, errors = parse(f"fn f() {{ {src} }}")
    assert errors == [], [(e.line, e.col, e.message) for e in errors]
    return tree.items[0].body.tail


def shape(e):
    if isinstance(e, A.Binary):
        return f"({shape(e.left)} {e.op} {shape(e.right)})"
    if isinstance(e, A.Lit):
        return str(e.value)
    if isinstance(e, A.Path):
        return "::".join(e.segments)
    if isinstance(e, A.Range):
        return f"({shape(e.start) if e.start else ''}..{shape(e.end) if e.end else ''})"
    if isinstance(e, A.Is):
        return f"({shape(e.expr)} is {'not ' if e.negated else ''}{'::'.join(e.type)})"
    if isinstance(e, A.Unary):
        return f"({e.op}{shape(e.operand)})"
    if isinstance(e, A.Assign):
        return f"({shape(e.target)} {e.op} {shape(e.value)})"
    return type(e).__name__


def test_precedence_table():
    assert shape(expr("1 + 2 * 3 - 4")) == "((1 + (2 * 3)) - 4)"
    assert shape(expr("a << 1 + 2")) == "(a << (1 + 2))"
    assert shape(expr("a & b ^ c | d")) == "(((a & b) ^ c) | d)"
    assert shape(expr("a == b && c < d || e")) == "(((a == b) && (c < d)) || e)"
    assert shape(expr("a..b + 1")) == "(a..(b + 1))"
    assert shape(expr("-a * b")) == "((-a) * b)"
    assert shape(expr("x is i64 && y is not String")) == "((x is i64) && (y is not String))"


def test_assignment_is_right_associative():
    assert shape(expr("a = b += 1")) == "(a = (b += 1))"


def test_struct_literal_not_allowed_in_conditions():
    tree, errors = parse("fn f() { for x in a..b { x } if p == Foo { 1 } else { 2 } }")
    assert errors == []
    loop = tree.items[0].body.stmts[0].expr
    assert isinstance(loop, A.For) and shape(loop.iter) == "(a..b)"


def test_struct_literal_in_expression():
    e = expr("Foo { a: 1, b }")
    assert isinstance(e, A.ObjectLit) and e.path == ("Foo",) and [k for k, _ in e.entries] == ["a", "b"]


def test_postfix_chain_and_turbofish():
    e = expr("v.iter().map(|x| x * 2).collect::<Vec>()?")
    assert isinstance(e, A.Try)
    call = e.expr
    assert isinstance(call, A.MethodCall) and call.name == "collect" and call.generics == (("Vec",),)


def test_labels_break_values_and_blocks():
    e = expr("'outer: loop { break 'outer 5; }")
    assert isinstance(e, A.Loop) and e.label == "outer"
    brk = e.body.stmts[0].expr
    assert isinstance(brk, A.Break) and brk.label == "outer" and brk.value.value == 5


def test_items_and_attributes():
    tree, errors = parse("""
#[test(should_panic)]
pub fn t() {}
struct U;
struct T(a, b);
struct N { a, b }
enum E { A, B(x), C { y } }
impl N { fn new() { N { a: 1, b: 2 } } fn get(self) { self.a } }
mod m { pub const X = 1; }
use m::{X as Y, *};
""")
    assert errors == []
    fn, u, t, n, e, impl, mod, use = tree.items
    assert fn.attrs == ("test(should_panic)",) and fn.is_pub
    assert (u.kind, t.kind, t.fields, n.kind) == ("unit", "tuple", ("a", "b"), "named")
    assert e.variants == (("A", "unit", ()), ("B", "tuple", ("x",)), ("C", "named", ("y",)))
    assert impl.fns[1].has_self
    assert use.entries == ((("m", "X"), "Y"), (("m",), "*"))


def test_patterns():
    tree, errors = parse("fn f(x) { match x { [a, .., z] => 1, #{k, \"s\": v, ..} => 2,"
                         " E::B(y) if y > 0 => 3, P { a, .. } => 4, (1, _) => 5, -2 => 6, n @ _ => 7 } }")
    assert errors == []
    pats = [arm.pattern for arm in tree.items[0].body.tail.arms]
    assert isinstance(pats[0], A.PSeq) and pats[0].rest and len(pats[0].after) == 1
    assert isinstance(pats[1], A.PObject) and pats[1].rest and pats[1].fields[1][0] == "s"
    assert isinstance(pats[2], A.PTupleStruct) and pats[2].path == ("E", "B")
    assert isinstance(pats[3], A.PObject) and pats[3].path == ("P",)
    assert isinstance(pats[4], A.PSeq) and pats[4].kind == "tuple"
    assert isinstance(pats[5], A.PLit) and pats[5].value == -2
    assert isinstance(pats[6], A.PBindAt)


def test_template_expressions_are_parsed():
    e = expr("`a ${x + 1} b`")
    assert isinstance(e, A.Template) and shape(e.parts[1]) == "(x + 1)"


def test_recovery_reports_several_errors():
    _, errors = parse("fn a() { let x = ; }\nfn b() { 1 + ; }\nfn c() { ok() }\nfn d( { }")
    lines = sorted({e.line for e in errors})
    assert lines[:2] == [1, 2] and 4 in lines
    assert all(e.col > 0 for e in errors)


def test_unsupported_constructs_name_themselves():
    _, errors = parse("async fn f() { x.await }\nfn g() { yield 1; select { } }")
    messages = [(e.line, e.message) for e in errors]
    assert (1, "async functions and blocks are not supported") in messages
    assert (1, "`.await` is not supported") in messages
    assert (2, "generators (`yield`) are not supported") in messages
    assert any("select" in m for _, m in messages)
