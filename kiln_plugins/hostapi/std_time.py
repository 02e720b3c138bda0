"""``std.time``: ISO 8601 times — now, parse, format, add, diff (no capability needed).

A time is an ISO 8601 string (``2024-05-01``, ``2024-05-01T10:00:00``, ``…Z``, ``…+02:00``)
or a number of seconds since the Unix epoch (UTC). Results are ISO strings; UTC is written
``Z``. A date without a time stays a date when only whole days, months or years are added.
A time without an offset is taken as it is ("local wall time") and compared as if it were UTC.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time

from ..errors import UsageError
from .registry import HostFunction, Param
from .std_args import bool_arg, int_arg, number_arg, options, str_arg, type_word

__all__ = ["FUNCTIONS", "to_iso", "parse_moment"]

UTC = dt.timezone.utc
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}


def to_iso(moment: dt.datetime | dt.date) -> str:
    """ISO 8601 text; UTC as ``Z``, whole seconds without a fraction."""
    if not isinstance(moment, dt.datetime):
        return moment.isoformat()
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def parse_moment(value, fn: str, name: str = "time") -> dt.datetime | dt.date:
    """A datetime (or a date, for date-only text) from an ISO string or epoch seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = number_arg(value, fn, name)
        try:
            return dt.datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise UsageError(f"{fn}: {name} {value!r} is out of range") from None
    if not isinstance(value, str):
        raise UsageError(f"{fn}: {name} must be an ISO 8601 string or epoch seconds, "
                         f"got {type_word(value)}")
    text = value.strip()
    try:
        if len(text) == 10 and "T" not in text and " " not in text:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{fn}: {name} {value!r} is not an ISO 8601 date or time") from None


def _as_datetime(moment) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        return moment
    return dt.datetime(moment.year, moment.month, moment.day)


