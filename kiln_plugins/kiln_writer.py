"""Confined, atomic, call-scoped note writes (DESIGN §3, §6).

A :class:`WriteTransaction` stages the writes and deletes of one call; nothing touches the
disk until :meth:`WriteTransaction.commit`, and :meth:`~WriteTransaction.rollback` drops them.

Confinement: a note id is a kiln-relative POSIX path to a ``.md`` file outside dot-folders.
Every path is checked when staged and again when committed, and the commit walks the folders
with ``O_NOFOLLOW`` directory descriptors (``openat``), so a symlink planted anywhere along
the path — even between staging and commit — is refused rather than followed. Each note is
written to a hidden temp file ``.NAME.tmp-<hex>`` in its folder, fsynced, renamed over the
note, and the folder fsynced.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path

from .errors import CapabilityError, KilnError, LimitExceeded
from .limits import DEFAULT_LIMITS, MAX_NOTE_BYTES

__all__ = ["KilnWriter", "WriteTransaction", "check_note_id", "sweep_temp_files", "TEMP_PATTERN"]

MIB = 1024 * 1024
TEMP_PATTERN = re.compile(r"^\..+\.tmp-[0-9a-f]{12}$")
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_DRIVE = re.compile(r"^[A-Za-z]:")


def _reject(note_id: object, reason: str) -> CapabilityError:
    return CapabilityError(f"kiln.write: refused path {note_id!r}: {reason}")


def check_note_id(note_id: object) -> tuple[str, ...]:
    """Split a note id into its components, or raise CapabilityError saying why it is refused."""
    if not isinstance(note_id, str) or not note_id:
        raise _reject(note_id, "a note path must be a non-empty string")
    if "\0" in note_id:
        raise _reject(note_id, "NUL character in path")
    if "\\" in note_id:
        raise _reject(note_id, "backslash in path (use / between folders)")
    if note_id.startswith("/") or _DRIVE.match(note_id):
        raise _reject(note_id, "absolute path (paths are relative to the kiln root)")
    parts = tuple(note_id.split("/"))
    for part in parts:
        if part in ("", ".", ".."):
            raise _reject(note_id, f"'{part or '//'}' component (no traversal or empty folders)")
        if part.startswith("."):
            raise _reject(note_id, f"hidden or dot-folder component '{part}'")
        if len(part.encode()) > 255:
            raise _reject(note_id, "a path component is longer than 255 bytes")
    if not parts[-1].endswith(".md") or parts[-1] == ".md":
        raise _reject(note_id, "only .md notes can be written")
    return parts


def _open_folder(root_fd: int, note_id: str, folders: tuple[str, ...], *, create: bool) -> int | None:
    """Descriptor of the note's folder, walked without following symlinks (None if missing)."""
    fd = os.dup(root_fd)
    try:
        for name in folders:
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                if not create:
                    os.close(fd)
                    return None
                try:
                    os.mkdir(name, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                raise _reject(note_id, f"folder '{name}' is a symlink")
            if not stat.S_ISDIR(info.st_mode):
                raise _reject(note_id, f"'{name}' is not a folder")
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _reject(note_id, f"folder '{name}' is a symlink") from None
                raise
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def _note_kind(folder_fd: int, name: str, note_id: str) -> str:
    """``missing`` or ``file``; refuses symlinks and anything that is not a regular file."""
    try:
        info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(info.st_mode):
        raise _reject(note_id, "the note is a symlink")
    if not stat.S_ISREG(info.st_mode):
        raise _reject(note_id, "not a regular file")
    return "file"


class KilnWriter:
    """Writes notes under one kiln root; hand each call its own :meth:`transaction`."""

    def __init__(self, root: str | Path, limits_write_bytes: int = DEFAULT_LIMITS.write_mb * MIB):
        self.root = Path(os.path.realpath(root))
        self.limits_write_bytes = limits_write_bytes

    def transaction(self, limit_bytes: int | None = None, *, plugin: str | None = None) -> "WriteTransaction":
        """A new call-scoped transaction (``limit_bytes``: this call's ``write_mb`` in bytes)."""
        return WriteTransaction(self, self.limits_write_bytes if limit_bytes is None else limit_bytes,
                                plugin=plugin)

    def _root_fd(self) -> int:
        return os.open(self.root, _DIR_FLAGS)

    def read_note(self, note_id: str) -> str | None:
        """Current text of a note on disk (None when missing); never follows a symlink."""
        parts = check_note_id(note_id)
        root_fd = self._root_fd()
        try:
            folder = _open_folder(root_fd, note_id, parts[:-1], create=False)
        finally:
            os.close(root_fd)
        if folder is None:
            return None
        try:
            if _note_kind(folder, parts[-1], note_id) == "missing":
                return None
            fd = os.open(parts[-1], os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=folder)
            with os.fdopen(fd, "rb") as fh:
                return fh.read().decode("utf-8", errors="replace")
        finally:
            os.close(folder)

    def _apply_write(self, root_fd: int, note_id: str, parts: tuple[str, ...], data: bytes) -> None:
        folder = _open_folder(root_fd, note_id, parts[:-1], create=True)
        try:
            name = parts[-1]
            mode = 0o666
            if _note_kind(folder, name, note_id) == "file":
                mode = stat.S_IMODE(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
            temp = f".{name}.tmp-{secrets.token_hex(6)}"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_CLOEXEC", 0), mode, dir_fd=folder)
            try:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    os.fsync(fd)
                finally:
                    os.close(fd)
                _note_kind(folder, name, note_id)  # last look: a symlink planted meanwhile is refused
                os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                try:
                    os.unlink(temp, dir_fd=folder)
                except FileNotFoundError:
                    pass
                raise
            os.fsync(folder)
        finally:
            os.close(folder)

    def _apply_delete(self, root_fd: int, note_id: str, parts: tuple[str, ...]) -> bool:
        folder = _open_folder(root_fd, note_id, parts[:-1], create=False)
        if folder is None:
            return False
        try:
            if _note_kind(folder, parts[-1], note_id) == "missing":
                return False
            os.unlink(parts[-1], dir_fd=folder)
            os.fsync(folder)
            return True
        finally:
            os.close(folder)


class WriteTransaction:
    """The staged note writes and deletes of one call (read-your-writes via :meth:`read`)."""

    def __init__(self, writer: KilnWriter, limit_bytes: int, *, plugin: str | None = None):
        self.writer = writer
        self.limit_bytes = limit_bytes
        self.plugin = plugin
        self.bytes_written = 0
        self._staged: dict[str, bytes | None] = {}  # None: delete
        self._done = False

    def _check_open(self) -> None:
        if self._done:
            raise KilnError("write transaction is already committed or rolled back")

    def write(self, note_id: str, content: str | bytes) -> None:
        """Stage ``content`` for ``note_id``; counts against the note cap and this call's ``write_mb``."""
        self._check_open()
        parts = check_note_id(note_id)
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        if len(data) > MAX_NOTE_BYTES:
            raise LimitExceeded("write_mb", f"{len(data)} bytes in one note (one note is at most "
                                            f"{MAX_NOTE_BYTES // MIB} MB)", plugin=self.plugin)
        if self.bytes_written + len(data) > self.limit_bytes:
            raise LimitExceeded("write_mb", f"{self.limit_bytes / MIB:g} MB per call "
                                            f"({self.bytes_written + len(data)} bytes written)",
                                plugin=self.plugin)
        self._check_path(note_id, parts)
        self.bytes_written += len(data)
        self._staged[note_id] = data

    def delete(self, note_id: str) -> None:
        """Stage the deletion of an existing (or staged) note."""
        self._check_open()
        parts = check_note_id(note_id)
        self._check_path(note_id, parts)
        if self.read(note_id) is None:
            raise KilnError(f"note not found: '{note_id}'")
        self._staged[note_id] = None

    def read(self, note_id: str) -> str | None:
        """The note as this call sees it: staged text, None when deleted or missing."""
        self._check_open()
        if note_id in self._staged:
            data = self._staged[note_id]
            return None if data is None else data.decode("utf-8", errors="replace")
        return self.writer.read_note(note_id)

    def staged_writes(self) -> dict[str, str]:
        """``{note_id: text}`` of the notes this call wrote."""
        return {k: v.decode("utf-8", errors="replace") for k, v in self._staged.items() if v is not None}

    def staged_deletes(self) -> set[str]:
        """Ids of the notes this call deleted."""
        return {k for k, v in self._staged.items() if v is None}

    def _check_path(self, note_id: str, parts: tuple[str, ...]) -> None:
        """Refuse symlinks and non-files along the path as it is on disk now, and any escape."""
        root_fd = self.writer._root_fd()
        try:
            folder = _open_folder(root_fd, note_id, parts[:-1], create=False)
        finally:
            os.close(root_fd)
        if folder is not None:
            try:
                _note_kind(folder, parts[-1], note_id)
            finally:
                os.close(folder)
        root = str(self.writer.root)
        resolved = os.path.realpath(os.path.join(root, *parts))
        if os.path.commonpath([root, resolved]) != root:  # defence in depth: cannot happen above
            raise _reject(note_id, "resolves outside the kiln")

    def commit(self) -> list[str]:
        """Apply every staged change (each note atomically); returns the ids changed."""
        self._check_open()
        self._done = True
        staged, self._staged = self._staged, {}
        changed = []
        root_fd = self.writer._root_fd()
        try:
            checked = [(note_id, check_note_id(note_id), data) for note_id, data in staged.items()]
            for note_id, parts, _ in checked:  # refuse the whole commit before touching anything
                self._check_path(note_id, parts)
            for note_id, parts, data in checked:
                if data is None:
                    if self.writer._apply_delete(root_fd, note_id, parts):
                        changed.append(note_id)
                else:
                    self.writer._apply_write(root_fd, note_id, parts, data)
                    changed.append(note_id)
        finally:
            os.close(root_fd)
        return changed

    def rollback(self) -> None:
        """Drop every staged change (idempotent)."""
        self._done = True
        self._staged = {}


def sweep_temp_files(root: str | Path, *, min_age_s: float = 60.0) -> list[str]:
    """Remove ``.NAME.tmp-<hex>`` files older than ``min_age_s`` left by killed writers."""
    root = os.path.realpath(root)
    removed = []
    now = time.time()
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not TEMP_PATTERN.match(name):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime >= min_age_s:
                    os.unlink(path)
                    removed.append(os.path.relpath(path, root).replace(os.sep, "/"))
            except FileNotFoundError:
                continue
    return removed
