"""``cru plugins …``: list, show, validate, test, install, approve, revoke."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
from rich.syntax import Syntax
from rich.table import Table

from ..errors import KilnError, TestFailure, UsageError, ValidationError
from .app import JSON_OPT, cli
from .context import CliState, console, err_console, plain, print_json, terminal_safe


@cli.group("plugins")
def plugins_group() -> None:
    """Plugin notes: list, inspect, validate, test, install, approve."""


def _spec_or_fail(kiln, name: str):
    spec = kiln.plugins.get(name)
    if spec is None:
        for s in kiln.plugins.all:
            if s.name == name or s.note_id == name:
                return s
        raise UsageError(f"unknown plugin '{name}' (see `cru plugins list`)")
    return spec


@plugins_group.command("list")
@JSON_OPT
@click.pass_obj
def plugins_list(state: CliState, as_json: bool) -> None:
    """Every plugin found (kiln, user, system), shadowed and invalid ones marked."""
    kiln = state.open()
    rows = []
    for spec, errors in kiln.plugin_problems():  # the same verdict as `plugins validate`
        row = spec.to_dict(shadowed=kiln.plugins.is_shadowed(spec))
        row.update(valid=not errors, errors=errors)
        rows.append(row)
    if as_json:
        print_json(rows)
        return
    table = Table("plugin", "version", "lang", "source", "tools", "permissions", "status")
    for r in rows:
        perms = ", ".join(p if isinstance(p, str) else f"{k}:{','.join(v)}" for p in r["permissions"]
                          for k, v in ([(None, None)] if isinstance(p, str) else p.items()))
        status = ("[red]invalid[/red]" if not r["valid"] else "[dim]shadowed[/dim]" if r["shadowed"] else "[green]ok[/green]")
        if r.get("generated_by"):
            status += f" [magenta](by {plain(r['generated_by'])})[/magenta]"
        # Everything but the status comes from the plugin note: never markup (it could hide a host).
        table.add_row(*(plain(v) for v in (r["name"], r["version"], r["language"], r["source"],
                                            ", ".join(r["tools"]), perms)), status)
    console.print(table)
    for r in rows:
        for line in r["errors"]:
            err_console.print(f"[red]{plain(line)}[/red]", markup=True)


@plugins_group.command("show")
@click.argument("name")
@JSON_OPT
@click.pass_obj
def plugins_show(state: CliState, name: str, as_json: bool) -> None:
    """A plugin's manifest, tools, approvals and source."""
    kiln = state.open()
    spec = _spec_or_fail(kiln, name)
    info = spec.to_dict(shadowed=kiln.plugins.is_shadowed(spec))
    info["approvals"] = {cap: kiln.approvals.is_granted(kiln.root, spec.name, cap, kiln.approval_hash(spec))
                         for cap in kiln.permissions_of(spec).risky()}
    info["tools_detail"] = [{"name": t.name, "description": t.description, "parameters": t.parameters}
                            for t in spec.tools]
    info["code_hash"] = spec.code_hash
    from ..gitinfo import note_version

    version = note_version(spec.file) if spec.file else None
    info["git"] = version.to_dict() if version else None
    if as_json:
        info["source_code"] = "\n".join(c.source for c in spec.code)
        print_json(info)
        return
    console.print(f"[bold]{plain(spec.name)}[/bold] {plain(spec.version)} ({spec.language}, {spec.source}: "
                  f"{plain(info['path'])})")
    if spec.description:
        console.print(plain(spec.description))
    if version:
        c = version.commit
        console.print(terminal_safe(f"  git: {c.short} {c.date[:10]} {c.subject}") if c else "  git: never committed",
                      markup=False)
        if version.dirty:
            console.print("  [yellow]uncommitted changes[/yellow] (cru plugins history " + spec.name + ")")
    for t in spec.tools:
        console.print(f"  tool [cyan]{plain(t.name)}[/cyan]: {plain(t.description)}")
    for cap, ok in info["approvals"].items():
        console.print(f"  {cap}: {'[green]approved[/green]' if ok else '[yellow]needs approval[/yellow]'}")
    for chunk in spec.code:
        console.print(Syntax(terminal_safe(chunk.source), spec.language if spec.language == "lua" else "rust",
                             line_numbers=True, start_line=chunk.first_line))


