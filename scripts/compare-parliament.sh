#!/usr/bin/env bash
# Side-by-side comparison with parliament (DESIGN §7), rerunnable; not part of `cargo test`.
#
#   scripts/compare-parliament.sh [CORPUS_DIR]
#
# Installs parliament from PyPI into a temporary virtualenv, then in the same run times:
#   1. parliament's Python API over every policy of the corpus in one process, and `mintlint check` over the
#      same directory (best of 3 each);
#   2. cold start on one file: the `parliament` command and `mintlint check` (mean of 20 runs each).
# Prints both figures and the ratio. Needs python3 with venv and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/managed-policies}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet parliament
# MINTLINT=path skips the build; CARGO is the cargo command (default `cargo`).
if [ -z "${MINTLINT:-}" ]; then ${CARGO:-cargo} build --release --quiet; fi
mintlint=${MINTLINT:-target/release/mintlint}
for f in "$corpus"/*.json; do one=$f; break; done

cat > "$work/bench.py" <<'PY'
import glob, sys, time
from parliament import analyze_policy_string
files = sorted(glob.glob(sys.argv[1] + "/*.json"))
texts = [open(f).read() for f in files]
best = None
for _ in range(3):
    t = time.perf_counter()
    findings = 0
    crashed = 0
    for text in texts:
        # parliament raises on some real policies (e.g. a new condition-key type): count, continue
        try:
            findings += len(analyze_policy_string(text).findings)
        except Exception:
            crashed += 1
    elapsed = time.perf_counter() - t
    best = elapsed if best is None else min(best, elapsed)
print(f"{best:.4f} {len(files)} {crashed}")
PY

read -r parliament_s files parliament_crashed < <("$work/venv/bin/python" "$work/bench.py" "$corpus")

best=""
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$mintlint" check "$corpus" --fail-on never --format json > "$work/mintlint.json"
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
done
mintlint_s=$best

mean() { # command...: mean wall time of 20 runs
  local total=0
  for _ in $(seq 20); do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N)
    total=$(echo "$total + $e - $s" | bc -l)
  done
  echo "$total / 20" | bc -l
}
parliament_cold=$(mean "$work/venv/bin/parliament" --file "$one")
mintlint_cold=$(mean "$mintlint" check "$one" --fail-on never)

printf 'machine: %s, %s cores\n' "$(uname -m)" "$(nproc)"
printf 'corpus: %s (%s files; parliament raised on %s of them)\n' "$corpus" "$files" "$parliament_crashed"
printf 'whole corpus, one process: parliament %.3f s, mintlint %.3f s, ratio %.0fx\n' \
  "$parliament_s" "$mintlint_s" "$(echo "$parliament_s / $mintlint_s" | bc -l)"
printf 'cold start on one file:    parliament %.3f s, mintlint %.4f s, ratio %.0fx\n' \
  "$parliament_cold" "$mintlint_cold" "$(echo "$parliament_cold / $mintlint_cold" | bc -l)"
