"""A plugin with kiln.write can write notes inside the kiln — and nothing else, ever."""

import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kiln_plugins.errors import CapabilityError
from kiln_plugins.kiln_writer import KilnWriter, check_note_id


@pytest.fixture
def world(tmp_path):
    """A kiln and, next to it, a folder that must never be touched."""
    root, outside = tmp_path / "kiln", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / ".git").mkdir()
    (root / ".crucible").mkdir()
    (outside / "target.md").write_text("precious")
    return root, outside


def snapshot(path):
    return {str(p.relative_to(path)): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in sorted(path.rglob("*"))}


BAD_PATHS = [
    "../x.md", "/etc/x.md", "a/../../x.md", "a/../x.md", "C:\\x.md", "C:/x.md", "c:x.md",
    "notes\\x.md", ".git/x.md", ".git/hooks/pre-commit.md", ".crucible/state.md", "notes/.obsidian/x.md",
    ".x.md.tmp-0123456789ab", "x.md\0", "x.md\0.txt", "./x.md", "a//x.md", "a/./x.md", "", "x.txt",
    "x.md.exe", "x.md/", ".md", "x.py", "a/" + "b" * 300 + ".md",
]


@pytest.mark.parametrize("bad", BAD_PATHS)
def test_traversal_and_odd_paths_are_refused(world, bad):
    root, outside = world
    before = snapshot(root.parent)
    txn = KilnWriter(root).transaction()
    with pytest.raises(CapabilityError, match="kiln.write: refused path") as err:
        txn.write(bad, "pwned")
    assert "\n" not in str(err.value)
    with pytest.raises(CapabilityError):
        txn.delete(bad)
    txn.commit()
    assert snapshot(root.parent) == before


@pytest.mark.parametrize("bad", [None, 3, b"x.md", ["x.md"]])
def test_non_string_paths_are_refused(world, bad):
    with pytest.raises(CapabilityError):
        KilnWriter(world[0]).transaction().write(bad, "x")


def test_folder_symlink_pointing_outside(world):
    root, outside = world
    os.symlink(outside, root / "link")
    txn = KilnWriter(root).transaction()
    with pytest.raises(CapabilityError, match="folder 'link' is a symlink"):
        txn.write("link/target.md", "pwned")
    with pytest.raises(CapabilityError, match="folder 'link' is a symlink"):
        txn.write("link/new/deeper.md", "pwned")
    with pytest.raises(CapabilityError):
        txn.delete("link/target.md")
    with pytest.raises(CapabilityError):
        txn.read("link/target.md")
    assert sorted(os.listdir(outside)) == ["target.md"]
    assert (outside / "target.md").read_text() == "precious"


def test_symlinked_folder_inside_the_kiln_is_refused_too(world):
    root, _ = world
    (root / "real").mkdir()
    os.symlink(root / "real", root / "alias")
    with pytest.raises(CapabilityError, match="symlink"):
        KilnWriter(root).transaction().write("alias/x.md", "x")


def test_file_symlink_is_not_written_through_or_deleted(world):
    root, outside = world
    os.symlink(outside / "target.md", root / "note.md")
    txn = KilnWriter(root).transaction()
    with pytest.raises(CapabilityError, match="the note is a symlink"):
        txn.write("note.md", "pwned")
    with pytest.raises(CapabilityError, match="the note is a symlink"):
        txn.delete("note.md")
    with pytest.raises(CapabilityError):
        txn.read("note.md")
    assert os.path.islink(root / "note.md")
    assert (outside / "target.md").read_text() == "precious"


def test_folder_symlink_created_between_staging_and_commit(world):
    root, outside = world
    txn = KilnWriter(root).transaction()
    txn.write("fine.md", "would be fine alone")
    txn.write("sub/target.md", "pwned")
    os.symlink(outside, root / "sub")  # the attacker is faster than the commit
    with pytest.raises(CapabilityError, match="folder 'sub' is a symlink"):
        txn.commit()
    assert (outside / "target.md").read_text() == "precious"
    assert sorted(os.listdir(outside)) == ["target.md"]
    assert not (root / "fine.md").exists()  # the whole commit is refused before anything is written


def test_file_symlink_created_between_staging_and_commit(world):
    root, outside = world
    txn = KilnWriter(root).transaction()
    txn.write("note.md", "pwned")
    os.symlink(outside / "target.md", root / "note.md")
    with pytest.raises(CapabilityError, match="the note is a symlink"):
        txn.commit()
    assert (outside / "target.md").read_text() == "precious"
    assert os.path.islink(root / "note.md")


def test_delete_refuses_folders_and_non_notes(world):
    root, _ = world
    (root / "folder.md").mkdir()
    (root / "data.json").write_text("{}")
    txn = KilnWriter(root).transaction()
    with pytest.raises(CapabilityError, match="not a regular file"):
        txn.delete("folder.md")
    with pytest.raises(CapabilityError, match="only .md notes"):
        txn.delete("data.json")
    assert (root / "folder.md").is_dir() and (root / "data.json").exists()


def test_kiln_root_reached_through_a_symlink_still_works(world, tmp_path):
    root, _ = world
    os.symlink(root, tmp_path / "kiln-link")
    txn = KilnWriter(tmp_path / "kiln-link").transaction()
    txn.write("a/b.md", "ok")
    assert txn.commit() == ["a/b.md"]
    assert (root / "a" / "b.md").read_text() == "ok"


@settings(max_examples=400, deadline=None)
@example("notes/é a.md")
@given(st.lists(st.sampled_from(["a", "b", "/", ".", "..", "\\", "\0", ":", "C", "md", ".md", " ", "é"]),
                max_size=12).map("".join))
def test_every_accepted_id_stays_inside_and_is_a_visible_note(note_id):
    try:
        parts = check_note_id(note_id)
    except CapabilityError:
        return
    root = "/kiln"
    assert os.path.normpath(os.path.join(root, note_id)).startswith(root + "/")
    assert "/".join(parts) == note_id and note_id.endswith(".md")
    assert not any(p.startswith(".") or p == "" for p in parts)
    assert "\\" not in note_id and "\0" not in note_id
