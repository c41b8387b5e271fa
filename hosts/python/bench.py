"""One decision through the Python host (a figure, never a test): the
workload of web/bench/workload.mjs (one flag with two conditions, a
10-attribute context), as a dict and as JSON text.

    target/python/bin/python hosts/python/bench.py [target/wasm-plugin/vexil_abi.wasm]
"""

import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vexil_host import Engine  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
workload = (ROOT / "web" / "bench" / "workload.mjs").read_text(encoding="utf-8")
SOURCE = re.search(r"export const SOURCE = `(.*?)`;", workload, re.S).group(1)
CONTEXT = {
    "user": {"id": "u-1234", "plan": "pro", "age": 42, "score": 0.75, "beta": True},
    "app": {"version": "2.3.1", "platform": "web"},
    "request": {"country": "DE", "ip": "192.0.2.7", "at": "2026-01-01T12:00:00Z"},
}
NOW = "2026-06-01T12:00:00.000Z"


def measure(call, iterations=20_000):
    for _ in range(2_000):
        call()
    start = time.perf_counter()
    for _ in range(iterations):
        call()
    return (time.perf_counter() - start) / iterations * 1e6


def main():
    plugin = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "wasm-plugin" / "vexil_abi.wasm")
    ruleset = Engine(plugin).compile(SOURCE)
    text = json.dumps(CONTEXT, separators=(",", ":"))
    assert ruleset.evaluate("checkout_v2", CONTEXT, now=NOW)["value"] is True
    print(f"Python host, one decision: {measure(lambda: ruleset.evaluate('checkout_v2', CONTEXT, now=NOW)):.2f} µs (dict context, parsed decision)")
    print(f"Python host, one decision: {measure(lambda: ruleset.evaluate_json('checkout_v2', context_json=text, now=NOW)):.2f} µs (JSON text in and out)")


if __name__ == "__main__":
    main()
