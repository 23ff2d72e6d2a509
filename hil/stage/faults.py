"""The `faults:` list of a stage file: each entry a FaultSpec, refused with its file, line and key.

Times are from the stage start; a fault that would start after the stage ends is refused.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hil import data as shipped
from hil.bus.codec import Codec
from hil.bus.faults.spec import FaultSpec, parse_fault
from hil.errors import FaultError, StageError

MAX_STAGE_FAULTS = 256


def read_faults(node: Node, file: str, codec: Codec | None, duration_ns: int) -> tuple[FaultSpec, ...]:
    """Every entry of the `faults:` sequence node, checked against the DBC (default: the shipped one)."""
    if codec is None:
        codec = Codec.load(shipped.path(*shipped.DEFAULT_DBC))
    if not isinstance(node, SequenceNode):
        raise _fail(file, node, "faults", "expected a list of faults")
    if len(node.value) > MAX_STAGE_FAULTS:
        raise _fail(file, node, "faults", f"more than {MAX_STAGE_FAULTS} faults")
    out: list[FaultSpec] = []
    for i, item in enumerate(node.value):
        key = f"faults[{i}]"
        if not isinstance(item, MappingNode):
            raise _fail(file, item, key, "expected a mapping, e.g. {at: 5 s, for: 500 ms, message: M, kind: drop}")
        data: dict[str, str] = {}
        lines = {"": item.start_mark.line + 1}
        for k, v in item.value:
            if not isinstance(k, ScalarNode) or not isinstance(v, ScalarNode):
                raise _fail(file, k, key, "keys and values must be single values")
            if k.value in data:
                raise _fail(file, k, f"{key}.{k.value}", "key given twice")
            data[k.value] = v.value
            lines[k.value] = k.start_mark.line + 1
        try:
            spec = parse_fault(data, codec, file=file, key=key, lines=lines)
        except FaultError as exc:
            raise StageError(exc.file, exc.key, exc.reason) from None
        if spec.at_ns >= duration_ns:
            raise StageError(file, f"line {lines.get('at', lines[''])}: {key}.at",
                             f"starts at {spec.at_ns / 1e9:g} s, not before the stage ends ({duration_ns / 1e9:g} s)")
        out.append(spec)
    return tuple(out)


def _fail(file: str, node: Node, key: str, reason: str) -> StageError:
    return StageError(file, f"line {node.start_mark.line + 1}: {key}", reason)
