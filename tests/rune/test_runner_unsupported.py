"""`cru rune test` runs the supported tests of a file and names the unsupported ones."""

from __future__ import annotations

from kiln_plugins.cli import main

SOURCE = """\
#[test]
fn plain() {
    assert_eq!(1 + 1, 2);
}

#[test]
async fn uses_async() {
    let x = async || 1;
    x().await;
}

#[test]
fn broken_on_purpose() {
    assert_eq!(1, 2);
}
"""


def test_async_tests_fail_by_name_and_the_rest_run(tmp_path, capsys):
    f = tmp_path / "mixed.rn"
    f.write_text(SOURCE)
    code = main(["rune", "test", str(f)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{f}::plain ... ok" in out
    assert f"{f}::uses_async ... FAILED: {f}:7: async functions and blocks are not supported" in out
    assert f"{f}::broken_on_purpose ... FAILED" in out
    assert out.strip().endswith("1 passed, 2 failed")


def test_real_syntax_errors_still_fail_the_whole_file(tmp_path, capsys):
    f = tmp_path / "bad.rn"
    f.write_text("#[test]\nasync fn a() {}\n#[test]\nfn b() { let = ; }\n")
    code = main(["rune", "test", str(f)])
    out = capsys.readouterr().out
    assert code == 1 and "0 passed, 1 failed" in out and ":4:" in out
