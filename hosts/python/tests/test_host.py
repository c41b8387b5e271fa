"""The Python host survives what a plugin can suffer, as the Rust host does
(crates/vexil-host/tests/robustness.rs): exhausted fuel and a memory cap
answer RESOURCE_LIMIT with the flag's on_error value and the next call
decides as natively; a broken ruleset gives the engine's diagnostics; a
module that is not a Vexil plugin, or speaks another ABI version, is refused.
Native answers come from the native CLI (``VEXIL_BIN``)."""

from __future__ import annotations

import json
import subprocess
import tempfile
import unittest
from datetime import datetime, timezone
from pathlib import Path

import wasmtime

from test_conformance import PLUGIN, VEXIL
from vexil_host import CompileError, Engine, Limits, PluginError, RequestError

SOURCE = """
context { user.id: string  user.tags: list<string>  user.age: int? }
flag beta: bool {
  owner "me"
  default false
  on_error true
  rule ada: when user.id == "ada" => true
  rule tagged: when user.tags contains "vip" => true
}
flag limit: int { owner "me" default 5 on_error 7 rule adult: when (user.age ?? 0) >= 18 => 100 }
flag huge: int { owner "me" default 9007199254740993 }
"""
NOW = "2026-03-01T12:00:00Z"
ADA = '{"user":{"id":"ada","tags":[]}}'


def native(flag: str, context: str, source: str = SOURCE) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.vx"
        path.write_text(source, encoding="utf-8")
        out = subprocess.run([str(VEXIL), "eval", str(path), "--flag", flag, "--context", context, "--now", NOW], capture_output=True, check=True)
    return out.stdout.decode("utf-8").strip()


