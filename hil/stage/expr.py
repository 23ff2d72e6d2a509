"""The expectation language: a hand-written tokenizer and recursive-descent parser (never eval).

    expectation := scope ':' condition
    scope       := 'always' | 'never' | 'eventually' | 'stage'
                 | 'every' EVENT
                 | 'within' DURATION 'of' 'each' EVENT
                 | 'segment' BOUND '..' BOUND          BOUND := NUMBER UNIT (time or distance) | 'end'
    condition   := conj ('or' conj)*
    conj        := neg ('and' neg)*
    neg         := 'not' neg | comparison
    comparison  := operand [CMP operand]              CMP := < <= > >= == !=
    operand     := NUMBER [UNIT] | '-' NUMBER [UNIT] | MSG '.' SIGNAL | NAME
                 | FUNC '(' (MSG '.' SIGNAL | NAME) ')' | '(' condition ')'

See docs/stage-format.md for the meaning of each scope, name and unit.
"""

from __future__ import annotations

from dataclasses import dataclass

# unit -> (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "ms": ("time", 1e-3), "s": ("time", 1.0), "min": ("time", 60.0),
    "km/h": ("speed", 1.0), "kph": ("speed", 1.0), "mph": ("speed", 1.609344),
    "m": ("distance", 1.0), "km": ("distance", 1000.0),
    "rpm": ("rpm", 1.0), "Nm": ("torque", 1.0), "bar": ("pressure", 1.0),
    "%": ("percent", 1.0), "degC": ("temperature", 1.0),
}
# longest first, so 'ms' wins over 'm' and 'km/h' over 'km'
_UNIT_ORDER = sorted(UNITS, key=len, reverse=True)
CMP_OPS = ("<=", ">=", "==", "!=", "<", ">")
KEYWORDS = frozenset({"and", "or", "not", "always", "never", "eventually", "stage", "every", "within",
                      "of", "each", "segment", "end"})
FUNCTIONS = frozenset({"max", "min", "mean", "count"})


class ExprError(ValueError):
    """A syntax error at a character offset of the expectation text."""

    def __init__(self, pos: int, reason: str) -> None:
        self.pos = pos
        self.reason = reason
        super().__init__(f"column {pos + 1}: {reason}")


# ---- tokens --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # NUM NAME OP DOT DOTDOT LP RP COLON MINUS END
    text: str
    pos: int
    value: float = 0.0
    unit: str | None = None


def _is_name_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c == "_")


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c.isascii() and c.isdigit():
            j = i
            while j < n and text[j].isascii() and text[j].isdigit():
                j += 1
            if j + 1 < n and text[j] == "." and text[j + 1].isascii() and text[j + 1].isdigit():
                j += 1
                while j < n and text[j].isascii() and text[j].isdigit():
                    j += 1
            if j < n and _is_name_char(text[j]) and not any(text.startswith(u, j) for u in _UNIT_ORDER):
                raise ExprError(j, f"unexpected '{text[j]}' after a number")
            number = float(text[i:j])
            k = j
            while k < n and text[k] in " \t":
                k += 1
            unit = None
            for u in _UNIT_ORDER:
                end = k + len(u)
                if text.startswith(u, k) and (end >= n or not _is_name_char(text[end]) or not _is_name_char(u[-1])):
                    unit, j = u, end
                    break
            out.append(Token("NUM", text[i:j], i, number, unit))
            i = j
            continue
        if c.isascii() and (c.isalpha() or c == "_"):
            j = i
            while j < n and _is_name_char(text[j]):
                j += 1
            out.append(Token("NAME", text[i:j], i))
            i = j
            continue
        two = text[i:i + 2]
        if two in CMP_OPS:
            out.append(Token("OP", two, i))
            i += 2
            continue
        if two == "..":
            out.append(Token("DOTDOT", two, i))
            i += 2
            continue
        single = {"<": "OP", ">": "OP", ".": "DOT", "(": "LP", ")": "RP", ":": "COLON", "-": "MINUS"}.get(c)
        if single is None:
            if c == "=":
                raise ExprError(i, "use '==' to compare")
            raise ExprError(i, f"unexpected character {c!r}")
        out.append(Token(single, c, i))
        i += 1
    out.append(Token("END", "", n))
    return out


# ---- syntax tree ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Num:
    value: float
    unit: str | None
    pos: int


@dataclass(frozen=True, slots=True)
class SignalRef:
    message: str
    signal: str
    pos: int

    @property
    def text(self) -> str:
        return f"{self.message}.{self.signal}"


