"""A throwaway host for the sandbox abuse tests: real lupa runtime, real Python callables."""

from __future__ import annotations

import time

import pytest

from kiln_plugins.errors import CapabilityError, KilnError, LimitExceeded
from kiln_plugins.limits import Limits
from kiln_plugins.model import CodeChunk
from kiln_plugins.sandbox import LuaUnit

OK_FUNCTION = """
function ok(args)
  return {echo = kiln.echo({n = 1, list = {1, 2}}), upper = ("abc"):upper()}
end
"""
OK_RESULT = {"echo": {"n": 1, "list": [1, 2]}, "upper": "ABC"}


def make_host(events: list) -> dict:
    """Host modules like registry.bind_all builds them: plain callables raising KilnErrors."""

    def deny(*_):
        raise CapabilityError("plugin 'attacker' may not use kiln.write (not declared)")

    def over(*_):
        raise LimitExceeded("write_mb", 10, plugin="attacker")

    def fail(*_):
        raise KilnError("note not found: nowhere.md")

    def sleep(seconds):
        time.sleep(seconds)
        return True

    return {
        "kiln": {"echo": lambda v=None: v, "deny": deny, "over": over, "fail": fail,
                 "sleep": sleep, "log": lambda m: events.append(m)},
    }


class Sandbox:
    """Build units from attack code, always with the ``ok`` function appended."""

    ok_result = OK_RESULT

    def __init__(self):
        self.events: list = []
        self.hard_timeouts: list = []

    def unit(self, code: str, **limits) -> LuaUnit:
        base = dict(instructions=5_000_000, timeout_ms=3_000, memory_mb=32)
        base.update(limits)
        chunk = CodeChunk(code + "\n" + OK_FUNCTION, "plugins/attacker.md", 10)
        return LuaUnit([chunk], make_host(self.events), Limits(**base), plugin="attacker",
                       on_log=lambda level, msg: self.events.append((level, msg)),
                       on_hard_timeout=self.hard_timeouts.append)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()
