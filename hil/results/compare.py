"""Regression verdicts: every KPI of a candidate run against its baseline, within tolerances.

Tolerances come from a TOML file next to the stages (`stages/tolerances.toml`): a default
and per-KPI glob patterns (an exact name wins, else the longest matching pattern), each with the direction that
is better and an absolute and/or relative bound. Validated like every config file.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field

from hil.config.schema import Strict, read_toml, validate
from hil.errors import ConfigError
from hil.results.folder import RunFolder, is_run_folder, load_run
from hil.results.junit import Case, Suite

DEFAULT_TOLERANCES = Path("stages/tolerances.toml")


class Tolerance(Strict):
    """`better`: lower | higher (a move the other way beyond the bound is a regression),
    equal (any move beyond the bound), info (never a regression). Bound = max(abs, rel_pct % of baseline)."""

    better: Literal["lower", "higher", "equal", "info"] = "equal"
    abs: float = Field(default=0.0, ge=0.0)
    rel_pct: float = Field(default=0.0, ge=0.0)

    def allowed(self, baseline: float) -> float:
        return max(self.abs, abs(baseline) * self.rel_pct / 100.0)

    def describe(self) -> str:
        if self.better == "info":
            return "info only"
        parts = [p for p in (f"{self.abs:g}" if self.abs else "", f"{self.rel_pct:g} %" if self.rel_pct else "") if p]
        bound = f"max({', '.join(parts)})" if len(parts) == 2 else (parts[0] if parts else "0")
        return {"lower": "≤ +", "higher": "≥ −", "equal": "± "}[self.better] + bound


class ToleranceFile(Strict):
    default: Tolerance = Tolerance()
    kpi: dict[str, Tolerance] = Field(default_factory=dict)


@dataclass(frozen=True)
class Tolerances:
    path: str
    spec: ToleranceFile

    def for_kpi(self, name: str) -> Tolerance:
        exact = self.spec.kpi.get(name)
        if exact is not None:
            return exact
        best: tuple[int, Tolerance] | None = None
        for pattern, tol in self.spec.kpi.items():
            if fnmatch.fnmatchcase(name, pattern) and (best is None or len(pattern) > best[0]):
                best = (len(pattern), tol)
        return best[1] if best is not None else self.spec.default


def load_tolerances(path: Path | None) -> Tolerances:
    """The tolerance file (default: stages/tolerances.toml, else everything compared exactly)."""
    if path is None:
        if not DEFAULT_TOLERANCES.exists():
            return Tolerances("<exact>", ToleranceFile.model_validate({}))
        path = DEFAULT_TOLERANCES
    data = read_toml(path)
    spec = validate(ToleranceFile, data, str(path))
    for pattern in spec.kpi:
        if not pattern.strip():
            raise ConfigError(str(path), "kpi", "empty KPI pattern")
    return Tolerances(str(path), spec)


class Status(StrEnum):
    OK = "ok"
    BETTER = "better"
    REGRESSION = "REGRESSION"
    NEW = "new"          # only in the candidate
    MISSING = "MISSING"  # only in the baseline: the behaviour it measured is gone


@dataclass(frozen=True, slots=True)
class KpiVerdict:
    kpi: str
    baseline: float | None
    candidate: float | None
    tolerance: Tolerance
    status: Status

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.candidate is None:
            return None
        return self.candidate - self.baseline

    @property
    def regression(self) -> bool:
        return self.status in (Status.REGRESSION, Status.MISSING)


def judge(kpi: str, base: float | None, cand: float | None, tol: Tolerance) -> KpiVerdict:
    if base is None:
        return KpiVerdict(kpi, base, cand, tol, Status.NEW)
    if cand is None:
        return KpiVerdict(kpi, base, cand, tol, Status.OK if tol.better == "info" else Status.MISSING)
    delta, allowed = cand - base, tol.allowed(base)
    eps = 1e-9 * max(1.0, abs(base))
    if tol.better == "info":
        status = Status.OK
    elif tol.better == "lower":
        status = Status.REGRESSION if delta > allowed + eps else Status.BETTER if delta < -allowed - eps else Status.OK
    elif tol.better == "higher":
        status = Status.REGRESSION if delta < -allowed - eps else Status.BETTER if delta > allowed + eps else Status.OK
    else:
        status = Status.REGRESSION if abs(delta) > allowed + eps else Status.OK
    return KpiVerdict(kpi, base, cand, tol, status)


@dataclass(frozen=True)
class StageComparison:
    stage: str
    baseline: RunFolder | None
    candidate: RunFolder | None
    verdicts: list[KpiVerdict]

    @property
    def regressions(self) -> list[KpiVerdict]:
        return [v for v in self.verdicts if v.regression]

    @property
    def failed(self) -> bool:
        return bool(self.regressions) or self.candidate is None


def compare_runs(stage: str, base: RunFolder, cand: RunFolder, tols: Tolerances) -> StageComparison:
    names = sorted(set(base.kpis) | set(cand.kpis))
    return StageComparison(stage, base, cand,
                           [judge(n, base.kpis.get(n), cand.kpis.get(n), tols.for_kpi(n)) for n in names])


def _stage_dirs(path: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(path.iterdir()) if p.is_dir() and is_run_folder(p)}


def compare_folders(baseline: Path, candidate: Path, tols: Tolerances) -> list[StageComparison]:
    """Two results folders, or two suite folders of results folders (matched by name)."""
    for p in (baseline, candidate):
        if not p.is_dir():
            raise ConfigError(str(p), "", "not a results folder (no such directory)")
    if is_run_folder(baseline) or is_run_folder(candidate):
        b, c = load_run(baseline), load_run(candidate)
        return [compare_runs(c.stage, b, c, tols)]
    base_dirs, cand_dirs = _stage_dirs(baseline), _stage_dirs(candidate)
    if not base_dirs:
        raise ConfigError(str(baseline), "", "holds no results folder (no kpis.json in it or its subfolders)")
    out = []
    for name, bdir in base_dirs.items():
        cdir = cand_dirs.get(name)
        b = load_run(bdir)
        if cdir is None:
            out.append(StageComparison(name, b, None, []))
        else:
            out.append(compare_runs(name, b, load_run(cdir), tols))
    return out


def junit_suites(comparisons: list[StageComparison]) -> list[Suite]:
    suites = []
    for comp in comparisons:
        cases: list[Case] = []
        if comp.candidate is None:
            cases.append(Case("stage", f"regress.{comp.stage}", "stage missing from the candidate"))
        for v in comp.verdicts:
            detail = (f"baseline {_num(v.baseline)}, candidate {_num(v.candidate)}, "
                      f"delta {_num(v.delta)}, tolerance {v.tolerance.describe()}")
            cases.append(Case(v.kpi, f"regress.{comp.stage}",
                              f"{v.status}: {detail}" if v.regression else None, detail))
        suites.append(Suite(comp.stage, cases))
    return suites


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.4g}"


fmt = _num
