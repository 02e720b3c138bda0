"""The Rune sandbox: budgets, call depth, memory, wall clock, and no way out to Python."""

from __future__ import annotations

import pytest

from kiln_plugins.errors import LimitExceeded, PluginRuntimeError, RuneCompileError
from kiln_plugins.limits import Limits
from kiln_plugins.model import CodeChunk
from kiln_plugins.rune.unit import RuneUnit

SMALL = Limits(instructions=200_000, timeout_ms=20_000, call_depth=200, memory_mb=16)


def unit(src: str, limits: Limits = SMALL, host=None) -> RuneUnit:
    return RuneUnit([CodeChunk(src, "plugins/s.md", first_line=10)], host or {}, limits,
                    plugin="s", on_log=lambda level, line: None)


def run(src: str, limits: Limits = SMALL, host=None):
    return unit(src, limits, host).run_main()


def test_budget_exhausted_in_loop():
    with pytest.raises(LimitExceeded) as info:
        run("fn main() {\n let n = 0;\n loop { n += 1; }\n}")
    assert info.value.limit == "instructions"
    assert info.value.plugin == "s"
    assert info.value.path == "plugins/s.md"
    assert info.value.line == 12


def test_budget_exhausted_in_recursion_without_depth():
    src = "fn f(n) { if n == 0 { 0 } else { f(n - 1) + f(n - 1) } }\nfn main() { f(40) }"
    with pytest.raises(LimitExceeded) as info:
        run(src)
    assert info.value.limit == "instructions"


def test_budget_counts_while_and_for_back_edges():
    with pytest.raises(LimitExceeded):
        run("fn main() { let i = 0; while true { i += 1; } }")
    with pytest.raises(LimitExceeded):
        run("fn main() { for i in 0.. { } }")


def test_budget_is_enough_for_bounded_work():
    assert run("fn main() { let s = 0; for i in 0..1000 { s += i; } s }") == 499500


def test_deep_recursion_hits_call_depth():
    with pytest.raises(LimitExceeded) as info:
        run("fn down(n) { down(n + 1) }\nfn main() { down(0) }")
    assert info.value.limit == "call_depth"
    assert info.value.line == 10


def test_recursion_within_call_depth_works():
    assert run("fn down(n) { if n == 0 { 0 } else { 1 + down(n - 1) } }\n"
               "fn main() { down(150) }") == 150


def test_closure_recursion_counts_depth():
    with pytest.raises(LimitExceeded) as info:
        run("fn main() { let f = |f, n| f(f, n + 1); f(f, 0) }")
    assert info.value.limit == "call_depth"


def test_memory_growth_is_limited():
    # Bounded so a missing memory check fails the test instead of exhausting the machine.
    src = "fn main() { let s = \"xxxxxxxx\"; for i in 0..24 { s = s + s; } s.len() }"
    with pytest.raises(LimitExceeded) as info:
        run(src, Limits(instructions=10_000_000, memory_mb=8, timeout_ms=20_000))
    assert info.value.limit == "memory_mb"


def test_vector_growth_is_limited():
    src = "fn main() { let v = []; for i in 0..300000 { v.push(i); } }"
    with pytest.raises(LimitExceeded) as info:
        run(src, Limits(instructions=5_000_000, memory_mb=1, timeout_ms=20_000))
    assert info.value.limit == "memory_mb"


def test_wall_clock_limit():
    with pytest.raises(LimitExceeded) as info:
        run("fn main() { loop { } }", Limits(instructions=10_000_000_000, timeout_ms=100))
    assert info.value.limit == "timeout_ms"


def test_hard_timeout_callback_not_called_for_quick_calls():
    called = []
    u = RuneUnit([CodeChunk("pub fn f(a) { 1 }", "p.md")], {}, SMALL, plugin="p",
                 on_hard_timeout=called.append)
    assert u.call("f", {}) == 1
    assert called == []


