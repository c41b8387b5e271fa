"""Vexil's decisions in Python, through the Vexil wasm plugin on wasmtime.

The plugin (``vexil_abi.wasm``, built by ``cargo xtask build-plugin``) is the
one evaluator compiled to a core wasm module with no imports; this module is a
host for it, as ``crates/vexil-host`` is in Rust, and follows
``crates/vexil-abi/ABI.md`` step by step (each step is marked ``ABI:``):

    from vexil_host import Engine

    engine = Engine("target/wasm-plugin/vexil_abi.wasm")
    ruleset = engine.compile(open("examples/checkout.vx").read())
    decision = ruleset.evaluate("new_checkout", {"user": {"id": "u-1", "country": "DE"}})
    decision["value"], decision["reason"], decision["ruleset_version"]

Decisions are the engine's own JSON (``evaluate_json`` returns the text,
byte for byte what the native engine writes; ``evaluate`` parses it, ints
exact). Every call runs under a fuel budget and the instance under a memory
cap. A trap (out of fuel, out of memory, any other) never escapes: the call
answers the flag's ``on_error`` value with reason ``ERROR`` and code
``RESOURCE_LIMIT`` (a limit stopped it) or ``EVALUATION_ERROR``, and the next
call runs on a fresh instance rebuilt from the kept source. Bindings hold no
semantics: every decision, diagnostic and message comes from the plugin.

Instances are single-threaded: a ``Ruleset`` serialises its calls with a lock.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional, Union

import wasmtime

__all__ = ["ABI_VERSION", "CompileError", "Engine", "Limits", "PluginError", "RequestError", "Ruleset"]

#: The plugin ABI this host speaks.
ABI_VERSION = 1

_EXPORTS = ("vexil_abi_version", "vexil_alloc", "vexil_free", "vexil_load", "vexil_eval", "vexil_eval_all", "vexil_explain", "vexil_unload")
_U32 = (1 << 32) - 1
_U64 = (1 << 64) - 1

Now = Union[datetime, str, None]


@dataclass(frozen=True)
class Limits:
    """Per-instance limits; the defaults are the Rust host's (``vexil_host::Limits``)."""

    #: Fuel for one call, plus ``fuel_per_input_byte`` per byte of input.
    fuel: int = 20_000_000
    fuel_per_input_byte: int = 200
    #: Fuel for compiling a ruleset: at least this, and ``load_fuel_per_byte`` per source byte.
    load_fuel: int = 20_000_000_000
    load_fuel_per_byte: int = 10_000
    #: Linear memory cap in bytes: at least this, and ``memory_per_source_byte`` per source byte plus 64 MiB.
    memory_bytes: int = 256 << 20
    memory_per_source_byte: int = 96
    #: Work units each flag may spend (docs/semantics.md, "Work"); None: no budget, as natively.
    work_budget: Optional[int] = None

    def memory_for(self, source_bytes: int) -> int:
        scaled = 0 if self.memory_per_source_byte == 0 else min(source_bytes * self.memory_per_source_byte + (64 << 20), 4 << 30)
        return max(self.memory_bytes, scaled)

    def load_fuel_for(self, source_bytes: int) -> int:
        return max(self.load_fuel, source_bytes * self.load_fuel_per_byte)


class PluginError(Exception):
    """The module is not a Vexil plugin this host can run, or it failed outside a decision."""


class CompileError(Exception):
    """The ruleset does not compile; ``diagnostics`` are the engine's records
    (``severity``, ``code``, ``message``, ``line``, ``column``, ``start``, ``end``, ``help``?)."""

    def __init__(self, diagnostics: list[dict[str, Any]]):
        self.diagnostics = diagnostics
        first = diagnostics[0] if diagnostics else {}
        super().__init__(
            f"{len(diagnostics)} diagnostic(s); first: {first.get('code')} at {first.get('line')}:{first.get('column')}: {first.get('message')}"
        )


