"""The domain reference lives in docs/: every pointer into it resolves, nothing points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import ROOT

_POINTER = re.compile(r"docs/([\w-]+\.md)(?:#([\w-]+))?")
_RELATIVE = re.compile(r"\]\(([\w-]+\.md)(?:#([\w-]+))?\)")  # links between docs pages


def _slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in page.read_text().splitlines() if line.startswith("#")}


def _sources() -> list[Path]:
    found = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for top in ("hil", "tests", "calibrations", "rigs", "stages", "benchmarks"):
        found += [p for p in sorted((ROOT / top).rglob("*")) if p.suffix in {".py", ".toml", ".yaml", ".md"}]
    return found


def test_every_pointer_into_docs_names_an_existing_page_and_section() -> None:
    broken: list[str] = []
    for source in _sources():
        text = source.read_text()
        pointers = list(_POINTER.finditer(text))
        if source.parent == ROOT / "docs":
            pointers += list(_RELATIVE.finditer(text))
        for m in pointers:
            page = ROOT / "docs" / m.group(1)
            if not page.is_file() or (m.group(2) and m.group(2) not in _anchors(page)):
                broken.append(f"{source.relative_to(ROOT)}: {m.group(0)}")
    assert not broken, "broken docs pointers:\n" + "\n".join(broken)


def test_nothing_cites_the_domain_notes_outside_the_repository() -> None:
    citing = [str(p.relative_to(ROOT)) for p in _sources() if p.name != "test_docs.py" and "domain.md" in p.read_text()]
    assert not citing


def test_slug_matches_github_for_headings_with_punctuation() -> None:
    assert _slug(" Active rear diff (road OCTA)") == "active-rear-diff-road-octa"
    assert _slug("Our reading of the D7X-R function") == "our-reading-of-the-d7x-r-function"