class Host(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.engine = Engine(str(PLUGIN))

    def test_decisions_equal_native_byte_for_byte_and_ints_stay_exact(self) -> None:
        ruleset = self.engine.compile(SOURCE)
        self.assertEqual(ruleset.evaluate_json("beta", context_json=ADA, now=NOW), native("beta", ADA))
        decision = ruleset.evaluate("huge", {}, now=NOW)
        self.assertEqual(decision["value"], 9007199254740993)
        self.assertEqual(decision["reason"], "STATIC")
        # A dict context and a datetime `now` give the same decision as the text forms.
        at = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
        self.assertEqual(ruleset.evaluate("beta", {"user": {"id": "ada", "tags": []}}, now=at), json.loads(native("beta", ADA)))
        self.assertEqual([f["key"] for f in ruleset.flags], ["beta", "limit", "huge"])
        self.assertEqual(ruleset.evaluate("nope", {}, now=NOW)["error_code"], "FLAG_NOT_FOUND")
        every = ruleset.evaluate_all({"user": {"id": "bob", "tags": ["vip"], "age": 30}}, now=NOW)
        self.assertEqual([(d["flag"], d["value"]) for d in every["decisions"]], [("beta", True), ("limit", 100), ("huge", 9007199254740993)])
        why = ruleset.explain("beta", {"user": {"id": "bob", "tags": ["vip"]}}, now=NOW)
        self.assertEqual(why["decision"]["rule"], "tagged")
        with self.assertRaises(RequestError) as refused:
            ruleset.explain("beta", context_json="{not json", now=NOW)
        self.assertEqual(refused.exception.code, "INVALID_REQUEST")

    def test_bad_contexts_are_error_decisions_never_exceptions(self) -> None:
        ruleset = self.engine.compile(SOURCE)
        for context_json in ["{not json", '{"user":{"age":"x"}}', "[]", '{"user":{"age":1.5}}', ""]:
            decision = ruleset.evaluate("limit", context_json=context_json, now=NOW)
            self.assertEqual((decision["reason"], decision["value"], decision["error_code"]), ("ERROR", 7, "INVALID_CONTEXT"), context_json)
            if context_json:
                self.assertEqual(ruleset.evaluate_json("limit", context_json=context_json, now=NOW), native("limit", context_json))
        nan = ruleset.evaluate("limit", {"user": {"id": "x", "age": float("nan")}}, now=NOW)
        self.assertEqual(nan["error_code"], "INVALID_CONTEXT")
        line = ruleset.evaluate_request_json("not a request", now=NOW)
        self.assertEqual(json.loads(line)["error_code"], "PARSE_ERROR")

    def test_exhausted_fuel_answers_on_error_and_the_next_call_decides(self) -> None:
        # 200 rules that each lower-case the whole id: far beyond the call's fuel for a long id.
        source = "context { user.id: string }\nflag heavy: bool { owner \"o\" default false on_error true\n"
        source += "".join(f'  rule r{i}: when lower(user.id) contains "needle{i}" => true\n' for i in range(200))
        source += "}\nflag plain: int { owner \"o\" default 1 rule r: when user.id == \"needle7\" => 2 }\n"
        ruleset = Engine(str(PLUGIN), Limits(fuel=2_000_000)).compile(source)
        hostile = json.dumps({"user": {"id": "X" * 100_000}})
        plain = '{"user":{"id":"needle7"}}'
        for _ in range(3):
            decision = ruleset.evaluate("heavy", context_json=hostile, now=NOW)
            self.assertEqual((decision["reason"], decision["value"], decision["variant"], decision["error_code"]), ("ERROR", True, "true", "RESOURCE_LIMIT"))
            self.assertIn("fuel", decision["error_message"])
            self.assertEqual(decision["ruleset_version"], ruleset.version)
            self.assertEqual(decision["now"], "2026-03-01T12:00:00.000Z")
            self.assertEqual(ruleset.evaluate_json("plain", context_json=plain, now=NOW), native("plain", plain, source))

    def test_the_memory_cap_answers_resource_limit_and_the_ruleset_keeps_serving(self) -> None:
        limits = Limits(memory_bytes=8 << 20, memory_per_source_byte=0, fuel=50_000_000_000)
        ruleset = Engine(str(PLUGIN), limits).compile(SOURCE)
        for megabytes in [3, 5, 7, 9, 64]:
            tags = [f"tag-{i:010}" for i in range(megabytes * 1024 * 1024 // 16)]
            decision = ruleset.evaluate("beta", {"user": {"id": "bob", "tags": tags}}, now=NOW)
            self.assertEqual((decision["error_code"], decision["value"]), ("RESOURCE_LIMIT", True), f"{megabytes} MB: {decision}")
            self.assertIn("memory limit", decision["error_message"])
            self.assertEqual(ruleset.evaluate_json("beta", context_json=ADA, now=NOW), native("beta", ADA))

    def test_a_broken_ruleset_gives_the_engines_diagnostics(self) -> None:
        with self.assertRaises(CompileError) as error:
            self.engine.compile("flag f: bool { owner \"o\" default nope }")
        codes = [d["code"] for d in error.exception.diagnostics]
        self.assertTrue(codes and all(c.startswith("E") for c in codes), codes)
        self.assertTrue(all({"line", "column", "message"} <= set(d) for d in error.exception.diagnostics))

    def test_modules_that_are_not_vexil_plugins_are_refused(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            wrong_version = Path(tmp) / "v2.wasm"
            exports = "".join(f'(func (export "{name}") (param i32 i32) (result i64) i64.const 0)' for name in ["vexil_load"])
            others = '(func (export "vexil_alloc") (param i32) (result i32) i32.const 0)(func (export "vexil_free") (param i32 i32))'
            others += "".join(f'(func (export "{name}") (param i32 i32 i32) (result i64) i64.const 0)' for name in ["vexil_eval", "vexil_eval_all", "vexil_explain"])
            others += '(func (export "vexil_unload") (param i32) (result i32) i32.const 0)'
            wrong_version.write_bytes(wasmtime.wat2wasm(f'(module (memory (export "memory") 1) (func (export "vexil_abi_version") (result i32) i32.const 2) {exports}{others})'))
            with self.assertRaisesRegex(PluginError, "ABI version 2"):
                Engine(str(wrong_version)).compile("flag f: bool { owner \"o\" default true }")
            importing = Path(tmp) / "imports.wasm"
            importing.write_bytes(wasmtime.wat2wasm('(module (import "wasi" "clock" (func)))'))
            with self.assertRaisesRegex(PluginError, "imports"):
                Engine(str(importing))
            with self.assertRaisesRegex(PluginError, "no plugin module"):
                Engine(str(Path(tmp) / "missing.wasm"))
            junk = Path(tmp) / "junk.wasm"
            junk.write_bytes(b"not wasm")
            with self.assertRaises(PluginError):
                Engine(str(junk))


if __name__ == "__main__":
    unittest.main()
