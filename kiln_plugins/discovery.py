"""Find every plugin a kiln can use and decide which ones are active (DESIGN §5).

Sources, most specific first: the kiln's own ``type: plugin`` notes; each folder of
``$CRUCIBLE_PLUGIN_PATH`` in order, then the user config folder ``crucible/plugins``; the bundled
standard library. For each name the most specific plugin wins, even when it is invalid (a
broken override is reported, it never silently falls back to another version); the others are
kept and listed as shadowed. Two plugins of one name in one folder are a validation error on
the later one (by note id). An invalid plugin is reported and skipped; it never stops the
others. ``requires:`` is resolved over the winners: a missing, mismatched, other-language,
invalid or circular requirement makes the requiring plugin invalid, naming the chain.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from .errors import Diagnostic, KilnError, UsageError
from .limits import SYSTEM_MAXIMUMS, Limits
from .plugin_spec import PluginSpec, Requirement, is_plugin_note, load_spec
from .semver import parse_version

__all__ = ["PluginSet", "discover", "resolve_requirements", "default_user_dir", "default_system_dir",
           "plugin_path_env"]

PLUGIN_PATH_ENV = "CRUCIBLE_PLUGIN_PATH"


@dataclass(frozen=True, slots=True)
class PluginSet:
    """The outcome of discovery: what runs, what is shadowed, what is broken and why."""

    active: dict[str, PluginSpec]
    """Name -> the valid plugin that wins for that name."""
    all: list[PluginSpec]
    """Every plugin found, most specific source first, then by name."""
    shadowed: list[PluginSpec] = field(default_factory=list)
    """Plugins hidden by a more specific one of the same name."""
    invalid: list[PluginSpec] = field(default_factory=list)
    """Plugins with errors (shadowed ones included); never run."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Every problem of every plugin, plus files that could not be read."""

    def get(self, name: str) -> PluginSpec | None:
        """The active plugin of that name, or None."""
        return self.active.get(name)

    def is_shadowed(self, spec: PluginSpec) -> bool:
        """True when a more specific plugin of the same name hides ``spec``."""
        return any(s is spec for s in self.shadowed)

    def load_order(self, name: str) -> list[str]:
        """Names of the plugins whose code loads for ``name``: requirements first, ``name`` last."""
        if name not in self.active:
            raise UsageError(f"unknown plugin '{name}'")
        order: list[str] = []

        def visit(current: str) -> None:
            if current in order:
                return
            for requirement in self.active[current].requires:
                visit(requirement.name)  # active plugins have acyclic, present requirements
            order.append(current)

        visit(name)
        return order

    def to_dict(self) -> list[dict]:
        """``cru plugins list --json``: one entry per plugin, shadowed ones marked."""
        return [spec.to_dict(shadowed=self.is_shadowed(spec)) for spec in self.all]


def plugin_path_env() -> list[Path]:
    """The folders of ``$CRUCIBLE_PLUGIN_PATH`` (``:``-separated, empty parts skipped)."""
    return [Path(p).expanduser() for p in os.environ.get(PLUGIN_PATH_ENV, "").split(os.pathsep)
            if p.strip()]


def default_user_dir() -> Path:
    """``plugins`` in the user's config folder (``$CRUCIBLE_CONFIG_DIR`` or platformdirs)."""
    from .config import user_config_dir

    return user_config_dir() / "plugins"


def default_system_dir() -> Path:
    """The bundled standard library: ``_stdlib`` in a wheel, the repo's ``stdlib/`` otherwise."""
    package = Path(__file__).resolve().parent
    bundled = package / "_stdlib"
    return bundled if bundled.is_dir() else package.parent / "stdlib"


def _display_path(spec: PluginSpec) -> str:
    return spec.note_id if spec.source == "kiln" or spec.file is None else str(spec.file)


def _with_error(spec: PluginSpec, line: int, message: str) -> PluginSpec:
    problem = Diagnostic(_display_path(spec), line, message)
    diagnostics = tuple(sorted((*spec.diagnostics, problem), key=lambda d: (d.line, d.message)))
    return replace(spec, diagnostics=diagnostics, valid=False)


def _folder_notes(folder: Path) -> Iterator[tuple[str, Path]]:
    """(note id relative to ``folder``, file) for every ``*.md`` outside dot-folders, sorted."""
    if not folder.is_dir():
        return
    for file in sorted(folder.rglob("*.md")):
        relative = file.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not file.is_file():
            continue
        yield relative.as_posix(), file


def _folder_specs(folder: Path, source: str, maximums: Limits,
                  problems: list[Diagnostic]) -> list[PluginSpec]:
    from .note import read_note

    specs = []
    for note_id, file in _folder_notes(folder):
        try:
            note = read_note(folder, note_id)
        except KilnError as exc:
            problems.append(Diagnostic(str(file), 0, exc.message))
            continue
        if is_plugin_note(note):
            specs.append(load_spec(note, file=file, source=source, maximums=maximums,
                                   path=str(file)))
    return specs


def _kiln_specs(index: Any, maximums: Limits) -> list[PluginSpec]:
    root = getattr(index, "root", None)
    # KilnIndex knows the plugin notes without loading every note from its cache.
    candidates = index.plugin_ids() if hasattr(index, "plugin_ids") else sorted(index.notes)
    specs = []
    for note_id in candidates:
        note = index.notes.get(note_id)
        if note is None:
            continue
        if root is not None:
            # Code runs from the file, never from cache.db: a kiln shipped as an archive keeps
            # its mtimes, so a planted cache row with the right (mtime, size) could otherwise
            # make a plain note a plugin, or run code other than the note the person reviewed.
            from .note import read_note

            try:
                note = read_note(Path(root), note_id)
            except KilnError:
                continue
        if is_plugin_note(note):
            file = Path(root) / note_id if root is not None else None
            specs.append(load_spec(note, file=file, source="kiln", maximums=maximums))
    return specs