@plugins_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@JSON_OPT
@click.pass_obj
def plugins_validate(state: CliState, paths: tuple[Path, ...], as_json: bool) -> None:
    """Check plugin notes (all of the kiln's when no PATH is given); exit 2 on problems."""
    from ..note import parse_note
    from ..plugin_spec import is_plugin_note, load_spec

    from ..code_check import check_code

    if paths:
        specs = []
        for p in paths:
            note = parse_note(str(p), p.read_text(encoding="utf-8", errors="replace"))
            spec = load_spec(note, file=p.resolve(), source="kiln")
            if not is_plugin_note(note):
                raise ValidationError(f"{p}: not a plugin note (frontmatter has no `type: plugin`)")
            specs.append(spec)
        compile_errors = {id(s): check_code(s) if s.valid else [] for s in specs}
        found = {id(s): [str(d) for d in s.diagnostics if d.severity == "error"]
                 + [str(d) for d in compile_errors[id(s)]] for s in specs}
    else:
        report = state.open().plugin_problems()
        specs = [spec for spec, _ in report]
        found = {id(spec): errors for spec, errors in report}

    def errors_of(s) -> list[str]:
        return found[id(s)]

    problems = [line for s in specs for line in errors_of(s)]
    if as_json:
        print_json([{"name": s.name, "path": s.note_id, "valid": not errors_of(s),
                     "errors": errors_of(s)} for s in specs])
    else:
        for s in specs:
            ok = not errors_of(s)
            console.print(f"{'[green]ok[/green]' if ok else '[red]invalid[/red]'} {plain(s.name)} ({plain(s.note_id)})")
        for line in problems:
            err_console.print(terminal_safe(line), markup=False)
    if problems:
        raise click.exceptions.Exit(2)


@plugins_group.command("test")
@click.argument("target")
@JSON_OPT
@click.pass_obj
def plugins_test(state: CliState, target: str, as_json: bool) -> None:
    """Run a plugin's tests (NAME, or PATH to a note) against a throwaway copy of the kiln."""
    from ..plugin_tests import run_plugin_tests, throwaway_kiln

    root = state.root
    extra = {}
    path = Path(target)
    if path.suffix == ".md" and path.is_file():
        try:
            inside = path.resolve().relative_to(root.resolve())
            name_hint = inside.as_posix()
        except ValueError:
            name_hint = f"_under_test/{path.name}"
            extra[name_hint] = path.read_text(encoding="utf-8")
    else:
        name_hint = None
    with throwaway_kiln(root, extra_notes=extra, on_log=None) as kiln:
        if name_hint is not None:
            candidates = [s for s in kiln.plugins.all if s.note_id == name_hint or (s.file and s.file.name == path.name and s.source != "kiln" and not extra)]
            if not candidates:
                raise UsageError(f"{target}: not a plugin note")
            spec = candidates[0]
        else:
            spec = _spec_or_fail(kiln, target)
        if not spec.valid:
            raise ValidationError(f"plugin '{spec.name}' is invalid", diagnostics=spec.diagnostics,
                                  path=spec.note_id, line=spec.diagnostics[0].line if spec.diagnostics else 0)
        results = run_plugin_tests(kiln, spec)
    passed = sum(r.passed for r in results)
    failed = len(results) - passed
    if as_json:
        print_json([{"plugin": r.plugin, "name": r.name, "line": r.line, "passed": r.passed,
                     "message": r.message, "duration_ms": round(r.duration_ms, 2)} for r in results])
    else:
        for r in results:
            mark = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
            console.print(f"{mark} {r.plugin} {r.name} ({spec.note_id}:{r.line})"
                          + ("" if r.passed else f"\n     {r.message}"))
        console.print(f"{passed} passed, {failed} failed")
    if failed:
        raise click.exceptions.Exit(1)