class RequestError(Exception):
    """``explain``/``evaluate_all`` could not be carried out (the plugin's ``INVALID_REQUEST``): ``code``, message."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(f"{code}: {message}")


class _Limit(Exception):
    """A call hit a fuel or memory limit (`trapped`: the instance is lost)."""

    def __init__(self, message: str, trapped: bool = True):
        self.trapped = trapped
        super().__init__(message)


class _Trap(Exception):
    """A call trapped for another reason, or broke the ABI."""


class _Refused(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


def _timestamp(now: Now) -> str:
    """The host's clock or the caller's instant, as the RFC 3339 text the plugin reads."""
    if now is None:
        now = datetime.now(timezone.utc)
    if isinstance(now, str):
        return now
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware (e.g. datetime.now(timezone.utc))")
    utc = now.astimezone(timezone.utc)
    # Four-digit years always (strftime's %Y does not pad years before 1000).
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond // 1000:03d}Z"


def _iso_millis(now: str) -> str:
    """`now` as decisions write it (milliseconds, `Z`), for the decisions this host makes after a trap."""
    try:
        parsed = datetime.fromisoformat(now.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return now
    if parsed.tzinfo is None:
        return now
    return _timestamp(parsed)


def _context_json(context: Any) -> str:
    """A Python context as JSON text. Datetimes become RFC 3339 text. NaN and
    infinities are written as such, which is not JSON: the whole context is
    then INVALID_CONTEXT for every flag (the JS package marks only the path
    that holds one; pass `context_json` to control this exactly)."""

    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return _timestamp(value) if value.tzinfo is not None else value.isoformat()
        if isinstance(value, (set, frozenset, tuple)):
            return list(value)
        raise TypeError(f"a context value of type {type(value).__name__} cannot be written as JSON")

    # ASCII with escapes: a lone surrogate in a Python str stays a JSON escape
    # for the engine to judge, never an encoding error here.
    return json.dumps(context if context is not None else {}, separators=(",", ":"), ensure_ascii=True, default=default)


class _Instance:
    """One store and instance of the plugin: the ABI's calls, under limits."""

    def __init__(self, engine: "Engine", memory_limit: int):
        self._engine = engine
        self.memory_limit = memory_limit
        self.store = wasmtime.Store(engine._engine)
        self.store.set_limits(memory_size=memory_limit)
        self.budget = 0
        try:
            self.store.set_fuel(engine.limits.fuel)
            instance = wasmtime.Instance(self.store, engine._module, [])
        except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
            raise PluginError(f"the plugin cannot be instantiated: {error}") from error
        exports = instance.exports(self.store)
        self.exports = {name: exports[name] for name in _EXPORTS}
        self.memory = exports["memory"]
        #: The reused input block (ptr, capacity): the module never frees inputs.
        self.input = (0, 0)
        #: The length of the input being processed (to judge a trap, below).
        self.input_len = 0
        # ABI: call vexil_abi_version first and refuse versions you do not know.
        try:
            version = self.call("vexil_abi_version", fuel=1_000_000) & _U32
        except (_Limit, _Trap) as error:
            raise PluginError(f"the plugin's vexil_abi_version failed: {error}") from error
        if version != ABI_VERSION:
            raise PluginError(f"the plugin speaks ABI version {version}; this host speaks {ABI_VERSION}")

    def call(self, export: str, *args: int, fuel: int) -> int:
        # ABI: run each call under a fuel budget.
        self.budget = fuel
        self.store.set_fuel(fuel)
        try:
            result = self.exports[export](self.store, *args)
        except wasmtime.Trap as trap:
            raise self._classify(trap) from trap
        except wasmtime.WasmtimeError as error:
            raise _Trap(f"the plugin failed ({error})") from error
        return 0 if result is None else result

    def _classify(self, trap: "wasmtime.Trap") -> Exception:
        if trap.trap_code == wasmtime.TrapCode.OUT_OF_FUEL:
            return _Limit(f"the plugin ran out of fuel (budget {self.budget} per call)")
        # wasmtime-py has no resource-limiter callback (the Rust host's way to
        # know a grow was refused): an allocation refused at the cap makes
        # Rust's allocator abort (`unreachable`), as a panic would. An abort is
        # read as the memory limit when the instance had used more than half
        # its cap, or when what was left could not hold four times the input
        # (decoding a context needs a few times its size).
        if trap.trap_code == wasmtime.TrapCode.UNREACHABLE:
            used = self.memory.data_len(self.store)
            if used * 2 > self.memory_limit or self.memory_limit - used < 4 * self.input_len:
                return _Limit(f"the plugin reached its memory limit of {self.memory_limit} bytes")
        return _Trap(f"the plugin trapped ({trap.message.strip().splitlines()[-1] if trap.message else trap})")

    def write_input(self, data: bytes, fuel: int) -> tuple[int, int]:
        """Writes an input into the reused block, growing it when needed."""
        self.input_len = len(data)
        if len(data) > _U32:
            raise _Limit(f"the plugin cannot hold a {len(data)}-byte input", trapped=False)
        ptr, capacity = self.input
        if len(data) > capacity:
            if capacity > 0:
                self.call("vexil_free", ptr, capacity, fuel=fuel)
                self.input = (0, 0)
            want = max(len(data), capacity * 2, 1024)
            ptr = self.call("vexil_alloc", want, fuel=fuel) & _U32
            if ptr == 0:
                raise _Limit(f"the plugin cannot hold a {len(data)}-byte input within its memory limit of {self.memory_limit} bytes", trapped=False)
            self.input = (ptr, want)
        try:
            self.memory.write(self.store, data, ptr)
        except (IndexError, wasmtime.WasmtimeError) as error:
            raise _Trap(f"the input block lies outside memory ({error})") from error
        return ptr, len(data)

    def take_result(self, packed: int, fuel: int) -> str:
        """Reads a packed result `(ptr << 32) | len`, frees it, returns its text."""
        packed &= _U64
        if packed == 0:
            raise _Limit(f"the plugin's result does not fit its memory limit of {self.memory_limit} bytes", trapped=False)
        ptr, length = packed >> 32, packed & _U32
        if ptr + length > self.memory.data_len(self.store):
            raise _Trap(f"the plugin returned an out-of-bounds result ({ptr}, {length})")
        data = bytes(self.memory.read(self.store, ptr, ptr + length))
        # ABI: free every result with vexil_free(ptr, len).
        self.call("vexil_free", ptr, length, fuel=fuel)
        text = data.decode("utf-8", errors="replace")
        if text.startswith('{"error":'):
            try:
                error = json.loads(text)["error"]
                raise _Refused(str(error["code"]), str(error["message"]))
            except (ValueError, KeyError, TypeError) as bad:
                raise _Trap(f"the plugin's error result is malformed: {bad}") from bad
        return text


