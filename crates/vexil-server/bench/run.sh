#!/usr/bin/env bash
# Server figures (benchmarks, never timed tests): throughput and latency of
# OFREP single-flag and bulk (20 flags) requests with wrk on loopback (64
# connections), file change → SSE event latency, and the memory of a server
# holding 10 rulesets of 1,000 flags.
#
#   crates/vexil-server/bench/run.sh        # needs wrk (apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
cargo build -q --release -p vexil-cli --bin vexil
vexil=target/release/vexil
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
head = 'context {\n  user.id: string\n  user.country: string\n  user.plan: string\n  user.age: int\n  app.version: semver\n}\n'
def flag(i):
    shapes = [
        f'flag f{i}: bool {{ owner "b" default false rule r: when user.country in ["DE", "FR", "NL"] and app.version >= "4.{i % 5}.0" => true }}',
        f'flag f{i}: string {{ owner "b" default "a" rule r: when user.plan == "pro" and user.age >= {18 + i % 7} => "b" }}',
        f'flag f{i}: bool {{ owner "b" default false rule r: when user.country == "DE" => split by user.id {{ true: 50%, false: 50% }} }}',
        f'flag f{i}: int {{ owner "b" default {i} rule r: when user.age > 30 => {i * 2} }}',
    ]
    return shapes[i % 4]
open(f"{work}/bench.vx", "w").write(head + "\n".join(flag(i) for i in range(20)) + "\n")
for r in range(10):
    open(f"{work}/big{r}.vx", "w").write(head + "\n".join(flag(i) for i in range(1000)) + "\n")
PY

start() {  # start ARGS… → sets $pid and $url
  "$vexil" serve "$@" --host 127.0.0.1 --port 0 > "$work/out" 2>/dev/null &
  pid=$!
  for _ in $(seq 200); do [ -s "$work/out" ] && break; sleep 0.05; done
  url=$(head -n1 "$work/out" | sed 's/^Vexil playground: //; s#/$##')
  for _ in $(seq 200); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.05; done
}

start "$work/bench.vx"
echo "== wrk, OFREP single flag, 64 connections, 2 threads, 10 s"
wrk -t2 -c64 -d10s --latency -s crates/vexil-server/bench/single.lua "$url" | grep -E "Requests/sec|50%|99%|Latency|Non-2xx"
echo "== wrk, OFREP bulk (20 flags), 64 connections, 2 threads, 10 s"
wrk -t2 -c64 -d10s --latency -s crates/vexil-server/bench/bulk.lua "$url" | grep -E "Requests/sec|50%|99%|Latency|Non-2xx"

echo "== file change → SSE version event, 200 changes"
python3 - "$url" "$work/bench.vx" <<'PY'
import socket, sys, time, os, urllib.parse
url, path = sys.argv[1], sys.argv[2]
u = urllib.parse.urlparse(url)
s = socket.create_connection((u.hostname, u.port))
s.sendall(f"GET /v1/rulesets/bench/events HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nAccept: text/event-stream\r\n\r\n".encode())
f = s.makefile("rb")
def next_event():
    while True:
        line = f.readline()
        if not line:
            raise SystemExit("stream ended")
        if line.startswith(b"data:"):
            return line
next_event()  # the current version
original = open(path).read()
latencies = []
for i in range(200):
    text = original + f"// change {i}\n"
    tmp = path + ".tmp"
    open(tmp, "w").write(text)
    start = time.perf_counter()
    os.rename(tmp, path)
    next_event()
    latencies.append((time.perf_counter() - start) * 1000)
    time.sleep(0.03)
latencies.sort()
print(f"p50 {latencies[100]:.1f} ms, p99 {latencies[197]:.1f} ms, max {latencies[-1]:.1f} ms (files looked at every 20 ms)")
PY
kill "$pid"; wait "$pid" 2>/dev/null || true

start "$work"/big*.vx
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "== memory: 10 rulesets of 1,000 flags served: RSS $((rss / 1024)) MiB"
kill "$pid"; wait "$pid" 2>/dev/null || true
