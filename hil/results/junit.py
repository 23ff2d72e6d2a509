"""JUnit XML for CI systems: testsuites > testsuite (a stage) > testcase (a check) > failure.

The structure and attributes follow the de-facto schema Jenkins, GitLab and GitHub read
(`tests`, `failures`, `errors`, `skipped`, `time` on each suite and on the root).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    classname: str
    failure: str | None = None  # message; None = passed
    detail: str = ""
    time_s: float = 0.0
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Suite:
    name: str
    cases: Sequence[Case] = field(default_factory=tuple)
    time_s: float = 0.0


def to_xml(suites: Sequence[Suite], name: str = "d7xr-hil") -> ET.Element:
    root = ET.Element("testsuites", name=name)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for s in suites:
        fails = sum(c.failure is not None for c in s.cases)
        skipped = sum(c.skipped for c in s.cases)
        el = ET.SubElement(root, "testsuite", name=s.name, tests=str(len(s.cases)), failures=str(fails),
                           errors="0", skipped=str(skipped), time=f"{s.time_s:.3f}")
        for c in s.cases:
            tc = ET.SubElement(el, "testcase", name=c.name, classname=c.classname, time=f"{c.time_s:.3f}")
            if c.failure is not None:
                f = ET.SubElement(tc, "failure", message=c.failure, type="regression")
                f.text = c.detail or c.failure
            elif c.skipped:
                ET.SubElement(tc, "skipped", message=c.detail)
            elif c.detail:
                ET.SubElement(tc, "system-out").text = c.detail
        totals["tests"] += len(s.cases)
        totals["failures"] += fails
        totals["skipped"] += skipped
        total_time += s.time_s
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("time", f"{total_time:.3f}")
    return root


def write_junit(path: Path, suites: Sequence[Suite], name: str = "d7xr-hil") -> Path:
    tree = ET.ElementTree(to_xml(suites, name))
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