def _aware(moment) -> dt.datetime:
    moment = _as_datetime(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def now(ctx, opts=None):
    """std.time.now: the current time as ISO 8601, whole seconds."""
    o = options(opts, "std.time.now", {"utc": True})
    moment = dt.datetime.now(UTC) if bool_arg(o["utc"], "std.time.now", "utc") else dt.datetime.now().astimezone()
    return to_iso(moment.replace(microsecond=0))


def monotonic(ctx):
    """std.time.monotonic: seconds from a monotonic clock."""
    return time.monotonic()


def parse(ctx, text, fmt=None):
    """std.time.parse: the parts of an ISO 8601 (or strptime-formatted) time."""
    fn = "std.time.parse"
    if fmt is not None:
        text, fmt = str_arg(text, fn, "text"), str_arg(fmt, fn, "format")
        try:
            moment = dt.datetime.strptime(text, fmt)
        except ValueError as exc:
            raise UsageError(f"{fn}: {text!r} does not match format {fmt!r}: {exc}") from None
    else:
        moment = parse_moment(text, fn, "text")
    full = _as_datetime(moment)
    offset = full.utcoffset()
    return {
        "iso": to_iso(moment), "epoch": _aware(full).timestamp(),
        "year": full.year, "month": full.month, "day": full.day,
        "hour": full.hour, "minute": full.minute, "second": full.second,
        "weekday": full.isoweekday(), "yearday": full.timetuple().tm_yday,
        "offset_minutes": None if offset is None else int(offset.total_seconds() // 60),
    }


def format_time(ctx, time, fmt):
    """std.time.format: a time through a strftime pattern."""
    fn = "std.time.format"
    moment = _as_datetime(parse_moment(time, fn))
    fmt = str_arg(fmt, fn, "format")
    try:
        return moment.strftime(fmt)
    except ValueError as exc:
        raise UsageError(f"{fn}: bad format {fmt!r}: {exc}") from None


def _add_months(moment, months: int):
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise UsageError(f"std.time.add: result year {year} is out of range")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def add(ctx, time, amounts):
    """std.time.add: a time moved by calendar and clock amounts."""
    fn = "std.time.add"
    moment = parse_moment(time, fn)
    a = options(amounts, fn, {"years": 0, "months": 0, "weeks": 0, "days": 0,
                              "hours": 0, "minutes": 0, "seconds": 0})
    months = int_arg(a["years"], fn, "years") * 12 + int_arg(a["months"], fn, "months")
    clock = {k: number_arg(a[k], fn, k) for k in ("hours", "minutes", "seconds")}
    days = {k: number_arg(a[k], fn, k) for k in ("weeks", "days")}
    whole_days = all(v.is_integer() for v in days.values()) and not any(clock.values())
    if not isinstance(moment, dt.datetime) and not whole_days:
        moment = _as_datetime(moment)
    moment = _add_months(moment, months)
    try:
        moment = moment + dt.timedelta(**days, **clock)
    except OverflowError:
        raise UsageError(f"{fn}: result is out of range") from None
    return to_iso(moment)


def diff(ctx, a, b, opts=None):
    """std.time.diff: a minus b in the chosen unit."""
    fn = "std.time.diff"
    o = options(opts, fn, {"unit": "seconds"})
    unit = str_arg(o["unit"], fn, "unit", choices=tuple(UNITS))
    delta = _aware(parse_moment(a, fn, "a")) - _aware(parse_moment(b, fn, "b"))
    return delta.total_seconds() / UNITS[unit]


T = {"type": ["string", "number"]}
S = {"type": "string"}
OPTS = {"type": "object"}

FUNCTIONS = (
    HostFunction("std.time", "now", "The current time as ISO 8601 (UTC with `Z`, or local with "
                 "its offset when `utc = false`), whole seconds.",
                 (Param("opts", OPTS, "{utc=true}", required=False),), "string", None, now,
                 example='assert(std.time.now():match("^%d%d%d%d%-%d%d%-%d%dT"))',
                 rune_example='assert!(std::time::now().len() >= 20);'),
    HostFunction("std.time", "monotonic", "Seconds from a monotonic clock (only differences mean "
                 "anything): for measuring durations.",
                 (), "number (float seconds)", None, monotonic,
                 example='local t0 = std.time.monotonic()\nassert(std.time.monotonic() >= t0)',
                 rune_example='let t0 = std::time::monotonic();\nassert!(std::time::monotonic() >= t0);'),
    HostFunction("std.time", "parse", "Parse an ISO 8601 time (or epoch seconds), or `text` in a "
                 "strptime `format`, into its parts.",
                 (Param("text", T), Param("format", S, "strptime format, e.g. %d/%m/%Y", required=False)),
                 "{iso, epoch, year, month, day, hour, minute, second, weekday (1 = Monday), "
                 "yearday, offset_minutes or nil}", None, parse,
                 example='local t = std.time.parse("2024-03-01T12:30:00Z")\nassert(t.month == 3 and t.weekday == 5)',
                 rune_example='let t = std::time::parse("2024-03-01T12:30:00Z");\nassert_eq!(t["month"], 3);'),
    HostFunction("std.time", "format", "Format a time with a strftime pattern.",
                 (Param("time", T), Param("format", S)), "string", None, format_time,
                 example='assert(std.time.format("2024-03-01", "%d %B %Y") == "01 March 2024")',
                 rune_example='assert_eq!(std::time::format("2024-03-01", "%d %B %Y"), "01 March 2024");'),
    HostFunction("std.time", "add", "Add years, months (clamped to the month's end), weeks, days, "
                 "hours, minutes and seconds; negative amounts subtract.",
                 (Param("time", T), Param("amounts", OPTS, "{years, months, weeks, days, hours, minutes, seconds}")),
                 "ISO 8601 string", None, add,
                 example='assert(std.time.add("2024-01-31", {months = 1}) == "2024-02-29")',
                 rune_example='assert_eq!(std::time::add("2024-01-31", #{months: 1}), "2024-02-29");'),
    HostFunction("std.time", "diff", "a minus b, in seconds (or `unit`: minutes, hours, days, weeks).",
                 (Param("a", T), Param("b", T), Param("opts", OPTS, "{unit='seconds'}", required=False)),
                 "number (float)", None, diff,
                 example='assert(std.time.diff("2024-01-02", "2024-01-01", {unit = "hours"}) == 24)',
                 rune_example='assert_eq!(std::time::diff("2024-01-02", "2024-01-01", #{unit: "hours"}), 24.0);'),
)
