"""The manifest schema, its diagnostics and line mapping, and the semver rules behind requires."""

from __future__ import annotations

import jsonschema
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kiln_plugins.limits import SYSTEM_MAXIMUMS, Limits
from kiln_plugins.manifest import (MANIFEST_SCHEMA, NOTE_KEYS, frontmatter_block, line_of,
                                   manifest_json, validate_manifest, yaml_key_lines)
from kiln_plugins.semver import Version, parse_range, parse_requirement, parse_version


def check(text: str, **options) -> list[tuple[int, str]]:
    """Validate frontmatter YAML whose first line is note line 2, as (line, message) pairs."""
    lines, duplicates = yaml_key_lines(text, 2)
    found = validate_manifest(yaml.safe_load(text), lines, "p.md", duplicates=duplicates,
                              **options)
    assert all(d.path == "p.md" for d in found)
    return [(d.line, d.message) for d in found]


VALID = """\
type: plugin
name: dice-roller
version: 1.2.0
description: Roll dice.
language: lua
permissions: [kiln.read, state, tools.call, kiln.write, plugins.write, {net: [a.example]},
  {fs.read: [/tmp]}]
requires: [rng-utils>=1.0, "other ^0.2, <0.2.5"]
limits: {timeout_ms: 2000, memory_mb: 32, instructions: 50000000, call_depth: 10,
  output_kb: 1, write_mb: 1}
tools:
  roll_dice:
    description: Roll dice.
    title: Dice
    parameters: {type: object, properties: {notation: {type: string}}, required: [notation]}
tags: [plugin, games]
aliases: dice
cssclasses: [wide]
title: Dice roller
author: me
license: MIT
homepage: https://example.org
generated_by: claude-code
created: 2024-05-01
updated: 2024-05-02T10:00:00
"""


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(MANIFEST_SCHEMA)
    assert set(NOTE_KEYS) <= set(MANIFEST_SCHEMA["properties"])


def test_a_complete_manifest_has_no_problems():
    assert check(VALID) == []


def test_minimal_manifest_needs_only_type_and_name():
    assert check("type: plugin\nname: x\n") == []
    assert check("type: plugin\n") == [(1, "missing key 'name'")]


@pytest.mark.parametrize("text, expected", [
    ("type: plugin\nname: a\nfoo: 1\n", (4, "unknown key 'foo'")),
    ("type: plugin\nname: a\ndescrption: x\n",
     (4, "unknown key 'descrption' (did you mean 'description'?)")),
    ("type: plugin\nname: a\ndescription: 3\n", (4, "description must be a string, not 3")),
    ("type: plugin\nname: a\nlanguage: python\n",
     (4, "language must be lua or rune, not 'python'")),
    ("type: plugin\nname: a\nversion: 1\n",
     (4, "version 1 is not semver: write it as a string like 1.2.0")),
    ("type: plugin\nname: a\nversion: v1.0.0\n",
     (4, "version 'v1.0.0' is not semver (MAJOR.MINOR.PATCH, e.g. 1.2.0)")),
    ("type: plugin\nname: -a\n",
     (3, "name '-a' is not kebab-case (lower-case letters, digits and single hyphens)")),
    ("type: plugin\nname: a\npermissions: state\n",
     (4, "permissions must be a list, not 'state'")),
    ("type: plugin\nname: a\npermissions:\n  - state\n  - {ftp: [x]}\n",
     (6, "unknown permission 'ftp'")),
    ("type: plugin\nname: a\npermissions:\n  - {net: hosts}\n",
     (5, "permission 'net' needs a non-empty list of hosts")),
    ("type: plugin\nname: a\npermissions:\n  - 7\n",
     (5, "a permission must be a name or {net: [...]} / {fs.read: [...]}, not 7")),
    ("type: plugin\nname: a\nrequires: b\n", (4, "requires must be a list, not 'b'")),
    ("type: plugin\nname: a\nlimits:\n  write_mb: true\n",
     (5, "limit write_mb must be a positive integer, not true")),
    ("type: plugin\nname: a\nlimits: 5\n", (4, "limits must be a mapping, not 5")),
    ("type: plugin\nname: a\ntags: {a: 1}\n", (4, "tags must be a string or a list of strings")),
    ("type: plugin\nname: a\ntools:\n  t:\n    description: d\n    parameters: 3\n",
     (7, "tools.t.parameters must be a mapping, not 3")),
    ("type: plugin\nname: a\ntools:\n  t: {description: d, parameters: {properties: {}}}\n",
     (5, "tool 't' parameters must be an object schema (type: object), not no type")),
    ("type: plugin\nname: a\ntools:\n  t: nothing\n", (5, "tools.t must be a mapping, not 'nothing'")),
])
def test_each_problem_is_one_diagnostic_on_the_offending_line(text, expected):
    assert check(text) == [expected]


def test_every_problem_is_reported_not_just_the_first():
    text = "type: plugin\nname: A\nversion: x\nlimits: {memory_mb: 2048}\nbogus: 1\n"
    assert [line for line, _ in check(text)] == [3, 4, 5, 6]


def test_limits_above_maximum_use_the_given_maximums():
    text = "type: plugin\nname: a\nlimits:\n  memory_mb: 100\n"
    assert check(text) == []
    lowered = Limits(memory_mb=64)
    assert check(text, maximums=lowered) == [
        (5, "limit memory_mb = 100 is above the system maximum 64")]
    assert check("type: plugin\nname: a\nlimits: {memory_mb: 1024}\n") == []
    assert SYSTEM_MAXIMUMS.memory_mb == 1024