def _dedupe(tier: list[PluginSpec]) -> list[PluginSpec]:
    """Mark the later of two same-named plugins of one source folder invalid."""
    first: dict[str, PluginSpec] = {}
    result = []
    for spec in tier:
        if spec.name in first:
            spec = _with_error(spec, spec.name_line, f"duplicate plugin name '{spec.name}' "
                                                     f"(also {_display_path(first[spec.name])})")
        else:
            first[spec.name] = spec
        result.append(spec)
    return result


def _requirement_problem(spec: PluginSpec, requirement: Requirement,
                         target: PluginSpec | None, causes: dict[str, str]) -> str | None:
    name = requirement.name
    if target is None:
        return f"requires '{name}', which is not installed"
    if target.language != spec.language:
        return (f"requires '{name}', a {target.language} plugin (a {spec.language} plugin "
                f"can only require {spec.language} plugins)")
    if not target.valid:
        if name in causes:
            return f"requires '{name}', which cannot load: {spec.name} -> {causes[name]}"
        return f"requires '{name}', which is invalid"
    if not requirement.range.contains(parse_version(target.version)):
        return f"requires '{requirement.text}' but '{name}' is version {target.version}"
    return None


def _cycles(specs: dict[str, PluginSpec]) -> dict[str, tuple[Requirement, list[str]]]:
    """For each plugin on a requirement cycle: its requirement into the cycle and the chain."""
    found: dict[str, tuple[Requirement, list[str]]] = {}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for requirement in specs[name].requires:
            target = requirement.name
            if target not in specs:
                continue
            if state.get(target) == 1:
                cycle = stack[stack.index(target):]
                for i, member in enumerate(cycle):
                    following = cycle[(i + 1) % len(cycle)]
                    into = next(r for r in specs[member].requires if r.name == following)
                    found.setdefault(member, (into, cycle[i:] + cycle[:i] + [member]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[name] = 2

    for name in sorted(specs):
        if name not in state:
            visit(name)
    return found


def resolve_requirements(winners: dict[str, PluginSpec]) -> dict[str, PluginSpec]:
    """The winners with every requirement problem added; invalidity spreads to dependents."""
    current = dict(winners)
    causes: dict[str, str] = {}  # name -> the chain that keeps it from loading
    for name, (requirement, chain) in _cycles({n: s for n, s in current.items()
                                               if s.valid}).items():
        current[name] = _with_error(current[name], requirement.line,
                                    "circular requirement " + " -> ".join(chain))
        causes[name] = " -> ".join(chain)
    changed = True
    while changed:
        changed = False
        for name in sorted(current):
            spec = current[name]
            if not spec.valid:
                continue
            for requirement in spec.requires:
                target = requirement.name
                problem = _requirement_problem(spec, requirement, current.get(target), causes)
                if problem:
                    spec = _with_error(spec, requirement.line, problem)
                    causes.setdefault(name, f"{name} -> {causes.get(target, target)}")
            if spec is not current[name]:
                current[name] = spec
                changed = True
    return current


def discover(index_or_root: Any = None, *, plugin_path: Sequence[str | Path] | str | None = None,
             user_dir: str | Path | None = None, system_dir: str | Path | None = None,
             maximums: Limits = SYSTEM_MAXIMUMS) -> PluginSet:
    """Every plugin of the kiln, the user folders and the standard library, as a PluginSet.

    ``index_or_root`` is a KilnIndex (anything with ``.notes``), a kiln folder (opened with
    ``KilnIndex.open``) or None for no kiln. ``plugin_path`` defaults to
    ``$CRUCIBLE_PLUGIN_PATH``; ``user_dir`` and ``system_dir`` to the platform defaults.
    """
    problems: list[Diagnostic] = []
    tiers: list[list[PluginSpec]] = []
    if index_or_root is not None:
        index = index_or_root
        if not hasattr(index, "notes"):
            from .index import KilnIndex

            index = KilnIndex.open(Path(index_or_root))
        tiers.append(_kiln_specs(index, maximums))
    if isinstance(plugin_path, str):
        plugin_path = [p for p in plugin_path.split(os.pathsep) if p.strip()]
    folders = [Path(p) for p in (plugin_path_env() if plugin_path is None else plugin_path)]
    folders.append(Path(user_dir) if user_dir is not None else default_user_dir())
    for folder in folders:
        tiers.append(_folder_specs(folder, "user", maximums, problems))
    system = Path(system_dir) if system_dir is not None else default_system_dir()
    tiers.append(_folder_specs(system, "system", maximums, problems))

    ordered = [spec for tier in tiers for spec in _dedupe(tier)]
    winners: dict[str, PluginSpec] = {}
    for spec in ordered:
        winners.setdefault(spec.name, spec)
    resolved = resolve_requirements(winners)
    everything = [resolved[s.name] if winners[s.name] is s else s for s in ordered]
    shadowed = [s for s, original in zip(everything, ordered) if winners[original.name] is not original]
    active = {name: spec for name, spec in resolved.items() if spec.valid}
    return PluginSet(
        active=dict(sorted(active.items())),
        all=everything,
        shadowed=shadowed,
        invalid=[s for s in everything if not s.valid],
        diagnostics=problems + [d for s in everything for d in s.diagnostics],
    )

