"""Semantic versions (semver.org 2.0) and the requirement ranges of a plugin's ``requires:``.

``packaging`` implements PEP 440, whose ordering of pre-releases and lack of ``^``/``~`` do not
match what plugin authors write, so the small part of semver we need lives here.

Ranges are comma-separated comparators, all of which must hold: ``>=1.0, <2``. Operators:
``>= <= > < ==`` and npm's ``^`` (compatible: same left-most non-zero part) and ``~`` (same
minor). A range may name a partial version (``1``, ``1.2``); partial versions follow npm:
``>1.2`` means ``>=1.3.0``, ``<=1.2`` means ``<1.3.0``, ``==1.2`` means ``1.2.x``. Pre-release
versions compare by semver precedence (``1.0.0-rc.1 < 1.0.0``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Version", "VersionRange", "parse_version", "parse_range", "parse_requirement"]

_IDENT = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_VERSION_RE = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    rf"(?:-({_IDENT}(?:\.{_IDENT})*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_PARTIAL_RE = re.compile(r"(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:[-+].*)?)?)?")
_COMPARATOR_RE = re.compile(r"\s*(>=|<=|==|>|<|\^|~)?\s*(\S+)\s*")
_REQUIREMENT_RE = re.compile(r"\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*(.*?)\s*")


@dataclass(frozen=True, slots=True, order=False)
class Version:
    """A semver version; ordering follows semver precedence (build metadata ignored)."""

    major: int
    """Incompatible-change counter."""
    minor: int
    """Compatible-feature counter."""
    patch: int
    """Fix counter."""
    prerelease: tuple[str, ...] = ()
    """Dot-separated pre-release identifiers (``("rc", "1")``); empty for a release."""
    build: str = ""
    """Build metadata after ``+``; never affects ordering."""

    def _key(self) -> tuple:
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        # A release ranks above every pre-release of the same numbers.
        return (self.major, self.minor, self.patch, 0 if pre else 1, pre)

    def __lt__(self, other: "Version") -> bool:
        return self._key() < other._key()

    def __le__(self, other: "Version") -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: "Version") -> bool:
        return self._key() > other._key()

    def __ge__(self, other: "Version") -> bool:
        return self._key() >= other._key()

    def same_precedence(self, other: "Version") -> bool:
        """True when neither version sorts before the other (build metadata ignored)."""
        return self._key() == other._key()

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + self.build
        return text


def parse_version(text: str) -> Version:
    """Parse a full semver version (``1.2.0``, ``1.0.0-rc.1+build.5``); ValueError if not one."""
    match = _VERSION_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"'{text}' is not a semver version (MAJOR.MINOR.PATCH, e.g. 1.2.0)")
    major, minor, patch, pre, build = match.groups()
    return Version(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else (),
                   build or "")


@dataclass(frozen=True, slots=True)
class VersionRange:
    """A conjunction of simple comparators, as written (``text``) and desugared (``bounds``)."""

    text: str
    """The range as the author wrote it (``>=1.0, <2``); '' means any version."""
    bounds: tuple[tuple[str, Version], ...]
    """``(op, version)`` pairs with op in ``>= > <= < ==``, all of which must hold."""

    def contains(self, version: Version) -> bool:
        """True when ``version`` satisfies every comparator."""
        return all(_compare(version, op, bound) for op, bound in self.bounds)

    def __str__(self) -> str:
        return self.text


def _compare(version: Version, op: str, bound: Version) -> bool:
    if op == ">=":
        return version >= bound
    if op == ">":
        return version > bound
    if op == "<=":
        return version <= bound
    if op == "<":
        return version < bound
    return version.same_precedence(bound)


def _partial(text: str) -> tuple[Version, int]:
    """A version that may omit minor/patch, and how many numeric parts were given (1–3)."""
    if _PARTIAL_RE.fullmatch(text) is None:
        raise ValueError(f"'{text}' is not a version")
    if _VERSION_RE.fullmatch(text):
        return parse_version(text), 3
    parts = [p for p in _PARTIAL_RE.fullmatch(text).groups() if p is not None]
    if len(parts) == 3:  # numbers fine, but the pre-release/build part is malformed
        raise ValueError(f"'{text}' is not a version")
    numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
    return Version(*numbers), len(parts)


def _bump(version: Version, index: int) -> Version:
    """The lowest release above every version sharing the first ``index + 1`` numbers."""
    numbers = [version.major, version.minor, version.patch][: index + 1]
    numbers[index] += 1
    return Version(*(numbers + [0] * (3 - len(numbers))))


def _desugar(op: str, version: Version, given: int) -> list[tuple[str, Version]]:
    if op == "^":
        first_nonzero = next((i for i, n in enumerate(
            (version.major, version.minor, version.patch)) if n), None)
        if first_nonzero is None or first_nonzero >= given:
            first_nonzero = given - 1  # ^0, ^0.0, ^0.0.0 pin what was written
        return [(">=", version), ("<", _bump(version, first_nonzero))]
    if op == "~":
        return [(">=", version), ("<", _bump(version, 0 if given == 1 else 1))]
    if given == 3:
        return [(op, version)]
    upper = _bump(version, given - 1)
    return {
        ">=": [(">=", version)],
        ">": [(">=", upper)],
        "<": [("<", version)],
        "<=": [("<", upper)],
        "==": [(">=", version), ("<", upper)],
    }[op]


def parse_range(text: str) -> VersionRange:
    """Parse ``>=1.0, <2`` / ``^1.2`` / ``~0.3.1`` / ``1.2.0`` (== implied); ValueError if bad."""
    text = text.strip()
    if not text:
        return VersionRange("", ())
    bounds: list[tuple[str, Version]] = []
    for part in text.split(","):
        match = _COMPARATOR_RE.fullmatch(part)
        if not match:
            raise ValueError(f"bad version range '{text}' (comma-separated comparisons: "
                             ">=, <=, >, <, ==, ^ or ~ and a version)")
        op, raw = match.group(1) or "==", match.group(2)
        try:
            version, given = _partial(raw)
        except ValueError:
            raise ValueError(f"bad version range '{text}': '{raw}' is not a version") from None
        bounds.extend(_desugar(op, version, given))
    return VersionRange(text, tuple(bounds))


def parse_requirement(text: str) -> tuple[str, VersionRange]:
    """Split ``rng-utils>=1.0, <2`` into the plugin name and its range; ValueError if bad."""
    match = _REQUIREMENT_RE.fullmatch(text) if isinstance(text, str) else None
    if not match or (match.group(2) and match.group(2)[0] not in "<>=^~0123456789"):
        raise ValueError(f"bad requirement '{text}' (expected a plugin name with an optional "
                         "range, e.g. rng-utils>=1.0)")
    return match.group(1), parse_range(match.group(2))
