"""``cru plugins requests``: capabilities and tools agents asked for (``request_capability``)."""

from __future__ import annotations

import datetime

import click
from rich.table import Table

from .app import JSON_OPT
from .context import CliState, console, print_json
from .plugins_cmd import plugins_group


@plugins_group.command("requests")
@JSON_OPT
@click.pass_obj
def plugins_requests(state: CliState, as_json: bool) -> None:
    """List pending capability requests from agents for this kiln."""
    kiln = state.open()
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
        table.add_row(str(r["id"]), r["plugin"], r["capability"], r["tool"] or "", r["requested_by"], when,
                      r["reason"])
    console.print(table)
    console.print("Approve with `cru plugins approve PLUGIN --capability CAP`.")