@pytest.mark.parametrize("expr", ["x.__class__", "x.__dict__", "x.__globals__",
                                  "f.__globals__", "f.__code__", "s.__class__"])
def test_no_python_attributes(expr):
    src = f"fn g() {{ 1 }}\nfn main() {{\n let x = #{{a: 1}}; let f = g; let s = \"t\";\n {expr}\n}}"
    with pytest.raises(PluginRuntimeError) as info:
        run(src)
    assert info.value.line == 13
    assert "internal error" not in str(info.value)


def test_underscore_identifiers_are_plain_variables():
    src = ("fn main() { let __builtins__ = 1; let __class__ = 2; let __import__ = 3;\n"
           " let int = 4; __builtins__ + __class__ + __import__ + int }")
    assert run(src) == 10


def test_python_builtins_are_not_reachable():
    for name in ("__import__", "open", "eval", "exec", "getattr", "globals"):
        with pytest.raises((PluginRuntimeError, RuneCompileError)):
            run(f"fn main() {{ {name}(\"os\") }}")


def test_format_strings_cannot_reach_attributes():
    with pytest.raises(PluginRuntimeError):
        run('fn main() { let x = 1; format!("{x.__class__}") }')
    out = run('fn main() { let x = 1; format!("{0}", x) }')
    assert out == "1"


def test_distinct_unicode_identifiers_stay_distinct():
    # Python would NFKC-normalise both names to `fi`.
    assert run("fn main() { let \ufb01 = 1; let fi = 2; \ufb01 * 10 + fi }") == 12


def test_host_functions_are_called_with_plain_values():
    got = []

    def read(path):
        got.append(path)
        return {"text": "hi", "n": [1, 2]}
    src = 'pub fn main() { let r = kiln::read("a.md"); r.n[1] + r.text.len() }'
    assert run(src, host={"kiln": {"read": read}}) == 4
    assert got == ["a.md"]


def test_dotted_host_module():
    src = 'pub fn main() { std::json::encode(#{a: [1]}) }'
    host = {"std.json": {"encode": lambda v: repr(v)}}
    assert run(src, host=host) == "{'a': [1]}"


def test_tool_call_converts_both_ways():
    u = unit("pub fn roll(args) { #{total: args.n * 2, tag: Some(args.tag), none: None} }")
    assert u.functions() == {"roll"}
    assert u.call("roll", {"n": 21, "tag": "x"}) == {"total": 42, "tag": "x", "none": None}


def test_err_result_becomes_runtime_error():
    u = unit('pub fn bad(args) {\n Err("nope")\n}')
    with pytest.raises(PluginRuntimeError) as info:
        u.call("bad", {})
    assert "nope" in str(info.value)


def test_test_fences_and_test_functions():
    from kiln_plugins.errors import TestFailure
    code = CodeChunk("pub fn double(x) { x * 2 }", "plugins/d.md", first_line=5)
    u = RuneUnit([code], {}, SMALL, plugin="d")
    fence = CodeChunk("assert_eq!(double(2), 4);\nassert_eq!(double(3), 7);", "plugins/d.md",
                      first_line=20, name="test 1")
    with pytest.raises(TestFailure) as info:
        u.run_test(fence)
    assert (info.value.path, info.value.line) == ("plugins/d.md", 21)
    fns = CodeChunk("#[test]\nfn ok() { assert!(double(1) == 2); }\n"
                    "#[test(should_panic)]\nfn boom() { panic!(\"x\") }\n"
                    "#[test]\nfn none() { None }", "plugins/d.md", first_line=30, name="test 2")
    assert u.test_functions(fns) == [("ok", False, 31), ("boom", True, 33), ("none", False, 35)]
    u.run_test_function(fns, "ok")
    u.run_test_function(fns, "boom", should_panic=True)
    with pytest.raises(TestFailure):
        u.run_test_function(fns, "boom")
    with pytest.raises(TestFailure) as info:
        u.run_test_function(fns, "none")
    assert "None" in str(info.value)


