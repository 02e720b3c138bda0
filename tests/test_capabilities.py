"""The capability table, permission parsing, scope checks and the allow/approve/undeclared decision."""

import os

import pytest

from kiln_plugins.capabilities import (CAPABILITY_TABLE, Decision, Grant, PermissionSet, decide,
                                       needs_approval)
from kiln_plugins.errors import ApprovalRequired, CapabilityError, UsageError
from kiln_plugins.manifest import PERMISSION_NAMES, SCOPED_PERMISSIONS
from kiln_plugins.plugin_spec import Permission


def test_table_matches_design_and_manifest():
    assert set(CAPABILITY_TABLE) == set(PERMISSION_NAMES) | set(SCOPED_PERMISSIONS)
    risky = {n for n, c in CAPABILITY_TABLE.items() if c.needs_approval}
    assert risky == {"kiln.write", "net", "fs.read", "plugins.write"}
    assert {n for n, c in CAPABILITY_TABLE.items() if c.scope} == set(SCOPED_PERMISSIONS)
    assert needs_approval("no.such") is True


def test_parse_entries_and_merge_scopes():
    perms = PermissionSet.parse(["kiln.read", {"net": ["a.org"]}, {"net": ["b.org", "a.org"]}, "state"])
    assert perms.names() == ("kiln.read", "net", "state")
    assert perms.scope("net") == ("a.org", "b.org")
    assert perms.risky() == ("net",)
    assert perms.to_json() == ["kiln.read", {"net": ["a.org", "b.org"]}, "state"]
    assert PermissionSet.parse(None).names() == ("kiln.read",)
    assert PermissionSet.parse("kiln.read, kiln.write").names() == ("kiln.read", "kiln.write")


@pytest.mark.parametrize("entries, message", [
    (["kiln.destroy"], "unknown permission 'kiln.destroy'"),
    (["net"], "permission 'net' needs a non-empty list of hosts"),
    ([{"net": []}], "permission 'net' needs a non-empty list of hosts"),
    ([{"state": ["x"]}], "permission 'state' takes no list"),
    ([42], "a permission must be a name"),
])
def test_parse_errors_name_the_entry(entries, message):
    with pytest.raises(UsageError, match=message) as err:
        PermissionSet.parse(entries, where="--permissions")
    assert str(err.value).startswith("--permissions: ")


def test_from_spec_uses_declared_permissions():
    class Spec:
        permissions = (Permission("kiln.read"), Permission("fs.read", ("/data",)))

    perms = PermissionSet.from_spec(Spec())
    assert perms.declares("fs.read") and not perms.declares("net")
    assert perms.scope("fs.read") == ("/data",)


def test_hosts():
    g = Grant("net", ("API.example.org", "*.wiki.org"))
    assert g.allows_host("api.example.org")
    assert not g.allows_host("example.org") and not g.allows_host("evil-api.example.org")
    assert g.allows_host("en.wiki.org") and not g.allows_host("wiki.org")
    assert not g.allows_host("wiki.org.evil.com")
    assert g.allows_url("https://api.example.org/x?y=1")
    assert not g.allows_url("https://user:pw@api.example.org/")
    assert not g.allows_url("file:///etc/passwd")
    assert not g.allows_url("https://api.example.org.evil.com/")


def test_paths_resolve_symlinks(tmp_path):
    allowed, outside = tmp_path / "allowed", tmp_path / "secret"
    allowed.mkdir()
    outside.mkdir()
    (outside / "key").write_text("k")
    (allowed / "doc.txt").write_text("d")
    os.symlink(outside, allowed / "escape")
    g = Grant("fs.read", (str(allowed), "relative/folder"))
    assert g.allows_path(allowed / "doc.txt")
    assert g.allows_path(allowed)
    assert not g.allows_path(allowed / "escape" / "key")
    assert not g.allows_path(allowed / ".." / "secret" / "key")
    assert not g.allows_path(str(allowed) + "-sibling/x")
    assert not Grant("fs.read", ("relative",)).allows_path(os.path.abspath("relative/x"))


def test_decide_the_three_outcomes():
    perms = PermissionSet.parse(["kiln.read", "kiln.write", "state", {"net": ["a.org"]}])
    assert decide("p", perms, "kiln.read", approved=False).decision is Decision.ALLOWED
    assert decide("p", perms, "state", approved=False).allowed

    undeclared = decide("p", perms, "plugins.write", approved=True)
    assert undeclared.decision is Decision.UNDECLARED
    with pytest.raises(CapabilityError, match="plugin 'p' used capability 'plugins.write' without declaring"):
        undeclared.raise_if_refused()

    pending = decide("p", perms, "kiln.write", approved=False)
    assert pending.decision is Decision.NEEDS_APPROVAL
    assert pending.command == "cru plugins approve p --capability kiln.write"
    with pytest.raises(ApprovalRequired) as err:
        pending.raise_if_refused()
    assert err.value.exit_code == 3 and err.value.command == pending.command
    assert "run `cru plugins approve p --capability kiln.write`" in str(err.value)
    assert decide("p", perms, "kiln.write", approved=True).allowed


def test_test_copy_frees_kiln_write_and_state_only():
    perms = PermissionSet.parse(["kiln.write", "state", {"net": ["a.org"]}, {"fs.read": ["/x"]}])
    assert decide("p", perms, "kiln.write", approved=False, test_copy=True).allowed
    assert decide("p", perms, "net", approved=False, test_copy=True).decision is Decision.NEEDS_APPROVAL
    assert decide("p", perms, "fs.read", approved=False, test_copy=True).decision is Decision.NEEDS_APPROVAL
    undeclared = decide("p", PermissionSet.parse(["kiln.read"]), "kiln.write", approved=False, test_copy=True)
    assert undeclared.decision is Decision.UNDECLARED


def test_builtin_has_no_scoped_grants():
    perms = PermissionSet.builtin()
    assert perms.declares("kiln.write") and not perms.declares("net") and not perms.declares("fs.read")