@dataclass(frozen=True, slots=True)
class Name:
    """An enum label, an event field, or a built-in (`duration`, `distance`)."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    func: str  # max | min | mean | count
    arg: SignalRef | Name
    pos: int


Operand = Num | SignalRef | Name | Call


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Operand
    right: Operand
    pos: int


@dataclass(frozen=True, slots=True)
class Truthy:
    """An operand alone: true when non-zero (`HHB_Status.RearAxleLocked`)."""

    operand: Operand
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Cond
    pos: int


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # and | or
    operands: tuple[Cond, ...]
    pos: int


Cond = Compare | Truthy | Not | BoolOp


@dataclass(frozen=True, slots=True)
class Bound:
    """A segment bound: seconds or metres from the stage start, or the end of the run."""

    value: float  # seconds for time, metres for distance
    dimension: str  # time | distance | end


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str  # always | never | eventually | stage | every | within | segment
    event: str | None = None
    window_s: float = 0.0
    start: Bound | None = None
    end: Bound | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    scope: Scope
    cond: Cond
    text: str


# ---- parser --------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self, kind: str, text: str | None = None, what: str | None = None) -> Token:
        t = self.tok
        if t.kind != kind or (text is not None and t.text != text):
            want = what or (f"'{text}'" if text else kind.lower())
            got = f"'{t.text}'" if t.text else "the end"
            raise ExprError(t.pos, f"expected {want}, found {got}")
        self.i += 1
        return t

    def at(self, kind: str, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def expectation(self) -> Parsed:
        scope = self.scope()
        self.take("COLON", what="':' after the scope")
        cond = self.condition()
        if not self.at("END"):
            raise ExprError(self.tok.pos, f"unexpected '{self.tok.text}'")
        return Parsed(scope, cond, self.text)

    def duration_s(self, what: str) -> float:
        t = self.take("NUM", what=what)
        if t.unit is None or UNITS[t.unit][0] != "time":
            raise ExprError(t.pos, f"{what} needs a time unit (ms, s or min)")
        return t.value * UNITS[t.unit][1]

    def bound(self) -> Bound:
        if self.at("NAME", "end"):
            self.i += 1
            return Bound(0.0, "end")
        t = self.take("NUM", what="a segment bound (e.g. '10 s', '2 km' or 'end')")
        dim = UNITS[t.unit][0] if t.unit else None
        if dim not in ("time", "distance"):
            raise ExprError(t.pos, "a segment bound is a time (ms, s, min) or a distance (m, km)")
        assert t.unit is not None
        return Bound(t.value * UNITS[t.unit][1], dim)

    def scope(self) -> Scope:
        t = self.take("NAME", what="a scope (always, never, eventually, stage, every, within, segment)")
        kind = t.text
        if kind in ("always", "never", "eventually", "stage"):
            return Scope(kind)
        if kind == "every":
            return Scope(kind, event=self.take("NAME", what="an event kind").text)
        if kind == "within":
            window = self.duration_s("the window")
            self.take("NAME", "of")
            self.take("NAME", "each")
            return Scope(kind, event=self.take("NAME", what="an event kind").text, window_s=window)
        if kind == "segment":
            start = self.bound()
            self.take("DOTDOT", what="'..' between the segment bounds")
            end = self.bound()
            if start.dimension == "end":
                raise ExprError(t.pos, "a segment cannot start at 'end'")
            if end.dimension not in ("end", start.dimension):
                raise ExprError(t.pos, "both segment bounds must be times or both distances")
            if end.dimension != "end" and end.value <= start.value:
                raise ExprError(t.pos, "the segment ends before it starts")
            return Scope(kind, start=start, end=end)
        raise ExprError(t.pos, f"unknown scope '{kind}' (always, never, eventually, stage, every, within, segment)")

    def condition(self) -> Cond:
        pos = self.tok.pos
        parts = [self.conj()]
        while self.at("NAME", "or"):
            self.i += 1
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts), pos)

    def conj(self) -> Cond:
        pos = self.tok.pos
        parts = [self.neg()]
        while self.at("NAME", "and"):
            self.i += 1
            parts.append(self.neg())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts), pos)

    def neg(self) -> Cond:
        if self.at("NAME", "not"):
            pos = self.tok.pos
            self.i += 1
            return Not(self.neg(), pos)
        return self.comparison()

    def comparison(self) -> Cond:
        pos = self.tok.pos
        if self.at("LP"):
            self.i += 1
            inner = self.condition()
            self.take("RP", what="')'")
            if self.at("OP"):
                raise ExprError(self.tok.pos, "a parenthesised condition cannot be compared")
            return inner
        left = self.operand()
        if not self.at("OP"):
            return Truthy(left, pos)
        op = self.take("OP").text
        right = self.operand()
        if self.at("OP"):
            raise ExprError(self.tok.pos, "comparisons cannot be chained; join them with 'and'")
        return Compare(op, left, right, pos)

    def operand(self) -> Operand:
        t = self.tok
        if t.kind == "MINUS":
            self.i += 1
            num = self.take("NUM", what="a number after '-'")
            return Num(-num.value, num.unit, t.pos)
        if t.kind == "NUM":
            self.i += 1
            return Num(t.value, t.unit, t.pos)
        if t.kind != "NAME":
            got = f"'{t.text}'" if t.text else "the end"
            raise ExprError(t.pos, f"expected a number, signal or name, found {got}")
        if t.text in KEYWORDS:
            raise ExprError(t.pos, f"'{t.text}' is a keyword, not a value")
        self.i += 1
        if t.text in FUNCTIONS and self.at("LP"):
            self.i += 1
            arg_tok = self.take("NAME", what="a signal or event kind")
            arg: SignalRef | Name = self.ref_after(arg_tok)
            self.take("RP", what="')'")
            return Call(t.text, arg, t.pos)
        return self.ref_after(t)

    def ref_after(self, t: Token) -> SignalRef | Name:
        if self.at("DOT"):
            self.i += 1
            sig = self.take("NAME", what="a signal name after '.'")
            return SignalRef(t.text, sig.text, t.pos)
        return Name(t.text, t.pos)


def parse_expectation(text: str) -> Parsed:
    """Parse one expectation; raises ExprError with the column of the first problem."""
    return _Parser(text).expectation()
