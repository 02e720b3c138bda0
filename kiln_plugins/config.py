"""Where data lives and which settings apply (DESIGN §3, §6, §11).

Two config files, both optional TOML: the user's ``config.toml`` (user config folder) and the
kiln's ``.crucible/config.toml``. The user may lower or raise the system maximum limits; the
kiln may only lower them (and the MCP rate limits) and only raise the audit retention — a
cloned kiln must not grant itself more, nor shrink the record of what its plugins did.

```toml
[limits.maximum]        # system maximums (DESIGN §6 table)
timeout_ms = 60000
[limits.default]        # defaults for plugins that ask for nothing
memory_mb = 32
[audit]
retention = 100000      # newest audit rows kept in state.db
[mcp]
rate_per_minute = 600   # token bucket per plugin
burst = 200
```
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import KilnError, UsageError
from .limits import DEFAULT_LIMITS, LIMIT_NAMES, SYSTEM_MAXIMUMS, Limits

__all__ = ["RateLimit", "Settings", "user_data_dir", "user_config_dir", "kiln_data_dir",
           "DATA_DIR_ENV", "CONFIG_DIR_ENV", "KILN_DATA_FOLDER", "KILN_DATA_FILES"]

DATA_DIR_ENV = "CRUCIBLE_DATA_DIR"
CONFIG_DIR_ENV = "CRUCIBLE_CONFIG_DIR"
KILN_DATA_FOLDER = ".crucible"
KILN_GITIGNORE = "cache.db*\nstate.db.locks/\n"  # derived cache; transient per-plugin lock files
DEFAULT_AUDIT_RETENTION = 100_000


def user_data_dir() -> Path:
    """The user's data folder (approvals live here), created on demand; ``$CRUCIBLE_DATA_DIR`` wins."""
    env = os.environ.get(DATA_DIR_ENV)
    path = Path(env).expanduser() if env else platformdirs.user_data_path("crucible")
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_config_dir() -> Path:
    """The user's config folder (not created); ``$CRUCIBLE_CONFIG_DIR`` wins."""
    env = os.environ.get(CONFIG_DIR_ENV)
    return Path(env).expanduser() if env else platformdirs.user_config_path("crucible")


KILN_DATA_FILES = ("state.db", "state.db.locks", "cache.db", ".gitignore")
"""Files cru writes in ``.crucible/``: none of them may be a symlink (see :func:`kiln_data_dir`)."""


