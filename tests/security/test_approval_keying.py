"""Approvals are the person's, outside the kiln, and bound to the exact plugin code they saw."""

import shutil

import pytest

from kiln_plugins.approvals import APPROVALS_FILE, ApprovalStore
from kiln_plugins.capabilities import Decision, PermissionSet, decide
from kiln_plugins.config import user_data_dir
from kiln_plugins.errors import UsageError
from kiln_plugins.note import parse_note
from kiln_plugins.plugin_spec import load_spec

PLUGIN = """---
type: plugin
name: scribe
permissions: [kiln.read, kiln.write]
tools:
  jot:
    description: Write a line.
---
```lua
function jot(args)
  kiln.write("jot.md", "{body}")
  return true
end
```
"""


def spec_of(body: str):
    spec = load_spec(parse_note("plugins/scribe.md", PLUGIN.replace("{body}", body)))
    assert spec.valid, spec.diagnostics
    return spec


@pytest.fixture
def kiln(tmp_path, monkeypatch):
    monkeypatch.setenv("CRUCIBLE_DATA_DIR", str(tmp_path / "user-data"))
    root = tmp_path / "kiln"
    (root / ".crucible").mkdir(parents=True)
    return root


def verdict(store, root, spec):
    perms = PermissionSet.from_spec(spec)
    approved = store.is_granted(root, spec.name, "kiln.write", spec.code_hash)
    return decide(spec.name, perms, "kiln.write", approved=approved)


def test_editing_the_code_asks_again(kiln):
    store = ApprovalStore(user_data_dir())
    original = spec_of("hello")
    assert verdict(store, kiln, original).decision is Decision.NEEDS_APPROVAL
    store.grant(kiln, original.name, "kiln.write", original.code_hash)
    assert verdict(store, kiln, original).allowed
    edited = spec_of("rm -rf")
    assert edited.code_hash != original.code_hash
    refused = verdict(store, kiln, edited)
    assert refused.decision is Decision.NEEDS_APPROVAL
    assert refused.command == "cru plugins approve scribe --capability kiln.write"


def test_store_inside_the_kiln_is_refused_and_never_trusted(kiln):
    inside = ApprovalStore(kiln / ".crucible")
    spec = spec_of("x")
    with pytest.raises(UsageError, match="must not be stored inside the kiln"):
        inside.grant(kiln, spec.name, "kiln.write", spec.code_hash)
    # Even a pre-filled approvals.db shipped inside a cloned kiln grants nothing.
    outside = ApprovalStore(kiln.parent / "elsewhere")
    outside.grant(kiln, spec.name, "kiln.write", spec.code_hash)
    shutil.copy(outside.path, kiln / ".crucible" / APPROVALS_FILE)
    assert not ApprovalStore(kiln / ".crucible").is_granted(kiln, spec.name, "kiln.write", spec.code_hash)
    assert not ApprovalStore(user_data_dir()).is_granted(kiln, spec.name, "kiln.write", spec.code_hash)


def test_a_cloned_kiln_is_not_approved(kiln, tmp_path):
    store = ApprovalStore(user_data_dir())
    spec = spec_of("x")
    store.grant(kiln, spec.name, "kiln.write", spec.code_hash)
    clone = tmp_path / "clone"
    shutil.copytree(kiln, clone)
    assert not store.is_granted(clone, spec.name, "kiln.write", spec.code_hash)
    assert not any(p.name.startswith("approvals") for p in clone.rglob("*"))
