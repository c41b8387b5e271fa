#!/usr/bin/env bash
# Instructions per call of every scenario, both engines, under callgrind.
#
#   crates/vexil-bench/callgrind.sh            # all scenarios
#   crates/vexil-bench/callgrind.sh rollout    # some scenarios
#
# For each (scenario, engine): total instructions of `callgrind SCENARIO ENGINE N`
# minus those of `... 0` (the same set-up, no call), divided by N. Prints a
# markdown table with the ratio Yggdrasil / Vexil (above 1: Vexil executes
# fewer instructions). Engines: vexil (Ruleset::evaluate & co.), yggdrasil (what
# an Unleash SDK calls), yggdrasil-alt (resolve; check_enabled x1000 for
# evaluate-all), vexil-decide (decide + decision, the `now` text built once). Needs valgrind (`apt-get install -y valgrind`).
set -euo pipefail

cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install -y valgrind)" >&2; exit 1; }

bin=$(cargo build --release -p vexil-bench --example callgrind --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*callgrind[^"]*"' | tail -n 1 | cut -d'"' -f4)
[ -x "$bin" ] || { echo "could not build the callgrind example" >&2; exit 1; }

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(one_condition two_conditions rollout realistic evaluate_all_1000 compile_1000 json_in)

iterations() {
  case "$1" in
    evaluate_all_1000) echo 200 ;;
    compile_1000) echo 5 ;;
    *) echo 20000 ;;
  esac
}

# Total instructions ("Collected") of one run.
collected() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 >/dev/null \
    | sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p'
}

per_call() {
  local scenario=$1 engine=$2 n base total
  n=$(iterations "$scenario")
  base=$(collected "$scenario" "$engine" 0)
  total=$(collected "$scenario" "$engine" "$n")
  [ -n "$base" ] && [ -n "$total" ] || { echo "?"; return; }
  echo $(((total - base) / n))
}

ratio() {
  case "$1$2" in *[!0-9]* | "") echo "—" ;; *) awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "—" }' ;; esac
}

echo "| scenario | Vexil instr/call | Yggdrasil instr/call | ratio | Yggdrasil alt instr/call | alt ratio | Vexil decide+decision instr/call | Yggdrasil / that |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for s in "${scenarios[@]}"; do
  v=$(per_call "$s" vexil)
  y=$(per_call "$s" yggdrasil)
  case "$s" in compile_1000) a="—" ;; *) a=$(per_call "$s" yggdrasil-alt) ;; esac
  case "$s" in compile_1000 | evaluate_all_1000) d="—" ;; *) d=$(per_call "$s" vexil-decide) ;; esac
  echo "| $s | $v | $y | $(ratio "$y" "$v") | $a | $(ratio "$a" "$v") | $d | $(ratio "$y" "$d") |"
done