def kiln_data_dir(root: str | Path) -> Path:
    """``root/.crucible``, created on demand with a ``.gitignore`` listing the derived cache.

    A cloned kiln could ship ``.crucible`` or ``.crucible/state.db`` as a symlink to somewhere
    else (another application's SQLite file): cru would then migrate and write that file. Both
    are refused; the person removes the link.
    """
    path = Path(root) / KILN_DATA_FOLDER
    for candidate in (path, *(path / name for name in KILN_DATA_FILES)):
        if candidate.is_symlink():
            raise KilnError(f"{candidate}: is a symlink (to {os.readlink(candidate)}); cru writes there, so it "
                            f"must be a real file or folder inside the kiln — remove the link")
    path.mkdir(exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        ignore.write_text(KILN_GITIGNORE, encoding="utf-8")
    return path


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Token bucket for MCP calls, per plugin (DESIGN §11)."""

    per_minute: int = 600
    """Tokens added per minute."""
    burst: int = 200
    """Bucket size: calls allowed at once before waiting."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Effective settings of one kiln: user config overlaid with the kiln's (lowering only)."""

    maximums: Limits = SYSTEM_MAXIMUMS
    """System maximum of each limit; a plugin's ``limits:`` may not exceed them."""
    defaults: Limits = DEFAULT_LIMITS
    """Limits of a plugin that asks for nothing; never above ``maximums``."""
    audit_retention: int = DEFAULT_AUDIT_RETENTION
    """Newest audit rows kept in ``state.db``."""
    rate: RateLimit = field(default_factory=RateLimit)
    """MCP rate limit per plugin."""
    sources: tuple[str, ...] = ()
    """Config files that were read, in order."""

    @classmethod
    def load(cls, root: str | Path | None = None) -> "Settings":
        """Read the user config, then the kiln's ``.crucible/config.toml`` (which may only lower)."""
        settings = cls()
        user_file = user_config_dir() / "config.toml"
        if user_file.is_file():
            settings = _apply(settings, user_file, trusted=True)
        if root is not None:
            kiln_file = Path(root) / KILN_DATA_FOLDER / "config.toml"
            if kiln_file.is_file():
                settings = _apply(settings, kiln_file, trusted=False)
        return settings


# -- parsing ------------------------------------------------------------------------------
_SECTIONS = {"limits": {"maximum", "default"}, "audit": {"retention"},
             "mcp": {"rate_per_minute", "burst"}}


class _Source:
    """One config file being applied: its name, text and a way to find a key's line."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read config: {exc}", path=str(path)) from None

    def error(self, dotted: str, message: str) -> UsageError:
        """A one-line error naming the file, the key's line (when found) and the key."""
        return UsageError(f"{dotted}: {message}", path=str(self.path), line=self.line_of(dotted))

    def line_of(self, dotted: str) -> int:
        """Line of ``key =`` under its ``[table]`` header (0 when not found)."""
        *table, key = dotted.split(".")
        current: list[str] = []
        for number, raw in enumerate(self.text.splitlines(), 1):
            line = raw.strip()
            header = re.match(r"^\[\s*([^\]]+?)\s*\]", line)
            if header:
                current = [p.strip().strip('"') for p in header.group(1).split(".")]
                if current == [*table, key]:
                    return number
                continue
            m = re.match(r"^([A-Za-z0-9_.\"-]+)\s*=", line)
            if m:
                full = current + [p.strip().strip('"') for p in m.group(1).split(".")]
                if full == [*table, key] or full == [*table]:
                    return number
        return 0


def _apply(settings: Settings, path: Path, *, trusted: bool) -> Settings:
    source = _Source(path)
    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        reason = re.sub(r" \(at line .*\)$", "", str(exc))
        raise UsageError(f"invalid TOML: {reason}", path=str(path),
                         line=int(m.group(1)) if m else 0) from None
    for key, value in data.items():
        if key not in _SECTIONS:
            raise source.error(key, f"unknown section (known: {', '.join(sorted(_SECTIONS))})")
        if not isinstance(value, dict):
            raise source.error(key, "must be a table")
        for sub in value:
            if sub not in _SECTIONS[key]:
                raise source.error(f"{key}.{sub}", f"unknown key (known: {', '.join(sorted(_SECTIONS[key]))})")

    limits = data.get("limits", {})
    maximums = _limits(source, limits.get("maximum"), "limits.maximum", settings.maximums,
                       ceiling=None if trusted else settings.maximums)
    defaults = _limits(source, limits.get("default"), "limits.default", settings.defaults, ceiling=None)
    # Lowered maximums pull inherited defaults down; explicit defaults above a maximum are errors.
    explicit = set((limits.get("default") or {}).keys())
    for name in LIMIT_NAMES:
        cap, value = getattr(maximums, name), getattr(defaults, name)
        if value > cap:
            if name in explicit:
                raise source.error(f"limits.default.{name}", f"{value} is above the maximum {cap}")
            defaults = replace(defaults, **{name: cap})

    retention = settings.audit_retention
    if "retention" in data.get("audit", {}):
        retention = _positive(source, data["audit"]["retention"], "audit.retention")
        if not trusted and retention < settings.audit_retention:
            # The audit log is the person's record of what plugins did: a cloned kiln must not
            # shrink it so its own calls scroll out of sight.
            raise source.error("audit.retention", f"a kiln config may only raise this "
                                                  f"({settings.audit_retention}), not lower it to {retention}")

    rate = settings.rate
    mcp = data.get("mcp", {})
    for key, attr in (("rate_per_minute", "per_minute"), ("burst", "burst")):
        if key in mcp:
            value = _positive(source, mcp[key], f"mcp.{key}")
            current = getattr(rate, attr)
            if not trusted and value > current:
                raise source.error(f"mcp.{key}", f"a kiln config may only lower this ({current}), "
                                                 f"not raise it to {value}")
            rate = replace(rate, **{attr: value})

    return Settings(maximums=maximums, defaults=defaults, audit_retention=retention, rate=rate,
                    sources=(*settings.sources, str(path)))


def _limits(source: _Source, table: Any, where: str, base: Limits, *, ceiling: Limits | None) -> Limits:
    if table is None:
        return base
    if not isinstance(table, dict):
        raise source.error(where, "must be a table")
    changes = {}
    for name, value in table.items():
        if name not in LIMIT_NAMES:
            raise source.error(f"{where}.{name}", f"unknown limit (known: {', '.join(LIMIT_NAMES)})")
        value = _positive(source, value, f"{where}.{name}")
        if ceiling is not None and value > getattr(ceiling, name):
            raise source.error(f"{where}.{name}", f"a kiln config may only lower a maximum "
                                                  f"({getattr(ceiling, name)}), not raise it to {value}")
        changes[name] = value
    return replace(base, **changes)


def _positive(source: _Source, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise source.error(where, f"must be a positive integer, got {value!r}")
    return value

