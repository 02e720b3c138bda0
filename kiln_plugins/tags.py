"""Tags of a note (DESIGN §3): frontmatter ``tags`` plus inline ``#tag`` / ``#nested/tag``.

An inline tag starts at the beginning of a line or after whitespace (so ``#`` inside a word,
a URL fragment or ``[[note#heading]]`` is not a tag; a heading needs a space after its
``#`` and so is not one either), is made of letters, digits, ``_``, ``-`` and ``/``, and
needs at least one character that is not a digit (``#2024`` is not a tag). Code is masked
before this runs (see ``wikilinks.mask_code``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["find_tags", "frontmatter_tags", "merge_tags"]

_INLINE_TAG = re.compile(r"(?:(?<=\s)|^)#([\w\-/]*[^\W\d][\w\-/]*|[\w\-/]*-[\w\-/]*)", re.M)


def _clean(tag: str) -> str:
    return tag.strip().lstrip("#").strip("/")


def find_tags(lines: Iterable[str]) -> list[str]:
    """Inline tags in already-masked lines, in order (may repeat)."""
    found = []
    for text in lines:
        if "#" not in text:
            continue
        for m in _INLINE_TAG.finditer(text):
            tag = _clean(m.group(1))
            if tag and not tag.replace("/", "").isdigit():
                found.append(tag)
    return found


def frontmatter_tags(value: Any) -> list[str]:
    """Tags from a frontmatter ``tags`` value: a list, or a string split on commas/spaces."""
    if value is None:
        return []
    if isinstance(value, str):
        items: list[Any] = re.split(r"[,\s]+", value)
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    tags = []
    for item in items:
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            tag = _clean(str(item))
            if tag:
                tags.append(tag)
    return tags


def merge_tags(*groups: Iterable[str]) -> tuple[str, ...]:
    """Concatenate tag lists, keeping the first spelling of each (case-insensitive)."""
    seen: set[str] = set()
    out = []
    for group in groups:
        for tag in group:
            key = tag.lower()
            if key not in seen:
                seen.add(key)
                out.append(tag)
    return tuple(out)