def test_duplicate_keys_are_found_at_every_depth():
    text = ("type: plugin\nname: a\ntools:\n  t:\n    description: one\n"
            "    description: two\n  t:\n    description: three\nname: b\n")
    assert check(text) == [(7, "duplicate key 'tools.t.description'"),
                           (8, "duplicate key 'tools.t'"), (10, "duplicate key 'name'")]


def test_key_lines_cover_nested_keys_and_list_items():
    text = "a: 1\nb:\n  c:\n    - x\n    - y: 2\nd: [p, q]\n"
    lines, duplicates = yaml_key_lines(text, 2)
    assert duplicates == []
    assert lines == {"a": 2, "b": 3, "b.c": 4, "b.c.0": 5, "b.c.1": 6, "b.c.1.y": 6, "d": 7,
                     "d.0": 7, "d.1": 7}
    assert yaml_key_lines("a: [", 2) == ({}, [])
    assert line_of(lines, ["b", "c", 1, "y"]) == 6
    assert line_of(lines, ["b", "nope", "deeper"]) == 3
    assert line_of(lines, ["zzz"], default=9) == 9


def test_frontmatter_block_needs_both_fences():
    assert frontmatter_block("---\na: 1\n---\nbody") == ("a: 1", 2)
    assert frontmatter_block("---\r\na: 1\n---  \n") == ("a: 1", 2)
    assert frontmatter_block("---\na: 1\n") is None
    assert frontmatter_block("body\n---\na: 1\n---\n") is None


def test_manifest_json_makes_yaml_dates_strings():
    data = yaml.safe_load("created: 2024-05-01\nn: {1: [2024-05-01T10:00:00]}\n")
    assert manifest_json(data) == {"created": "2024-05-01", "n": {"1": ["2024-05-01T10:00:00"]}}


# --- semver ---------------------------------------------------------------------------------

def test_versions_order_by_semver_precedence():
    chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
             "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"]
    versions = [parse_version(v) for v in chain]
    assert all(a < b for a, b in zip(versions, versions[1:]))
    assert parse_version("1.0.0+build.1").same_precedence(parse_version("1.0.0+other"))
    assert str(parse_version("1.2.3-rc.1+b5")) == "1.2.3-rc.1+b5"


@pytest.mark.parametrize("bad", ["1", "1.2", "01.2.3", "1.2.3-", "1.2.3-01", "v1.2.3", "1.2.3.4",
                                 "", "1.2.3+", "a.b.c"])
def test_bad_versions_are_refused(bad):
    with pytest.raises(ValueError, match="not a semver version"):
        parse_version(bad)


@pytest.mark.parametrize("text, inside, outside", [
    ("", ["0.0.1", "99.0.0"], []),
    (">=1.0", ["1.0.0", "3.2.1"], ["0.9.9", "1.0.0-rc.1"]),
    (">1.2", ["1.3.0"], ["1.2.9"]),
    (">1.2.3", ["1.2.4"], ["1.2.3"]),
    ("<2", ["1.99.0"], ["2.0.0"]),
    ("<=1.2", ["1.2.9"], ["1.3.0"]),
    ("==1.2", ["1.2.0", "1.2.7"], ["1.3.0", "1.1.9"]),
    ("1.2.3", ["1.2.3", "1.2.3+b"], ["1.2.4"]),
    ("^1.2.3", ["1.2.3", "1.9.0"], ["2.0.0", "1.2.2"]),
    ("^0.2.3", ["0.2.9"], ["0.3.0"]),
    ("^0.0.3", ["0.0.3"], ["0.0.4"]),
    ("^0", ["0.9.0"], ["1.0.0"]),
    ("~1.2.3", ["1.2.9"], ["1.3.0", "1.2.2"]),
    ("~1", ["1.9.9"], ["2.0.0"]),
    (">=1.0, <1.5", ["1.4.9"], ["1.5.0", "0.9.0"]),
    ("> 1.0 , <= 2.0.0", ["2.0.0", "1.1.0"], ["2.0.1", "1.0.5"]),
])
def test_ranges_accept_what_they_say(text, inside, outside):
    accepted = parse_range(text)
    assert [v for v in inside if not accepted.contains(parse_version(v))] == []
    assert [v for v in outside if accepted.contains(parse_version(v))] == []


@pytest.mark.parametrize("bad", [">>1", "=>1.0", "1.x", ">=1.0,", "^", "1.0 2.0"])
def test_bad_ranges_are_refused(bad):
    with pytest.raises(ValueError, match="bad version range"):
        parse_range(bad)


def test_requirements_split_name_and_range():
    assert parse_requirement("rng-utils")[0] == "rng-utils"
    name, accepted = parse_requirement("rng-utils>=1.0, <2")
    assert name == "rng-utils" and str(accepted) == ">=1.0, <2"
    for bad in ["Rng", "rng_utils>=1", "rng-utils!=1.0", "", 7]:
        with pytest.raises(ValueError, match="bad requirement"):
            parse_requirement(bad)


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20),
                          st.sampled_from(["", "-alpha", "-alpha.1", "-1", "-rc.2"])),
                min_size=2, max_size=6))
def test_version_order_is_a_total_order_matching_the_tuple(parts):
    versions = sorted(parse_version(f"{a}.{b}.{c}{pre}") for a, b, c, pre in parts)
    for low, high in zip(versions, versions[1:]):
        assert low <= high and not high < low
        assert (low.major, low.minor, low.patch) <= (high.major, high.minor, high.patch)


@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
def test_caret_range_holds_its_own_version_and_not_the_next_breaking_one(a, b, c):
    version = Version(a, b, c)
    accepted = parse_range(f"^{version}")
    assert accepted.contains(version)
    breaking = Version(a + 1, 0, 0) if a else Version(0, b + 1, 0) if b else Version(0, 0, c + 1)
    assert not accepted.contains(breaking)