class Engine:
    """The plugin module, compiled once by wasmtime (with fuel metering); compiles rulesets."""

    def __init__(self, module_path: str, limits: Limits = Limits()):
        self.limits = limits
        config = wasmtime.Config()
        config.consume_fuel = True
        self._engine = wasmtime.Engine(config)
        try:
            self._module = wasmtime.Module.from_file(self._engine, module_path)
        except FileNotFoundError as error:
            raise PluginError(f"no plugin module at {module_path} (build it: cargo xtask build-plugin)") from error
        except wasmtime.WasmtimeError as error:
            raise PluginError(f"{module_path} is not a wasm module wasmtime can run: {error}") from error
        # ABI: the module has no imports (time and randomness are inputs).
        if self._module.imports:
            names = ", ".join(f"{i.module}.{i.name}" for i in self._module.imports)
            raise PluginError(f"{module_path} imports {names}: not a Vexil plugin")
        exported = {e.name for e in self._module.exports}
        missing = [name for name in ("memory",) + _EXPORTS if name not in exported]
        if missing:
            raise PluginError(f"{module_path} lacks the exports {', '.join(missing)}: not a Vexil plugin")

    def compile(self, source: str) -> "Ruleset":
        """Compiles a ruleset inside a fresh instance; raises CompileError with the engine's diagnostics."""
        return Ruleset(self, source)


