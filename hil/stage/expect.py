"""Expectations bound to a DBC: signal names checked, enum labels resolved, units converted.

Binding happens once, when the stage file is loaded; a bad name or unit is refused there
with the line it is on. `hil.stage.verdicts.evaluate` then runs the bound expectations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hil.bus.codec import Codec
from hil.stage.expr import (
    UNITS,
    Call,
    Compare,
    Cond,
    ExprError,
    Name,
    Not,
    Num,
    Operand,
    Parsed,
    Scope,
    SignalRef,
    Truthy,
    parse_expectation,
)

# Event kinds (hil.results.events.EventKind values) plus the shift subsets the language adds,
# with the fields each carries. Field units and value tables come from the DBC signal of the
# same name; HeldMs is the one field that is not a DBC signal.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "shift": ("FromGear", "ToGear", "ShiftTimeMs", "ShiftKind", "Trigger", "EventCounter",
              "DeadTimeMs", "InertiaPhaseMs"),
    "shift_reject": ("ShiftRejectReason", "GearActual", "GearTarget"),
    "handbrake_pull": ("HandbrakeLever", "VehicleSpeed"),
    "handbrake_release": ("HandbrakeLever", "HeldMs"),
    "rear_axle_lock": ("RearBrakePressure", "State"),
    "rear_axle_unlock": ("RearBrakePressure", "State"),
    "centre_open": ("CentreMode", "CentreCouplingTorque"),
    "centre_close": ("CentreMode", "CentreCouplingTorque"),
    "fault": (),
    "fault_cleared": (),
}
DERIVED_KINDS: dict[str, str] = {"upshift": "shift", "downshift": "shift"}
EXTRA_FIELD_UNITS: dict[str, str] = {"HeldMs": "ms"}
BUILTINS: dict[str, str] = {"duration": "s", "distance": "m"}  # segment and stage scopes


def event_kinds() -> list[str]:
    return [*EVENT_FIELDS, *DERIVED_KINDS]


def fields_of(kind: str) -> tuple[str, ...]:
    return EVENT_FIELDS[DERIVED_KINDS.get(kind, kind)]


# ---- bound operands ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Field:
    """A field of the event being checked (`every` scope); enum names map back to numbers."""

    name: str
    choices: dict[str, int]


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str  # duration (s) | distance (m)


@dataclass(frozen=True, slots=True)
class Aggregate:
    func: str  # max | min | mean over a signal, count of an event kind
    signal: SignalRef | None
    event: str | None


@dataclass(frozen=True, slots=True)
class Value:
    """A bound operand with the unit it is measured in (a DBC or built-in unit, or none)."""

    term: Num | SignalRef | Field | Builtin | Aggregate
    unit: str | None

    def describe(self) -> str:
        t = self.term
        if isinstance(t, Num):
            return f"{t.value:g}"
        if isinstance(t, SignalRef):
            return t.text
        if isinstance(t, Aggregate):
            return f"{t.func}({t.signal.text if t.signal else t.event})"
        return t.name


@dataclass(frozen=True, slots=True)
class BCompare:
    op: str
    left: Value
    right: Value


@dataclass(frozen=True, slots=True)
class BTruthy:
    value: Value


@dataclass(frozen=True, slots=True)
class BNot:
    operand: BCond


@dataclass(frozen=True, slots=True)
class BBool:
    op: str
    operands: tuple[BCond, ...]


BCond = BCompare | BTruthy | BNot | BBool


@dataclass(frozen=True)
class Expectation:
    """One checked expectation of a stage file, ready to evaluate."""

    name: str
    text: str
    scope: Scope
    cond: BCond
    messages: frozenset[str] = field(default_factory=frozenset)  # messages the check reads
    line: int = 0


# ---- binding -------------------------------------------------------------------------

class _Binder:
    def __init__(self, codec: Codec, scope: Scope) -> None:
        self.codec = codec
        self.scope = scope
        self.messages: set[str] = set()
        self.instant = scope.kind in ("always", "never", "eventually", "within", "every")
        self.fields = fields_of(scope.event) if scope.kind == "every" and scope.event else ()

    def signal_unit(self, msg: str, sig: str) -> str | None:
        unit = self.codec.specs[msg].units.get(sig, "")
        return unit if unit in UNITS else None

    def choices_of_signal(self, msg: str, sig: str) -> dict[str, int]:
        return {v: k for k, v in self.codec.specs[msg].choices.get(sig, {}).items()}

    def any_signal(self, name: str) -> tuple[str, str] | None:
        for spec in self.codec.specs.values():
            if name in spec.signals:
                return spec.name, name
        return None

    def signal(self, ref: SignalRef) -> Value:
        spec = self.codec.specs.get(ref.message)
        if spec is None:
            raise ExprError(ref.pos, f"no message '{ref.message}' in the DBC")
        if ref.signal not in spec.signals:
            raise ExprError(ref.pos, f"no signal '{ref.signal}' in {ref.message} "
                                     f"(has: {', '.join(s for s in spec.signals if s not in ('CRC', 'Counter'))})")
        self.messages.add(ref.message)
        return Value(ref, self.signal_unit(ref.message, ref.signal))

    def field(self, name: Name) -> Value:
        home = self.any_signal(name.name)
        unit = EXTRA_FIELD_UNITS.get(name.name) or (self.signal_unit(*home) if home else None)
        return Value(Field(name.name, self.choices_of_signal(*home) if home else {}), unit)

    def operand(self, op: Operand) -> Value | Name:
        """Bind an operand; a bare name that may be an enum label is returned for the comparison."""
        if isinstance(op, Num):
            return Value(op, op.unit)
        if isinstance(op, SignalRef):
            if not self.instant:
                raise ExprError(op.pos, f"a {self.scope.kind} check reads signals through max(), min() or mean()")
            return self.signal(op)
        if isinstance(op, Call):
            return self.call(op)
        if op.name in self.fields:
            return self.field(op)
        if op.name in BUILTINS:
            if self.instant:
                raise ExprError(op.pos, f"'{op.name}' is only known in segment and stage checks")
            return Value(Builtin(op.name), BUILTINS[op.name])
        return op

    def call(self, call: Call) -> Value:
        if self.instant:
            raise ExprError(call.pos, f"{call.func}() is only allowed in segment and stage checks")
        arg = call.arg
        if call.func == "count":
            if not isinstance(arg, Name) or arg.name not in event_kinds():
                raise ExprError(call.pos, f"count() takes an event kind ({', '.join(event_kinds())})")
            return Value(Aggregate("count", None, arg.name), None)
        if not isinstance(arg, SignalRef):
            raise ExprError(call.pos, f"{call.func}() takes a signal, MESSAGE.Signal")
        sig = self.signal(arg)
        return Value(Aggregate(call.func, arg, None), sig.unit)

    def choices_for(self, v: Value) -> dict[str, int]:
        t = v.term
        if isinstance(t, SignalRef):
            return self.choices_of_signal(t.message, t.signal)
        if isinstance(t, Aggregate) and t.signal is not None:
            return self.choices_of_signal(t.signal.message, t.signal.signal)
        if isinstance(t, Field):
            return t.choices
        return {}

    def label(self, name: Name, partner: Value | Name) -> Value:
        if isinstance(partner, Name):
            raise ExprError(name.pos, f"unknown name '{name.name}'{self.hint()}")
        choices = self.choices_for(partner)
        if name.name in choices:
            return Value(Num(float(choices[name.name]), None, name.pos), partner.unit)
        if choices:
            raise ExprError(name.pos, f"'{name.name}' is not a value of {partner.describe()} "
                                      f"(one of: {', '.join(choices)})")
        raise ExprError(name.pos, f"unknown name '{name.name}'{self.hint()}")

    def hint(self) -> str:
        if self.fields:
            return f" (fields of {self.scope.event}: {', '.join(self.fields)})"
        if not self.instant:
            return " (known here: duration, distance)"
        return ""

    def compare(self, c: Compare) -> BCompare:
        left, right = self.operand(c.left), self.operand(c.right)
        if isinstance(left, Name):
            left = self.label(left, right)
        if isinstance(right, Name):
            right = self.label(right, left)
        left, right = self.units(left, right, c), self.units(right, left, c)
        return BCompare(c.op, left, right)

    @staticmethod
    def units(v: Value, partner: Value, c: Compare) -> Value:
        """Express a literal in its partner's unit; refuse mixed dimensions."""
        if not isinstance(v.term, Num):
            if (not isinstance(partner.term, Num) and partner.unit and v.unit
                    and UNITS[partner.unit][0] != UNITS[v.unit][0]):
                raise ExprError(c.pos, f"cannot compare {v.unit} with {partner.unit}")
            return v
        if v.term.unit is None:
            return Value(v.term, partner.unit)
        if isinstance(partner.term, Num):
            return v
        if partner.unit is None:
            raise ExprError(v.term.pos, f"{partner.describe()} has no unit; write the number without '{v.term.unit}'")
        dim, factor = UNITS[v.term.unit]
        pdim, pfactor = UNITS[partner.unit]
        if dim != pdim:
            raise ExprError(v.term.pos, f"{partner.describe()} is in {partner.unit}, not {dim} ('{v.term.unit}')")
        return Value(Num(v.term.value * factor / pfactor, None, v.term.pos), partner.unit)

    def cond(self, c: Cond) -> BCond:
        if isinstance(c, Compare):
            return self.compare(c)
        if isinstance(c, Truthy):
            v = self.operand(c.operand)
            if isinstance(v, Name):
                raise ExprError(v.pos, f"unknown name '{v.name}'{self.hint()}")
            return BTruthy(v)
        if isinstance(c, Not):
            return BNot(self.cond(c.operand))
        return BBool(c.op, tuple(self.cond(x) for x in c.operands))


def bind(parsed: Parsed, codec: Codec, name: str | None = None, line: int = 0) -> Expectation:
    """Check `parsed` against the DBC; raises ExprError at the offending column."""
    scope = parsed.scope
    if scope.event is not None and scope.event not in event_kinds():
        raise ExprError(parsed.text.find(scope.event), f"unknown event kind '{scope.event}' "
                                                       f"(one of: {', '.join(event_kinds())})")
    b = _Binder(codec, scope)
    cond = b.cond(parsed.cond)
    if scope.kind in ("segment", "stage"):
        b.messages.add("ABS_WheelSpeeds")  # distance bounds and the `distance` built-in
    return Expectation(name or parsed.text, parsed.text, scope, cond, frozenset(b.messages), line)


def compile_expectation(text: str, codec: Codec, name: str | None = None, line: int = 0) -> Expectation:
    return bind(parse_expectation(text), codec, name, line)
