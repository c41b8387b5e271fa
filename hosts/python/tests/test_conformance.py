"""The conformance corpus through the Python host (wasmtime-py): the fifth stack.

Every evaluation case must equal the vector's expectation (every field, ints
told from floats, -0.0 from 0.0, as ``vexil_conformance::compare_decision``)
and the native CLI's decision byte for byte (the same JSON text, error
messages included); every diagnostic vector's errors must be the plugin's
(errors only: the plugin reports diagnostics when a load fails). Pass counts
are kept in ``tests/conformance/counts/python.txt``; ``VEXIL_UPDATE_COUNTS=1``
rewrites it.

Environment: ``VEXIL_PLUGIN`` (default ``target/wasm-plugin/vexil_abi.wasm``)
and ``VEXIL_BIN`` (default ``target/debug/vexil``), both built by
``cargo xtask test``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from vexil_host import CompileError, Engine  # noqa: E402

ROOT = HERE.parents[2]
CORPUS = ROOT / "tests" / "conformance"
PLUGIN = Path(os.environ.get("VEXIL_PLUGIN", ROOT / "target" / "wasm-plugin" / "vexil_abi.wasm"))
VEXIL = Path(os.environ.get("VEXIL_BIN", ROOT / "target" / "debug" / "vexil"))


class _Raw(str):
    """A JSON number kept as its source text."""


def _raw_load(text: str) -> Any:
    """JSON with numbers kept as written and keys in order, duplicates included."""
    return json.loads(text, parse_int=_Raw, parse_float=_Raw, parse_constant=_Raw, object_pairs_hook=lambda pairs: ("__pairs__", pairs))


def _raw_dump(value: Any) -> str:
    """Writes what `_raw_load` read, numbers and key order exactly as they were."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "__pairs__":
        return "{" + ",".join(json.dumps(k) + ":" + _raw_dump(v) for k, v in value[1]) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_raw_dump(v) for v in value) + "]"
    return json.dumps(value)


def _cases(file_text: str) -> list[dict[str, Any]]:
    """The cases of one vector file, each with its context as exact JSON text."""
    plain = json.loads(file_text)
    raw = dict(_raw_load(file_text)[1])
    raw_cases = raw["cases"]
    cases = []
    for case, raw_case in zip(plain["cases"], raw_cases):
        fields = dict(raw_case[1])
        case = dict(case)
        # A `null` context is an absent one ({}), as the Rust and JS runners read it.
        if fields.get("context") is not None:
            case["context_text"] = _raw_dump(fields["context"])
        cases.append(case)
    return cases


def same_json(a: Any, b: Any) -> bool:
    """JSON equality that tells ints from floats, bools from ints, and -0.0 from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return a == b


def compare_decision(actual: dict[str, Any], expected: dict[str, Any]) -> str | None:
    """`vexil_conformance::compare_decision`: every expected field exactly, no other field;
    `error_message` text is the implementation's own unless the vector gives it."""
    actual = dict(actual)
    if "error_message" not in expected:
        message = actual.pop("error_message", None)
        if ("error_code" in actual) != (isinstance(message, str) and message != ""):
            return "error_message presence must match error_code presence"
    if list(actual) != list(expected):
        return f"fields differ: got {list(actual)}, expected {list(expected)}"
    for key, want in expected.items():
        if not same_json(actual[key], want):
            return f"`{key}`: got {actual[key]!r}, expected {want!r}"
    return None


def native_lines(ruleset: str, cases: list[dict[str, Any]]) -> list[str]:
    """The native CLI's decision lines for the cases (`vexil eval --requests`)."""
    lines = []
    defaults = set()
    for case in cases:
        if "request" in case:
            lines.append(case["request"])
            defaults.add(case["now"])
        else:
            context = case.get("context_text", "{}")
            lines.append(f'{{"flag":{json.dumps(case["flag"])},"context":{context},"now":{json.dumps(case["now"])}}}')
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "ruleset.vx").write_text(ruleset, encoding="utf-8")
        (Path(tmp) / "requests.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        args = [str(VEXIL), "eval", str(Path(tmp) / "ruleset.vx"), "--requests", str(Path(tmp) / "requests.jsonl")]
        if defaults:
            args += ["--now", defaults.pop()]
        out = subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8")
    return [line for line in out.split("\n") if line]


class Conformance(unittest.TestCase):
    def test_corpus_equals_vectors_and_native(self) -> None:
        self.assertTrue(PLUGIN.is_file(), f"no plugin at {PLUGIN} (cargo xtask build-plugin)")
        self.assertTrue(VEXIL.is_file(), f"no native CLI at {VEXIL} (cargo build -p vexil-cli)")
        engine = Engine(str(PLUGIN))
        index = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
        summary, failures, passed_total, total = [], [], 0, 0
        for path in index["evaluation"]:
            text = (CORPUS / path).read_text(encoding="utf-8")
            file = json.loads(text)
            cases = _cases(text)
            native = native_lines(file["ruleset"], cases)
            self.assertEqual(len(native), len(cases), path)
            ruleset = engine.compile(file["ruleset"])
            passed = 0
            for i, (case, native_line) in enumerate(zip(cases, native)):
                if "request" in case:
                    got = ruleset.evaluate_request_json(case["request"], now=case["now"])
                else:
                    got = ruleset.evaluate_json(case["flag"], context_json=case.get("context_text", "{}"), now=case["now"])
                problem = compare_decision(json.loads(got), case["expect"])
                if problem is None and got != native_line:
                    problem = f"differs from native:\n      python {got}\n      native {native_line}"
                if problem is None:
                    passed += 1
                else:
                    failures.append(f"{file['name']} case {i}: {problem}")
            ruleset.close()
            summary.append(f"{path}: {passed}/{len(cases)}")
            passed_total += passed
            total += len(cases)
        summary.append(f"total: {passed_total}/{total}")

        diagnostics_passed = 0
        for path in index["diagnostics"]:
            file = json.loads((CORPUS / path).read_text(encoding="utf-8"))
            expected = [(d["code"], d["line"], d["column"]) for d in file["diagnostics"] if d["code"].startswith("E")]
            try:
                engine.compile(file["ruleset"]).close()
                got = []
            except CompileError as error:
                got = [(d["code"], d["line"], d["column"]) for d in error.diagnostics if d["code"].startswith("E")]
            if got == expected:
                diagnostics_passed += 1
            else:
                failures.append(f"{path}: got {got}, expected {expected}")
        summary.append(f"diagnostics (errors only): {diagnostics_passed}/{len(index['diagnostics'])}")
        text = "\n".join(summary) + "\n"

        self.assertEqual(failures, [], f"{len(failures)} failures:\n" + "\n".join(failures[:20]))
        counts = CORPUS / "counts" / "python.txt"
        if os.environ.get("VEXIL_UPDATE_COUNTS"):
            counts.write_text(text, encoding="utf-8")
        self.assertEqual(counts.read_text(encoding="utf-8") if counts.exists() else "", text, "pass counts changed: rerun with VEXIL_UPDATE_COUNTS=1 and commit tests/conformance/counts/python.txt")


if __name__ == "__main__":
    unittest.main()