@plugins_group.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--scope", type=click.Choice(["kiln", "user"]), default="kiln", show_default=True)
@click.option("--force", is_flag=True, help="Replace an existing note of the same name.")
@click.pass_obj
def plugins_install(state: CliState, file: Path, scope: str, force: bool) -> None:
    """Validate FILE, run its tests, copy it into the kiln or user folder."""
    from ..discovery import default_user_dir
    from ..plugin_tests import run_plugin_tests, throwaway_kiln

    root = state.root
    rel = f"plugins/{file.name}"
    with throwaway_kiln(root, extra_notes={f"_under_test/{file.name}": file.read_text(encoding="utf-8")}) as tk:
        spec = next((s for s in tk.plugins.all if s.note_id == f"_under_test/{file.name}"), None)
        if spec is None:
            raise UsageError(f"{file}: not a plugin note (frontmatter has no `type: plugin`)")
        if not spec.valid:
            d = spec.diagnostics[0]
            raise ValidationError(f"{file}:{d.line}: {d.message}", diagnostics=spec.diagnostics)
        results = run_plugin_tests(tk, spec)
    failed = [r for r in results if not r.passed]
    if failed:
        raise TestFailure(f"{file}: {len(failed)} of {len(results)} tests failed; first: {failed[0].message}")
    target_dir = root / "plugins" if scope == "kiln" else default_user_dir()
    target = target_dir / file.name
    from ..capabilities import under_folder

    if scope == "kiln" and (target.is_symlink() or (target_dir.exists() and not under_folder(target_dir, root))):
        # A cloned kiln's plugins/ may link elsewhere (the user plugin folder: every kiln).
        raise UsageError(f"{target} leads outside the kiln through a symlink; refusing to install there")
    if target.exists() and not force:
        raise UsageError(f"{target} exists (use --force to replace it)")
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, target)
    console.print(f"Installed {spec.name} {spec.version} to {target} ({len(results)} tests passed).")
    from ..capabilities import PermissionSet

    for cap in PermissionSet.from_spec(spec).risky():
        console.print(f"  needs approval: {cap} — run `cru plugins approve {spec.name} --capability {cap}`")


@plugins_group.command("approve")
@click.argument("name")
@click.option("--capability", "capability", help="Only this capability (default: every risky one declared).")
@click.pass_obj
def plugins_approve(state: CliState, name: str, capability: str | None) -> None:
    """Approve a plugin's risky capabilities for its current code (never prompts).

    ``cru plugins approve agent`` lets MCP agents write plugin notes (``plugins.write``).
    """
    kiln = state.open()
    if name == "agent" and kiln.plugins.get(name) is None:
        from ..agent_tools import approve_agent

        if capability not in (None, "plugins.write"):
            raise UsageError(f"agents can only be granted 'plugins.write', not '{capability}'")
        approve_agent(kiln)
        console.print("Approved plugins.write for agent: MCP clients may create and update plugin notes.")
        return
    granted = kiln.approve(name, capability)
    if name == "builtin":
        console.print("Approved kiln.write for the built-in note tools: MCP clients may create, update "
                      "and delete notes with them.")
        return
    spec = kiln.plugins.get(name)
    where = spec.note_id if spec.source == "kiln" else str(spec.file or spec.note_id)
    for cap in granted:  # say which note: a kiln plugin may carry the name of one of the person's own
        console.print(f"Approved {plain(cap)} for {plain(name)}, {spec.source} plugin {plain(where)} "
                      f"({kiln.approval_hash(spec)[:12]}).")
    if not granted:
        console.print(f"{name} declares no capability that needs approval.")


@plugins_group.command("revoke")
@click.argument("name")
@click.option("--capability", "capability", help="Only this capability.")
@click.pass_obj
def plugins_revoke(state: CliState, name: str, capability: str | None) -> None:
    """Withdraw approvals of a plugin."""
    kiln = state.open()
    count = kiln.approvals.revoke(kiln.root, name, capability)
    console.print(f"Revoked {count} approval(s) of {name}.")