def test_eval_sees_the_code():
    u = RuneUnit([CodeChunk("fn sq(x) { x * x }", "p.md")], {}, SMALL, plugin="p")
    assert u.eval(CodeChunk("sq(7) + 1", "p.md", first_line=9)) == 50


def test_in_place_string_growth_is_limited():
    src = 'fn main() { let s = String::new(); for i in 0..400000 { s.push_str("xxxxxxxx"); } }'
    with pytest.raises(LimitExceeded) as info:
        run(src, Limits(instructions=5_000_000, memory_mb=1, timeout_ms=20_000))
    assert info.value.limit == "memory_mb"


# ---------------------------------------------------------------- runner (cru rune run|test)

@pytest.mark.parametrize("src,code,last", [
    ('fn main() { println!("hi {}", 1 + 1); }', 0, "hi 2"),
    ("fn main() {\n let v = [];\n v[3]\n}", 1, "prog.rn:3: index out of bounds"),
    ("fn main() { let = 1; }", 2, "prog.rn:1:17: expected pattern"),
    ("fn main() { loop {} }", 4, "exceeded limit instructions"),
])
def test_run_file_exit_codes(tmp_path, src, code, last):
    from kiln_plugins.rune.runner import run_file
    path = tmp_path / "prog.rn"
    path.write_text(src)
    lines = []
    assert run_file(path, limits=SMALL, out=lines.append) == code
    assert last.split(": ")[-1] in lines[-1]
    if code in (1, 2):
        assert lines[-1].startswith(str(path) + ":")


def test_test_files_counts_and_reports(tmp_path):
    from kiln_plugins.rune.runner import test_files
    path = tmp_path / "t.rn"
    path.write_text("#[test]\nfn good() { assert_eq!(1 + 1, 2); }\n"
                    "#[test]\nfn bad() { assert!(false); }\n"
                    "#[test(should_panic)]\nfn expected_panic() { panic!(\"x\"); }\n"
                    "#[test]\nfn err() { Err(\"no\") }\n"
                    "mod inner { #[test] fn nested() { } }\n")
    lines = []
    assert test_files([path], limits=SMALL, out=lines.append) == (3, 2)
    assert lines[-1] == "3 passed, 2 failed"
    assert sum("... ok" in line for line in lines) == 3
    assert any("bad ... FAILED" in line and ":4: assertion failed: false" in line for line in lines)


def test_host_kiln_errors_propagate_with_their_class_and_place():
    from kiln_plugins.errors import CapabilityError

    def denied(path):
        raise CapabilityError("plugin 's' lacks capability kiln.write")
    src = 'fn main() {\n kiln::write("a.md")\n}'
    with pytest.raises(CapabilityError) as info:
        run(src, host={"kiln": {"write": denied}})
    assert (info.value.path, info.value.line) == ("plugins/s.md", 11)


def test_host_bug_is_a_runtime_error_not_a_traceback():
    def broken(x):
        raise ValueError("boom")
    with pytest.raises(PluginRuntimeError) as info:
        run("fn main() { kiln::read(1) }", host={"kiln": {"read": broken}})
    assert info.value.line == 10


def test_long_operator_chains_compile():
    src = "pub fn main() { let x = 1; " + " + ".join(["x"] * 400) + " }"
    assert run(src) == 400


@pytest.mark.parametrize("src", ["[" * 3000 + "]" * 3000, "(" * 30000 + "1" + ")" * 30000,
                                 "!" * 5000 + "true"])
def test_pathological_nesting_is_a_compile_error(src):
    with pytest.raises(RuneCompileError) as info:
        run("fn main() {\n" + src + "\n}")
    assert "nested too deeply" in str(info.value)
    assert info.value.path == "plugins/s.md" and info.value.line == 11
