"""The citation-parser plugin against a real-world bibliography: MNE-Python's 233 references.

The file lives outside the repository (``../shared/data/bibtex/mne-references.bib``); the tests
skip when it is absent. The plugin runs for real, in the Lua sandbox, on a copy of sample_kiln.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from kiln_plugins.plugin_tests import throwaway_kiln
from tests.conftest import SAMPLE_KILN, shared_data

MNE_BIB = shared_data() / "bibtex" / "mne-references.bib"

pytestmark = pytest.mark.skipif(not MNE_BIB.is_file(), reason=f"{MNE_BIB} is not present")


@pytest.fixture(scope="module")
def bib_text() -> str:
    return MNE_BIB.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(bib_text):
    with throwaway_kiln(SAMPLE_KILN) as kiln:
        return kiln.registry.call("parse_bibtex", {"text": bib_text}, caller="cli")


def test_every_entry_is_parsed_without_errors(parsed, bib_text):
    starts = re.findall(r"^@(\w+)\s*[{(]\s*([^,\s]+)", bib_text, flags=re.M)
    expected_keys = [key for kind, key in starts if kind.lower() not in ("string", "comment", "preamble")]
    assert len(expected_keys) == 233
    assert parsed["errors"] == []
    assert [e["key"] for e in parsed["entries"]] == expected_keys


def test_fields_are_plain_unicode(parsed):
    for entry in parsed["entries"]:
        assert entry["title"], entry["key"]
        for value in [entry["title"], *entry["authors"], *entry["fields"].values()]:
            assert "{" not in value and "}" not in value, (entry["key"], value)
            assert not re.search(r"\\[a-zA-Z'\"`^~]", value), (entry["key"], value)


def test_accents_months_and_author_order(parsed):
    by_key = {e["key"]: e for e in parsed["entries"]}
    assert by_key["GramfortEtAl2014"]["authors"][-1] == "Matti S. Hämäläinen"
    assert by_key["GramfortEtAl2014"]["title"] == "MNE Software for Processing MEG and EEG Data"
    assert by_key["GramfortEtAl2014"]["fields"]["pages"] == "446–460"
    assert by_key["GramfortEtAl2014"]["year"] == 2014
    assert by_key["BrunaEtAl2018"]["authors"] == ["Ricardo Bruña", "Fernando Maestú", "Ernesto Pereda"]
    months = {e["fields"]["month"] for e in parsed["entries"] if "month" in e["fields"]}
    assert {"March", "October", "November", "May"} <= months
    for entry in parsed["entries"]:
        for author in entry["authors"]:
            assert author == unicodedata.normalize("NFC", author) or any(
                unicodedata.combining(c) for c in author), author
            assert "," not in author, (entry["key"], author)


def test_import_writes_one_literature_note_per_entry(bib_text):
    with throwaway_kiln(SAMPLE_KILN) as kiln:
        assert kiln.approve("citation-parser") == ["kiln.write"]
        report = kiln.registry.call("import_bibtex", {"text": bib_text, "folder": "lit"}, caller="cli")
        assert report["errors"] == [] and len(report["created"]) == 233
        notes = [kiln.index.get(p) for p in report["created"]]
        assert all(n is not None and n.frontmatter["type"] == "literature" for n in notes)
        assert len({n.frontmatter["citekey"] for n in notes}) == 233
