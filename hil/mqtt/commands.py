"""Remote commands: schemas, validation and their effect on the running session.

Transport-free (the bridge passes topic name and payload bytes in, gets reply bytes out), so
every path is testable without a broker. Two halves: `prepare` parses, validates and loads
files and touches nothing (the bridge runs it in a worker thread, off the CAN loop); `execute`
applies the result on the loop. Any exception becomes an error reply, logged. Replies are
cached by request id: a repeated id returns the first reply and changes nothing again.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hil.bus.codec import Codec
from hil.config.overrides import KEY_PATTERN, Value
from hil.config.schema import key_path
from hil.errors import CalibrationError, ConfigError
from hil.logs import log
from hil.stage.loader import load_stage
from hil.stage.player import StagePlayer
from hil.stage.timeline import Timeline, standing_start

ErrorCode = Literal["malformed", "too_large", "unknown_command", "invalid", "not_found", "forbidden",
                    "not_supported", "internal"]
EMBEDDED_STAGES: dict[str, Callable[[], Timeline]] = {"standing_start": standing_start}
REPLY_CACHE = 1024
STAGE_SUFFIXES = (".yaml", ".yml", ".csv")
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"
MAX_PAYLOAD_BYTES = 64 * 1024  # default of [mqtt].max_payload_kib


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    id: str = Field(pattern=ID_PATTERN)


class StageStart(_Request):
    stage: str = Field(min_length=1, max_length=256)  # a name, or a path inside the stages directory


class StageStop(_Request):
    pass


class CalibrationWrite(_Request):
    key: str = Field(pattern=KEY_PATTERN)  # section.key (nested allowed)
    value: Value


class FaultInject(_Request):
    """The fields of a stage file's fault (hil.bus.faults.FaultSpec), checked by the Rig; `at` from now."""

    model_config = ConfigDict(frozen=True, extra="allow", strict=True)


class FaultClear(_Request):
    fault_id: str = Field(pattern=r"^F[0-9]{1,9}$")


SCHEMAS: dict[str, type[_Request]] = {
    "stage/start": StageStart,
    "stage/stop": StageStop,
    "calibration/set": CalibrationWrite,
    "fault/inject": FaultInject,
    "fault/clear": FaultClear,
}


@dataclass(frozen=True)
class Pending:
    """A parsed command, ready to apply on the loop (or the error reply it earned)."""

    name: str
    request_id: str | None
    request: _Request | None = None
    stage: Timeline | None = None  # stage/start: loaded off the loop
    error: tuple[ErrorCode, str] | None = None
    cached: bytes | None = None  # the reply of an earlier request with this id


class CommandError(Exception):
    """Raised inside a handler: becomes an error reply; nothing has been changed."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class CommandContext:
    """What commands may touch: the stage player and the run's calibration (through the Rig)."""

    player: StagePlayer
    set_calibration: Callable[[str, Value], dict[str, Any]]  # the Rig's: checked, then to the nodes
    stages_dir: Path
    now_ns: Callable[[], int]
    on_event: Callable[[str, dict[str, Any]], None] = lambda kind, fields: None
    codec: Codec | None = None  # binds a stage's expectations to the DBC
    # the Rig's fault injection: fields -> reply (FaultError if invalid); fault id -> cleared?
    inject_fault: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    clear_fault: Callable[[str], bool] | None = None


