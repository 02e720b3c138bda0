"""The assembled host-function table: every module's ``FUNCTIONS`` in one tuple."""

from __future__ import annotations

from . import graph_api, http_api, kiln_api, log_api, state_api, tools_api
from . import std_json, std_parallel, std_re, std_strings, std_time, std_yaml
from .registry import HostFunction

__all__ = ["HOST_FUNCTIONS", "by_name"]

HOST_FUNCTIONS: tuple[HostFunction, ...] = (
    *kiln_api.FUNCTIONS,
    *graph_api.FUNCTIONS,
    *state_api.FUNCTIONS,
    *tools_api.FUNCTIONS,
    *log_api.FUNCTIONS,
    *http_api.FUNCTIONS,
    *std_json.FUNCTIONS, *std_yaml.FUNCTIONS, *std_re.FUNCTIONS, *std_time.FUNCTIONS,
    *std_strings.FUNCTIONS, *std_parallel.FUNCTIONS,
)


def by_name() -> dict[str, HostFunction]:
    """``{"kiln.read": HostFunction, …}``."""
    return {f.qualified: f for f in HOST_FUNCTIONS}
