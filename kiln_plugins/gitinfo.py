"""Plugin versions from git: the last commit of a note, whether it has local changes, its history.

A kiln is usually a git repository, and a plugin is a note, so git already knows every version
of every plugin. These helpers ask it. They never fail the caller: outside a repository, without
git on the PATH, or in a repository git refuses (another owner's, ``safe.directory``) they
return ``None`` / an empty history.

A cloned kiln is not trusted (DESIGN §7), and its ``.git/config`` is part of the clone, so git
runs with the settings that could start programs turned off (``core.fsmonitor``, hooks) and
never pages or prompts.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Commit", "NoteVersion", "repository_root", "note_history", "note_version", "version_stamp"]

_SEP = "\x1f"
_FORMAT = _SEP.join(["%H", "%h", "%an", "%aI", "%s"])
_SAFE = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
         "-c", "diff.external=", "--no-pager"]
_TIMEOUT_S = 10


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit that changed a note."""

    sha: str
    """Full commit id."""
    short: str
    """Abbreviated commit id, as git prints it."""
    author: str
    """Author name."""
    date: str
    """Author date, ISO 8601 with offset."""
    subject: str
    """First line of the commit message."""

    def to_dict(self) -> dict:
        """The commit as a JSON-ready dict."""
        return {"sha": self.sha, "short": self.short, "author": self.author, "date": self.date,
                "subject": self.subject}


@dataclass(frozen=True, slots=True)
class NoteVersion:
    """Where a note's file stands in git."""

    commit: Commit | None
    """The last commit that changed the file (None when it was never committed)."""
    dirty: bool
    """True when the file differs from that commit (modified, staged, or untracked)."""
    tracked: bool
    """True when git tracks the file."""

    @property
    def label(self) -> str:
        """``abc1234``, ``abc1234+dirty``, or ``uncommitted``: what the audit log records."""
        if self.commit is None:
            return "uncommitted"
        return self.commit.short + ("+dirty" if self.dirty else "")

    def to_dict(self) -> dict:
        """The version as a JSON-ready dict."""
        return {"commit": self.commit.to_dict() if self.commit else None, "dirty": self.dirty,
                "tracked": self.tracked, "label": self.label}


def _git(cwd: Path, *args: str) -> str | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        done = subprocess.run(["git", *_SAFE, *args], cwd=cwd, env=env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def repository_root(path: str | Path) -> Path | None:
    """The top folder of the git work tree holding ``path`` (a file or folder), or None."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        return None
    out = _git(folder, "rev-parse", "--show-toplevel")
    return Path(out.strip()) if out and out.strip() else None


def _parse_log(out: str) -> list[Commit]:
    commits = []
    for line in out.splitlines():
        parts = line.split(_SEP)
        if len(parts) == 5:
            commits.append(Commit(*parts))
    return commits


def note_history(file: str | Path, *, limit: int | None = None) -> list[Commit]:
    """Commits that changed ``file``, newest first, following renames (``git log --follow``)."""
    file = Path(file).resolve()
    root = repository_root(file)
    if root is None:
        return []
    args = ["log", "--follow", "--no-textconv", f"--format={_FORMAT}"]
    if limit:
        args.append(f"--max-count={int(limit)}")
    out = _git(root, *args, "--", file.relative_to(root).as_posix())
    return _parse_log(out) if out else []


def note_version(file: str | Path) -> NoteVersion | None:
    """The last commit of ``file`` and whether it has uncommitted changes; None outside git."""
    file = Path(file).resolve()
    root = repository_root(file)
    if root is None:
        return None
    rel = file.relative_to(root).as_posix()
    log = _git(root, "log", "--no-textconv", "--max-count=1", f"--format={_FORMAT}", "--", rel)
    if log is None:
        return None
    commits = _parse_log(log)
    tracked = _git(root, "ls-files", "--error-unmatch", "--", rel) is not None
    # Not `git status`: it runs the clean filters a shipped .git/config defines (code from the
    # kiln). The file is hashed as raw bytes instead and compared with the committed blob, so a
    # repository that filters notes (LFS, autocrlf) shows them as changed — never runs a filter.
    committed = _git(root, "rev-parse", "--verify", "--quiet", f"HEAD:{rel}") if tracked else None
    current = _git(root, "hash-object", "--no-filters", "--", rel)
    dirty = not tracked or committed is None or current is None or committed.strip() != current.strip()
    return NoteVersion(commit=commits[0] if commits else None, dirty=dirty, tracked=tracked)


def git_index_of(folder: str | Path) -> str | None:
    """The ``.git/index`` file of the nearest repository holding ``folder``, or None."""
    folder = os.fspath(folder)
    while True:
        candidate = os.path.join(folder, ".git", "index")
        if os.path.exists(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def version_stamp(file: str | Path, git_index: str | None | bool = False) -> tuple:
    """A cheap fingerprint (no git process) that changes when ``note_version`` may: the file's
    mtime and size and those of the nearest ``.git`` index (commits and staging touch it).

    Plain ``os.stat`` on strings: this runs once per audited call. ``git_index`` is the
    repository's index file when the caller already knows it (None: not in a repository).
    """
    path = os.fspath(file)
    try:
        st = os.stat(path)
        parts: list = [(st.st_mtime_ns, st.st_size)]
    except OSError:
        parts = [None]
    index = git_index_of(os.path.dirname(path)) if git_index is False else git_index
    if index is not None:
        try:
            st = os.stat(index)
            parts.append((st.st_mtime_ns, st.st_size))
        except OSError:
            parts.append(None)
    return tuple(parts)