class Commands:
    """Dispatches one request to its handler; replies are JSON bytes carrying the request id."""

    def __init__(self, ctx: CommandContext, max_payload_bytes: int = MAX_PAYLOAD_BYTES) -> None:
        self.ctx = ctx
        self.max_payload_bytes = max_payload_bytes
        self._replies: OrderedDict[str, bytes] = OrderedDict()
        self.handled = 0
        self.rejected = 0
        self._stage_faults: list[str] = []  # faults the playing stage injected: they end with it

    def handle(self, name: str, payload: bytes) -> bytes:
        """Both halves at once (tests, tools): the bridge runs `prepare` in a thread."""
        return self.execute(self.prepare(name, payload))

    def prepare(self, name: str, payload: bytes) -> Pending:
        """Parse, validate and load what the command names; changes nothing (thread-safe)."""
        try:
            return self._prepare(name, payload)
        except Exception as exc:  # a bug or a library surprise: an error reply, never a dead bridge
            log.error("MQTT command %s: %s: %s", name, type(exc).__name__, exc, exc_info=True)
            return Pending(name, None, error=("internal", f"{type(exc).__name__}: {exc}"))

    def _prepare(self, name: str, payload: bytes) -> Pending:
        if len(payload) > self.max_payload_bytes:
            return Pending(name, None, error=(
                "too_large", f"payload of {len(payload)} bytes is over the limit of {self.max_payload_bytes}"))
        try:
            data = json.loads(payload, parse_constant=_no_constants)
        except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
            return Pending(name, None, error=("malformed", f"payload is not JSON: {exc}"))
        except RecursionError:
            return Pending(name, None, error=("malformed", "payload is not JSON: nested too deep"))
        request_id = data["id"] if isinstance(data, dict) and isinstance(data.get("id"), str) else None
        cached = self._replies.get(request_id) if request_id is not None else None
        if cached is not None:
            return Pending(name, request_id, cached=cached)
        schema = SCHEMAS.get(name)
        if schema is None:
            return Pending(name, request_id, error=(
                "unknown_command", f"unknown command '{name}' (known: {', '.join(SCHEMAS)})"))
        try:
            request = schema.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = key_path(first["loc"]) or "payload"
            reason = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
            return Pending(name, request_id, error=("malformed", f"{where}: {reason}"))
        try:
            stage = self._find_stage(request.stage) if isinstance(request, StageStart) else None
        except CommandError as exc:
            return Pending(name, request.id, request, error=(exc.code, exc.message))
        return Pending(name, request.id, request, stage)

    def execute(self, pending: Pending) -> bytes:
        """Apply a prepared command on the loop; the reply (JSON bytes) says what happened."""
        if pending.cached is not None:
            if pending.request_id is not None:
                self._replies.move_to_end(pending.request_id)
            return pending.cached
        if pending.error is not None or pending.request is None:
            return self._reply(pending.name, pending.request_id, error=pending.error or ("internal", "no request"))
        try:
            result = self._run(pending.request, pending.stage)
        except CommandError as exc:
            return self._reply(pending.name, pending.request_id, error=(exc.code, exc.message))
        except Exception as exc:
            log.error("MQTT command %s: %s: %s", pending.name, type(exc).__name__, exc, exc_info=True)
            return self._reply(pending.name, pending.request_id,
                               error=("internal", f"{type(exc).__name__}: {exc}"))
        return self._reply(pending.name, pending.request_id, result=result)

    def _reply(self, name: str, request_id: str | None, *, result: dict[str, Any] | None = None,
               error: tuple[ErrorCode, str] | None = None) -> bytes:
        body: dict[str, Any] = {"id": request_id, "command": name, "ok": error is None}
        if error is None:
            body["result"] = result or {}
            self.handled += 1
        else:
            body["error"] = {"code": error[0], "message": error[1]}
            self.rejected += 1
        out = json.dumps(body, sort_keys=True).encode()
        if request_id is not None:
            self._replies[request_id] = out
            while len(self._replies) > REPLY_CACHE:
                self._replies.popitem(last=False)
        return out

    def _run(self, request: _Request, stage: Timeline | None) -> dict[str, Any]:
        if isinstance(request, StageStart):
            assert stage is not None  # loaded by prepare
            return self._stage_start(stage)
        if isinstance(request, StageStop):
            return self._stage_stop()
        if isinstance(request, CalibrationWrite):
            return self._calibration_set(request)
        if isinstance(request, FaultInject):
            return self._fault_inject(request)
        if isinstance(request, FaultClear):
            return self._fault_clear(request)
        raise CommandError("not_supported", f"no handler for {type(request).__name__}")

    # ---- faults ----------------------------------------------------------------------------

    def _fault_inject(self, req: FaultInject) -> dict[str, Any]:
        if self.ctx.inject_fault is None:
            raise CommandError("not_supported", "this session has no fault injector")
        try:
            return self.ctx.inject_fault(dict(req.model_extra or {}))
        except ConfigError as exc:  # FaultError: unknown message/signal/kind, bad value; nothing applied
            raise CommandError("invalid", str(exc)) from None

    def _fault_clear(self, req: FaultClear) -> dict[str, Any]:
        if self.ctx.clear_fault is None:
            raise CommandError("not_supported", "this session has no fault injector")
        if not self.ctx.clear_fault(req.fault_id):
            raise CommandError("not_found", f"no live fault {req.fault_id}")
        return {"fault_id": req.fault_id, "cleared": True}

    # ---- stage ---------------------------------------------------------------------------

    def _stage_start(self, timeline: Timeline) -> dict[str, Any]:
        ctx = self.ctx
        if timeline.faults and ctx.inject_fault is None:
            raise CommandError("not_supported", f"stage {timeline.name} has faults and this session has no injector")
        now = ctx.now_ns()
        previous = ctx.player.timeline
        if previous is not None and not ctx.player.finished(now):
            ctx.on_event("stage_end", {"stage": previous.name, "reason": "replaced",
                                       "elapsed_s": ctx.player.elapsed_ns(now) / 1e9})
        self._end_stage_faults()
        ctx.player.start(timeline, now)
        if ctx.inject_fault is not None:  # checked against the DBC when the stage loaded; times from now
            self._stage_faults = [ctx.inject_fault(f.model_dump(exclude_none=True))["fault_id"]
                                  for f in timeline.faults]
        ctx.on_event("stage_start", {"stage": timeline.name, "duration_s": timeline.duration_ns / 1e9,
                                     "t_s": now / 1e9})
        return {"stage": timeline.name, "duration_s": timeline.duration_ns / 1e9, "started_at_s": now / 1e9,
                "faults": list(self._stage_faults)}

    def _end_stage_faults(self) -> None:
        if self.ctx.clear_fault is not None:
            for fault_id in self._stage_faults:
                self.ctx.clear_fault(fault_id)
        self._stage_faults = []

    def _find_stage(self, spec: str) -> Timeline:
        root = self.ctx.stages_dir.resolve()
        if "/" not in spec and "\\" not in spec and "." not in spec:
            matches = [p for p in sorted(root.glob(f"{spec}.*")) if p.suffix in STAGE_SUFFIXES] if root.is_dir() else []
            if not matches:
                if spec in EMBEDDED_STAGES:
                    return EMBEDDED_STAGES[spec]()
                raise CommandError("not_found", f"no stage named '{spec}' in {root} "
                                   f"(embedded: {', '.join(EMBEDDED_STAGES)})")
            path = matches[0]
        else:
            path = root / spec
        path = path.resolve()  # a symlink in the stages directory may point anywhere: judge its target
        if not path.is_relative_to(root):
            raise CommandError("forbidden", f"'{spec}' is outside the stages directory {root}")
        if not path.is_file():
            raise CommandError("not_found", f"no stage file '{spec}' in {root}")
        try:
            return load_stage(path, self.ctx.codec)
        except ConfigError as exc:
            raise CommandError("invalid", str(exc)) from None

    def _stage_stop(self) -> dict[str, Any]:
        ctx = self.ctx
        now = ctx.now_ns()
        previous = ctx.player.timeline
        ctx.player.stop()
        self._end_stage_faults()
        if previous is None:
            return {"stage": None, "was_playing": False}
        ctx.on_event("stage_end", {"stage": previous.name, "reason": "stopped",
                                   "elapsed_s": ctx.player.elapsed_ns(now) / 1e9})
        return {"stage": previous.name, "was_playing": True}

    # ---- calibration ---------------------------------------------------------------------

    def _calibration_set(self, req: CalibrationWrite) -> dict[str, Any]:
        if req.key.split(".", 1)[0] == "meta":
            raise CommandError("forbidden", "meta is not a calibration value")
        try:
            change = self.ctx.set_calibration(req.key, req.value)
        except CalibrationError as exc:
            raise CommandError("invalid", f"{exc.key}: {exc.reason}" if exc.key else exc.reason) from None
        self.ctx.on_event("calibration_set", change)
        return change


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")
