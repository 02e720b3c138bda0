"""``cru plugins requests``: capabilities and tools agents asked for (``request_capability``)."""

from __future__ import annotations

import datetime

import click
from rich.table import Table

from ..errors import UsageError
from .app import JSON_OPT
from .context import CliState, console, plain, print_json
from .plugins_cmd import plugins_group


def _resolve(kiln, request_id: int, approve: bool) -> None:
    """Approve (for the plugin's current code, when it declares the capability) or deny a request."""
    pending = {r.id: r for r in kiln.approvals.pending_requests(kiln.root)}
    req = pending.get(request_id)
    if req is None:
        raise UsageError(f"no pending capability request {request_id} in this kiln (see `cru plugins requests`)")
    code_hash = None
    if approve:
        spec = kiln.plugins.get(req.plugin)
        if spec is None:
            raise UsageError(f"request {request_id}: plugin '{req.plugin}' does not exist (yet); "
                             f"approve once it declares '{req.capability}'")
        if req.capability not in kiln.permissions_of(spec).risky():
            raise UsageError(f"request {request_id}: plugin '{req.plugin}' does not declare '{req.capability}'; "
                             f"add it to its permissions first")
        code_hash = kiln.approval_hash(spec)  # what calls check: its code and what it requires
    done = kiln.approvals.resolve(request_id, approve=approve, code_hash=code_hash)
    console.print(f"Request {request_id} {done.status}: {plain(done.capability)} for {plain(done.plugin)}.")


@plugins_group.command("requests")
@click.option("--approve", "approve_id", type=int, metavar="ID", help="Approve request ID for the plugin's current code.")
@click.option("--deny", "deny_id", type=int, metavar="ID", help="Deny request ID.")
@JSON_OPT
@click.pass_obj
def plugins_requests(state: CliState, approve_id: int | None, deny_id: int | None, as_json: bool) -> None:
    """List pending capability requests from agents for this kiln (or approve/deny one)."""
    kiln = state.open()
    if approve_id is not None or deny_id is not None:
        if approve_id is not None and deny_id is not None:
            raise UsageError("give either --approve or --deny, not both")
        _resolve(kiln, approve_id if approve_id is not None else deny_id, approve_id is not None)
        return
    rows = [{"id": r.id, "plugin": r.plugin, "tool": r.tool, "capability": r.capability, "reason": r.reason,
             "requested_by": r.requested_by, "requested_at": r.requested_at, "status": r.status}
            for r in kiln.approvals.pending_requests(kiln.root)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No pending requests.")
        return
    table = Table("id", "plugin", "capability", "tool", "by", "when", "reason")
    for r in rows:
        when = datetime.datetime.fromtimestamp(r["requested_at"]).strftime("%Y-%m-%d %H:%M")
        table.add_row(str(r["id"]), *(plain(r[k] or "") for k in ("plugin", "capability", "tool", "requested_by")),
                      when, plain(r["reason"]))  # an agent wrote these: never markup
    console.print(table)
    console.print("Approve with `cru plugins requests --approve ID` (the plugin must declare the capability) "
                  "or `cru plugins approve PLUGIN`; `--deny ID` dismisses a request.")