class Ruleset:
    """A compiled ruleset living in its own plugin instance."""

    def __init__(self, engine: Engine, source: str):
        self._engine = engine
        self._limits = engine.limits
        self._source = source.encode("utf-8")
        self._lock = threading.Lock()
        self._instance: Optional[_Instance] = None
        loaded = self._load()
        #: The ruleset's version (the hash of its text, as every stack computes it).
        self.version: str = loaded["ruleset_version"]
        #: The flag catalogue: key, type, kind?, owner?, expires?, description?, enabled, on_error, on_error_variant.
        self.flags: list[dict[str, Any]] = loaded["flags"]
        self._by_key = {flag["key"]: flag for flag in self.flags}

    def _load(self) -> dict[str, Any]:
        limits = self._limits
        instance = _Instance(self._engine, limits.memory_for(len(self._source)))
        fuel = limits.load_fuel_for(len(self._source))
        try:
            ptr, length = instance.write_input(self._source, fuel)
            text = instance.take_result(instance.call("vexil_load", ptr, length, fuel=fuel), fuel)
        except _Limit as error:
            raise PluginError(f"compiling the ruleset hit a limit: {error}") from error
        except (_Trap, _Refused) as error:
            raise PluginError(f"the plugin failed to compile the ruleset: {error}") from error
        loaded = json.loads(text)
        if "diagnostics" in loaded:
            raise CompileError(loaded["diagnostics"])
        self._handle = int(loaded["handle"])
        self._instance = instance
        return loaded

    def _call(self, export: str, request: bytes) -> str:
        """One ABI call on the live instance; a trap drops the instance (rebuilt on the next call)."""
        if self._instance is None:
            # ABI: after a trap, rebuild an instance and vexil_load the kept source.
            self._load()
        instance = self._instance
        assert instance is not None
        fuel = self._limits.fuel + self._limits.fuel_per_input_byte * len(request)
        try:
            ptr, length = instance.write_input(request, fuel)
            return instance.take_result(instance.call(export, self._handle, ptr, length, fuel=fuel), fuel)
        except (_Limit, _Trap) as failure:
            # ABI: a trap leaves the instance unusable: drop it.
            if getattr(failure, "trapped", True):
                self._instance = None
            raise

    @staticmethod
    def _request(now: str, fields: dict[str, Any]) -> bytes:
        # ABI: `NOW "\n" REQUEST`, the request a JSON object.
        return (now + "\n" + json.dumps(fields, separators=(",", ":"), ensure_ascii=True)).encode("utf-8")

    def _fields(self, context: Any, context_json: Optional[str]) -> dict[str, Any]:
        fields: dict[str, Any] = {"context_json": context_json if context_json is not None else _context_json(context)}
        if self._limits.work_budget is not None:
            fields["budget"] = self._limits.work_budget
        return fields

    def _error_decision(self, flag: str, failure: Exception, now: str) -> str:
        """ABI: when the guest cannot answer, the flag's on_error value, reason ERROR."""
        info = self._by_key.get(flag)
        now = _iso_millis(now)
        if info is None:
            decision: dict[str, Any] = {
                "flag": flag,
                "reason": "ERROR",
                "error_code": "FLAG_NOT_FOUND",
                "error_message": f"no flag named `{flag}` in ruleset {self.version}",
            }
        else:
            if isinstance(failure, _Limit):
                code, message = "RESOURCE_LIMIT", str(failure)
            elif isinstance(failure, _Refused):
                code, message = "EVALUATION_ERROR", f"the plugin refused the call: {failure}"
            else:
                code, message = "EVALUATION_ERROR", f"{failure}; the instance is rebuilt"
            decision = {
                "flag": info["key"],
                "value": info["on_error"],
                "variant": info["on_error_variant"],
                "reason": "ERROR",
                "error_code": code,
                "error_message": message,
            }
        decision["ruleset_version"] = self.version
        decision["now"] = now
        return json.dumps(decision, separators=(",", ":"), ensure_ascii=False)

    # ---------------------------------------------------------------- decisions

    def evaluate_json(self, flag: str, context: Any = None, *, context_json: Optional[str] = None, now: Now = None) -> str:
        """Decides one flag; returns the decision's JSON text, as the native engine writes it.

        `context` is a dict (written as JSON), or pass `context_json`, the
        exact JSON text (integers beyond 2^53, `1.0` vs `1` kept as written).
        `now` is an aware datetime or RFC 3339 text (default: the clock)."""
        stamp = _timestamp(now)
        text = context_json if context_json is not None else _context_json(context)
        direct = self._limits.work_budget is None and flag.isascii() and flag[:1] != "{" and "\n" not in flag
        if direct and text.isascii():
            # ABI: the direct form `NOW "\n" FLAG "\n" CONTEXT_JSON` spares escaping the context.
            request = f"{stamp}\n{flag}\n{text}".encode("utf-8")
        else:
            request = self._request(stamp, {"flag": flag, **self._fields(None, text)})
        with self._lock:
            try:
                return self._call("vexil_eval", request)
            except (_Limit, _Trap, _Refused) as failure:
                return self._error_decision(flag, failure, stamp)

    def evaluate(self, flag: str, context: Any = None, *, context_json: Optional[str] = None, now: Now = None) -> dict[str, Any]:
        """Decides one flag: the decision as a dict (`flag`, `value`?, `variant`?, `reason`,
        `rule`?, `prerequisite`?, `error_code`?, `error_message`?, `ruleset_version`, `now`)."""
        return json.loads(self.evaluate_json(flag, context, context_json=context_json, now=now))

    def evaluate_request_json(self, line: str, now: Now = None) -> str:
        """One request line of `vexil eval --requests` (`{"flag", "context"|"context_json", "now"?}`);
        a line that is not a valid request gets ERROR with PARSE_ERROR, never an exception."""
        stamp = _timestamp(now)
        request = (stamp + "\n" + line).encode("utf-8", "surrogatepass")
        with self._lock:
            try:
                return self._call("vexil_eval", request)
            except (_Limit, _Trap, _Refused) as failure:
                try:
                    flag = json.loads(line).get("flag", "")
                except (ValueError, AttributeError):
                    flag = ""
                return self._error_decision(flag if isinstance(flag, str) else "", failure, stamp)

    def evaluate_all(self, context: Any = None, *, context_json: Optional[str] = None, now: Now = None) -> dict[str, Any]:
        """Decides every flag: `{"ruleset_version", "now", "decisions": [decision…]}`."""
        stamp = _timestamp(now)
        request = self._request(stamp, self._fields(context, context_json))
        with self._lock:
            try:
                return json.loads(self._call("vexil_eval_all", request))
            except _Refused as refused:
                raise RequestError(refused.code, refused.message) from refused
            except (_Limit, _Trap) as failure:
                decisions = [json.loads(self._error_decision(flag["key"], failure, stamp)) for flag in self.flags]
                return {"ruleset_version": self.version, "now": _iso_millis(stamp), "decisions": decisions}

    def explain(self, flag: str, context: Any = None, *, context_json: Optional[str] = None, now: Now = None) -> dict[str, Any]:
        """The decision and why: `{"decision", "prerequisites", "rules"}` (raises RequestError
        when the context does not decode, PluginError when the plugin cannot answer)."""
        stamp = _timestamp(now)
        request = self._request(stamp, {"flag": flag, **self._fields(context, context_json)})
        with self._lock:
            try:
                return json.loads(self._call("vexil_explain", request))
            except _Refused as refused:
                raise RequestError(refused.code, refused.message) from refused
            except (_Limit, _Trap) as failure:
                raise PluginError(f"the plugin could not explain `{flag}`: {failure}") from failure

    def close(self) -> None:
        """Drops the instance (its memory goes with it)."""
        with self._lock:
            self._instance = None

    def __enter__(self) -> "Ruleset":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
