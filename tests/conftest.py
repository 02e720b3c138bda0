"""Shared fixtures: every test runs with its own user data/config folders (approvals never
touch the real ones) and no user plugin path unless it sets one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_KILN = REPO / "sample_kiln"


def shared_data() -> Path:
    """``../shared/data`` beside the repository, or ``$KILN_SHARED_DATA``."""
    env = os.environ.get("KILN_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("CRUCIBLE_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("CRUCIBLE_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("CRUCIBLE_PLUGIN_PATH", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "xdg-data"))
    monkeypatch.delenv("CRU_KILN", raising=False)


@pytest.fixture
def sample_kiln(tmp_path) -> Path:
    """A private copy of ``sample_kiln/`` (tests may write to it)."""
    target = tmp_path / "kiln"
    shutil.copytree(SAMPLE_KILN, target, ignore=shutil.ignore_patterns(".crucible"))
    return target


def write_note(root: Path, note_id: str, text: str) -> Path:
    """Create a note (folders too) and return its path."""
    path = root / note_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
