"""Stage scripts (YAML) compiled to a Timeline; every refusal names the file, line and reason.

The YAML is composed into nodes (never constructed into Python objects), so every value
keeps its line and nothing in the file can run code. See docs/stage-format.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hil import data
from hil.bus.codec import Codec
from hil.errors import StageError
from hil.models.world import SURFACES
from hil.stage.compile import Command, Compiler, SurfacePatch
from hil.stage.expect import Expectation, compile_expectation
from hil.stage.expr import ExprError
from hil.stage.faults import read_faults
from hil.stage.grammar import ANALOG, CENTRE, MAX_STAGE_NS, ON_OFF, SELECTOR, SPEED_OFF
from hil.stage.inputs import read_input
from hil.stage.timeline import WHEELS, Timeline
from hil.stage.yamlnodes import NS, YamlContext

MAX_REPEAT = 10_000
MAX_COMMANDS = 2_000_000
DEFAULT_PULSE_NS = 150_000_000
DEFAULT_HANDBRAKE_RAMP_NS = 50_000_000
TOP_KEYS = ("stage", "description", "duration", "paddle_pulse", "input", "steps", "expect", "faults")
DISCRETE = ("paddle", "selector", "centre_lock", "low_range", "surface")
STEP_KEYS = ("at", "after", *ANALOG, *DISCRETE)
SHAPE_KEYS = ("to", "travel", "over", "hold", "release", "back")
WHEEL_GROUPS = {"all": WHEELS, "front": ("FL", "FR"), "rear": ("RL", "RR"), **{w: (w,) for w in WHEELS}}


class _Script:
    def __init__(self, ctx: YamlContext, base: Path, compiler: Compiler) -> None:
        self.ctx = ctx
        self.base = base
        self.comp = compiler
        self.pulse_ns = DEFAULT_PULSE_NS
        self.cursor = 0
        self.last = 0  # latest instant anything changes (releases included)

    def emit(self, cmd: Command) -> None:
        if self.comp.size() >= MAX_COMMANDS:
            raise StageError(self.ctx.file, "steps", f"more than {MAX_COMMANDS} changes (repeat count too high?)")
        self.comp.add(cmd)
        self.last = max(self.last, cmd.end_ns)

    def steps(self, node: Node, key: str, depth: int = 0) -> None:
        if not isinstance(node, SequenceNode):
            raise self.ctx.fail(node, key, "expected a list of steps")
        for i, item in enumerate(node.value):
            k = f"{key}[{i}]"
            if isinstance(item, MappingNode) and any(
                    isinstance(kn, ScalarNode) and kn.value == "repeat" for kn, _ in item.value):
                self.repeat(item, k, depth)
            else:
                self.step(item, k, inside_repeat=depth > 0)

    def repeat(self, node: MappingNode, key: str, depth: int) -> None:
        ctx = self.ctx
        m = ctx.mapping(node, key, ("repeat", "at", "after", "steps"))
        if depth >= 4:
            raise ctx.fail(node, key, "repeats nest at most 4 deep")
        if "steps" not in m:
            raise ctx.fail(node, key, "a repeat needs 'steps'")
        times_text = ctx.scalar(m["repeat"][1], f"{key}.repeat")
        if not times_text.isdigit() or not 1 <= int(times_text) <= MAX_REPEAT:
            raise ctx.fail(m["repeat"][1], f"{key}.repeat", f"expected a whole number 1..{MAX_REPEAT}")
        self.advance(m, key, inside_repeat=depth > 0)
        for _ in range(int(times_text)):
            self.steps(m["steps"][1], f"{key}.steps", depth + 1)

    def advance(self, m: dict[str, tuple[Node, Node]], key: str, inside_repeat: bool) -> None:
        ctx = self.ctx
        if "at" in m and "after" in m:
            raise ctx.fail(m["after"][0], key, "give 'at' or 'after', not both")
        if "at" in m:
            if inside_repeat:
                raise ctx.fail(m["at"][0], f"{key}.at", "inside a repeat, times are relative: use 'after'")
            t = ctx.duration_ns(m["at"][1], f"{key}.at")
            if t < self.cursor:
                raise ctx.fail(m["at"][1], f"{key}.at",
                               f"{t / NS:g} s is before the previous step ({self.cursor / NS:g} s)")
            self.cursor = t
        elif "after" in m:
            self.cursor += ctx.duration_ns(m["after"][1], f"{key}.after")

    def step(self, node: Node, key: str, inside_repeat: bool) -> None:
        ctx = self.ctx
        m = ctx.mapping(node, key, STEP_KEYS)
        self.advance(m, key, inside_repeat)
        actions = [k for k in m if k not in ("at", "after")]
        if not actions:
            raise ctx.fail(node, key, "a step needs an action (" + ", ".join(STEP_KEYS[2:]) + ")")
        t = self.cursor
        for name in actions:
            _, v = m[name]
            k = f"{key}.{name}"
            if name in ANALOG:
                self.analog(name, v, k, t)
            elif name == "paddle":
                self.paddle(v, k, t)
            elif name == "selector":
                self.emit(Command.set(t, "selector", ctx.choice(v, k, SELECTOR)))
            elif name == "centre_lock":
                self.emit(Command.set(t, "centre_lock", ctx.choice(v, k, CENTRE)))
            elif name == "low_range":
                self.emit(Command.set(t, "low_range", ctx.choice(v, k, ON_OFF)))
            else:
                self.surface(v, k, t)
        self.last = max(self.last, t)

    def analog(self, name: str, node: Node, key: str, t: int) -> None:
        ctx = self.ctx
        channel, unit, lo, hi = ANALOG[name]
        if isinstance(node, ScalarNode):
            if name == "target_speed" and node.value.strip().lower() == "off":
                self.emit(Command.set(t, channel, SPEED_OFF))
                return
            self.emit(Command.set(t, channel, ctx.quantity(node, key, unit, lo, hi)))
            return
        m = ctx.mapping(node, key, SHAPE_KEYS)
        target = m.get("to") or m.get("travel")
        if target is None or ("to" in m and "travel" in m):
            raise ctx.fail(node, key, "give the value with 'to' (or 'travel' for the handbrake)")
        value = ctx.quantity(target[1], f"{key}.to", unit, lo, hi)
        ramp_default = DEFAULT_HANDBRAKE_RAMP_NS if name == "handbrake" else 0
        over = ctx.duration_ns(m["over"][1], f"{key}.over") if "over" in m else ramp_default
        hold = ctx.duration_ns(m["hold"][1], f"{key}.hold", positive=True) if "hold" in m else None
        for extra in ("release", "back"):
            if extra in m and hold is None:
                raise ctx.fail(m[extra][0], f"{key}.{extra}", f"'{extra}' only goes with 'hold'")
        release = ctx.duration_ns(m["release"][1], f"{key}.release") if "release" in m else ramp_default
        back = ctx.quantity(m["back"][1], f"{key}.back", unit, lo, hi) if "back" in m else None
        self.emit(Command(t, channel, value, over_ns=over, hold_ns=hold, release_ns=release, back=back))

    def paddle(self, node: Node, key: str, t: int) -> None:
        ctx = self.ctx
        sides = {"up": "paddle_up", "down": "paddle_down"}
        if isinstance(node, ScalarNode):
            side, hold = ctx.choice(node, key, {"up": 0.0, "down": 1.0}), self.pulse_ns
        else:
            m = ctx.mapping(node, key, ("press", "hold"))
            if "press" not in m:
                raise ctx.fail(node, key, "give the paddle with 'press: up' or 'press: down'")
            side = ctx.choice(m["press"][1], f"{key}.press", {"up": 0.0, "down": 1.0})
            hold = ctx.duration_ns(m["hold"][1], f"{key}.hold", positive=True) if "hold" in m else self.pulse_ns
        channel = sides["up" if side == 0.0 else "down"]
        self.emit(Command(t, channel, 1.0, hold_ns=hold, back=0.0))

    def surface(self, node: Node, key: str, t: int) -> None:
        ctx = self.ctx
        names = {s: float(i) for i, s in enumerate(SURFACES)}
        patch: dict[str, str] = {}
        if isinstance(node, ScalarNode):
            s = SURFACES[int(ctx.choice(node, key, names))]
            patch = dict.fromkeys(WHEELS, s)
        else:
            m = ctx.mapping(node, key, tuple(WHEEL_GROUPS))
            for group, (_, v) in m.items():
                s = SURFACES[int(ctx.choice(v, f"{key}.{group}", names))]
                for w in WHEEL_GROUPS[group]:
                    patch[w] = s
        self.emit(Command.surface(t, SurfacePatch(tuple(sorted(patch.items())))))


def _compose(text: str, file: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark is not None else ""
        raise StageError(file, line, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise StageError(file, "", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise StageError(file, "", "nested too deep") from None


def compile_script(text: str, file: str, base: Path, codec: Codec | None = None) -> Timeline:
    """Compile the text of a stage file; `file` is what errors name, `base` resolves input paths."""
    ctx = YamlContext(file)
    root = _compose(text, file)
    if root is None:
        raise StageError(file, "", "empty stage file")
    m = ctx.mapping(root, "", TOP_KEYS)
    name = ctx.scalar(m["stage"][1], "stage") if "stage" in m else Path(file).stem
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ctx.fail(m["stage"][1] if "stage" in m else root, "stage", "use letters, digits, '_', '-', '.'")
    comp = Compiler()
    script = _Script(ctx, base, comp)
    if "paddle_pulse" in m:
        script.pulse_ns = ctx.duration_ns(m["paddle_pulse"][1], "paddle_pulse", positive=True)
    if "description" in m:
        ctx.scalar(m["description"][1], "description")
    replay = None
    if "input" in m:
        end_ns, replay = read_input(ctx, m["input"][1], base, comp)
        script.last = max(script.last, end_ns)
    if "steps" in m:
        script.steps(m["steps"][1], "steps")
    elif "input" not in m:
        raise ctx.fail(root, "steps", "a stage needs 'steps' or an 'input'")
    # default length: one second after the last change
    duration = ctx.duration_ns(m["duration"][1], "duration", positive=True) if "duration" in m else script.last + NS
    if script.last > MAX_STAGE_NS:
        raise StageError(file, "steps", f"the last change comes at {script.last / NS / 3600:g} h: a stage lasts "
                                        "at most 48 h")
    tl = comp.build(name, duration)
    tl.replay = replay
    if "expect" in m:
        tl.expectations = tuple(_expectations(ctx, m["expect"][1], codec))
    if "faults" in m:
        tl.faults = read_faults(m["faults"][1], file, codec, tl.duration_ns)
    return tl


def _expectations(ctx: YamlContext, node: Node, codec: Codec | None) -> list[Expectation]:
    if not isinstance(node, SequenceNode):
        raise ctx.fail(node, "expect", "expected a list of checks")
    if codec is None:
        codec = Codec.load(data.path(*data.DEFAULT_DBC))
    out: list[Expectation] = []
    names: set[str] = set()
    for i, item in enumerate(node.value):
        key = f"expect[{i}]"
        name: str | None = None
        where: Node = item
        if isinstance(item, ScalarNode):
            text = item.value
        elif isinstance(item, MappingNode) and any(isinstance(k, ScalarNode) and k.value == "check"
                                                   for k, _ in item.value):
            m = ctx.mapping(item, key, ("name", "check"))
            text, where = ctx.scalar(m["check"][1], f"{key}.check"), m["check"][1]
            if "name" in m:
                name = ctx.scalar(m["name"][1], f"{key}.name")
        elif isinstance(item, MappingNode) and len(item.value) == 1:
            k, v = item.value[0]
            text = f"{ctx.scalar(k, key)}: {ctx.scalar(v, key)}"
            where = k
        else:
            raise ctx.fail(item, key, "expected 'scope: condition' or a mapping with 'check' (and 'name')")
        try:
            exp = compile_expectation(text, codec, name, where.start_mark.line + 1)
        except ExprError as exc:
            raise ctx.fail(where, key, f"{exc.reason} (column {exc.pos + 1} of {text!r})") from None
        if exp.name in names:
            raise ctx.fail(where, key, f"two checks are named {exp.name!r}")
        names.add(exp.name)
        out.append(exp)
    return out


def load_script(path: Path, codec: Codec | None = None) -> Timeline:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StageError(str(path), "", "not UTF-8 text") from None
    except OSError as exc:
        raise StageError(str(path), "", f"cannot read: {exc.strerror}") from None
    return compile_script(text, str(path), path.parent, codec)
