#!/usr/bin/env bash
# Side-by-side figures for README's performance table (DESIGN §7, issue "performance, round two"),
# rerunnable; not part of `cargo test`.
#
#   scripts/compare-peers.sh [--update-readme] [CORPUS_DIR]
#
# Every row that has a peer, measured in one run, each with the ratio:
#   1. `check` of the managed-policy corpus and cold `check` of one file, against parliament
#      (scripts/compare-parliament.sh, which installs parliament from PyPI into a temporary virtualenv);
#   2. `simulate --cases` end to end with 100,000 and 1,000,000 generated cases (scripts/gen-cases; inputs in a
#      temporary directory, never in the repository), in human, json and junit formats: wall time, cases/s and
#      peak RSS (`/usr/bin/time -v`), against @cloud-copilot/iam-simulate from the npm registry, installed into
#      a temporary directory and run in-process on the same requests (PEER_CASES of them: at about 5,000
#      requests/s a million takes minutes; its rate is what the ratio compares).
# Then the row without a peer that needs generated inputs: `diff` of two 1,000-principal inventories
# (scripts/gen-inventory, a tenth widened).
# A peer that cannot be installed (offline) is reported as such; mintlint's rows are still measured.
# The table is printed at the end as Markdown; --update-readme also writes it into README.md between the
# `compare-peers` markers, with the machine and its load.
#
# Environment: MINTLINT=path/to/mintlint skips the release build; CARGO is the cargo command (default `cargo`;
# e.g. CARGO="flock /path/to/cargo.lock cargo" where builds are serialised); CASES="100000 1000000" the case
# counts; PEER_CASES=100000; DIFF_PRINCIPALS=1000; PLAN_ROLES="10000 100000" (the generated plans' sizes).
set -uo pipefail
cd "$(dirname "$0")/.."
update_readme=false
if [ "${1:-}" = --update-readme ]; then update_readme=true; shift; fi
corpus=${1:-../shared/corpus/managed-policies}
counts=${CASES:-100000 1000000}
peer_cases=${PEER_CASES:-100000}
diff_principals=${DIFF_PRINCIPALS:-1000}
plan_roles=${PLAN_ROLES:-10000 100000}
cargo_cmd=${CARGO:-cargo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows="$work/rows" # what | mintlint | peer | ratio | target | reproduce
: > "$rows"
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@" >> "$rows"; }

if [ -z "${MINTLINT:-}" ]; then
  $cargo_cmd build --release --quiet || { echo "error: cargo build --release failed" >&2; exit 2; }
  MINTLINT=target/release/mintlint
fi
export MINTLINT CARGO="$cargo_cmd"
machine=$(printf '%s, %s cores, %s GiB, load average %s at the start' "$(uname -m)" "$(nproc)" \
  "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" "$(cut -d' ' -f1-3 /proc/loadavg)")
echo "machine: $machine"

echo "== check vs parliament"
if [ -d "$corpus" ]; then
  if scripts/compare-parliament.sh "$corpus" | tee "$work/parliament"; then
    # whole corpus, one process: parliament 8.400 s, mintlint 0.116 s, ratio 72x
    read -r p m r < <(sed -n 's/^whole corpus.*parliament \([0-9.]*\) s, mintlint \([0-9.]*\) s, ratio \([0-9]*\)x/\1 \2 \3/p' "$work/parliament")
    files=$(sed -n 's/^corpus: .*(\([0-9]*\) files.*/\1/p' "$work/parliament")
    row "\`check\` of the $files AWS managed policies, one process" "$m s" "parliament $p s" "$r×" "≥ 200×" "\`scripts/compare-peers.sh\`"
    read -r p m r < <(sed -n 's/^cold start.*parliament \([0-9.]*\) s, mintlint \([0-9.]*\) s, ratio \([0-9]*\)x/\1 \2 \3/p' "$work/parliament")
    row "cold \`check\` of one file" "$(echo "$m * 1000" | bc -l | xargs printf '%.1f') ms" "parliament $(echo "$p * 1000" | bc -l | xargs printf '%.0f') ms" "$r×" "≤ 5 ms" "\`scripts/compare-peers.sh\`"
  else
    echo "parliament: not measured (install or run failed; offline?)"
  fi
else
  echo "check: corpus $corpus not found, row skipped"
fi

gate=fixtures/simulate/cases-ci-gate
sim_args=(simulate --policy "$gate/payments-role.json" --scp "$gate/org-scp.json"
  --principal arn:aws:iam::111122223333:role/payments --source-vpc vpc-0abc1234 --source-vpce vpce-0123
  --time 2026-01-01T12:00:00Z --color never)
peer_rate=""; peer_version=""
echo "== iam-simulate (in-process, same policies and requests)"
if (cd "$work" && npm init -y > /dev/null 2>&1 && npm install --silent @cloud-copilot/iam-simulate > npm.log 2>&1); then
  cp "$gate/payments-role.json" "$gate/org-scp.json" "$work/"
  cat > "$work/bench.mjs" <<'JS'
// The generated cases' requests, decided by iam-simulate's runSimulation in one process (no file parsing
// or printing is timed: this is the peer's in-process rate, which favours the peer).
import { readFileSync } from "node:fs";
import { runSimulation } from "@cloud-copilot/iam-simulate";
const [count] = process.argv.slice(2).map(Number);
const identity = JSON.parse(readFileSync("payments-role.json", "utf8"));
const scp = JSON.parse(readFileSync("org-scp.json", "utf8"));
const audiences = ["https://api.partner.example", "https://attacker.example"];
const start = performance.now();
let allowed = 0;
for (let i = 0; i < count; i++) {
  const result = await runSimulation({
    identityPolicies: [{ name: "payments", policy: identity }],
    serviceControlPolicies: [{ orgIdentifier: "r-root", policies: [{ name: "scp", policy: scp }] }],
    resourceControlPolicies: [],
    request: {
      principal: "arn:aws:iam::111122223333:role/payments",
      action: "sts:GetWebIdentityToken",
      resource: { resource: "*", accountId: "111122223333" },
      contextVariables: {
        "sts:IdentityTokenAudience": [audiences[i % 2]],
        "sts:SigningAlgorithm": "ES384",
        "aws:SourceVpc": "vpc-0abc1234",
        "aws:SourceVpce": "vpce-0123",
      },
    },
  }, {});
  if (result?.overallResult === "Allowed") allowed++;
}
const seconds = (performance.now() - start) / 1000;
console.log(`${seconds.toFixed(3)} ${(count / seconds).toFixed(0)} ${allowed}`);
JS
  peer_version=$(cd "$work" && node -p 'require("./node_modules/@cloud-copilot/iam-simulate/package.json").version' 2>/dev/null)
  if out=$(cd "$work" && node bench.mjs "$peer_cases" 2>&1); then
    read -r s peer_rate allowed <<< "$out"
    printf 'iam-simulate %8d requests: %6.2f s, %9s requests/s (%s allowed)\n' "$peer_cases" "$s" "$peer_rate" "$allowed"
  else
    echo "iam-simulate: run failed: $(echo "$out" | head -3)"
  fi
else
  echo "iam-simulate: not measured: npm install @cloud-copilot/iam-simulate failed (offline?): $(tail -2 "$work/npm.log" 2>/dev/null)"
fi

echo "== simulate --cases"
for n in $counts; do
  scripts/gen-cases "$n" > "$work/cases-$n.json"
  size=$(stat -c %s "$work/cases-$n.json")
  for format in human json junit; do
    /usr/bin/time -v -o "$work/time" "$MINTLINT" "${sim_args[@]}" --cases "$work/cases-$n.json" \
      --format "$format" > "$work/out" 2> "$work/err"
    code=$?
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/time")
    out_mb=$(( $(stat -c %s "$work/out") / 1000000 ))
    rm -f "$work/out"
    what="\`simulate --cases\`, $n cases ($((size / 1000000)) MB), $format"
    if [ "$code" -ne 0 ]; then
      printf 'mintlint %8d cases %-5s exit %d (%s)\n' "$n" "$format" "$code" "$(head -c 200 "$work/err")"
      row "$what" "exit $code" "-" "-" "≥ 600,000 cases/s, ≤ 100 MiB" "\`scripts/compare-peers.sh\`"
      continue
    fi
    rate=$(echo "$n / $wall" | bc -l)
    printf 'mintlint %8d cases %-5s (%d MB file, %d MB report): %6.2f s, %9.0f cases/s, peak RSS %d MiB\n' \
      "$n" "$format" "$((size / 1000000))" "$out_mb" "$wall" "$rate" "$rss"
    peer_cell="-"; ratio="-"
    if [ -n "$peer_rate" ]; then
      peer_cell="iam-simulate $peer_version in-process: $peer_rate requests/s ($peer_cases requests)"
      ratio=$(printf '%.0f×' "$(echo "$rate / $peer_rate" | bc -l)")
      printf '  ratio to iam-simulate: %s\n' "$ratio"
    fi
    row "$what" "$(printf '%.2f s, %.0f cases/s, peak RSS %d MiB' "$wall" "$rate" "$rss")" "$peer_cell" "$ratio" \
      "≥ 600,000 cases/s, ≤ 100 MiB" "\`scripts/compare-peers.sh\`"
  done
  rm -f "$work/cases-$n.json"
done

echo "== diff of two $diff_principals-principal inventories (no peer)"
scripts/gen-inventory "$diff_principals" "$work/inv-a"
WIDEN_EVERY=10 scripts/gen-inventory "$diff_principals" "$work/inv-b"
/usr/bin/time -v -o "$work/time" "$MINTLINT" diff "$work/inv-a" "$work/inv-b" --format json > "$work/out" 2> "$work/err"
code=$?
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time")
rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/time")
printf 'mintlint diff: exit %d (1: widening found), %.2f s, peak RSS %d MiB\n' "$code" "$wall" "$rss"
row "\`diff\` of two generated $diff_principals-principal inventories (a tenth widened)" \
  "$(printf '%.2f s, peak RSS %d MiB' "$wall" "$rss")" "-" "-" "≤ 1 s" \
  "\`scripts/compare-peers.sh\` (inputs: \`scripts/gen-inventory\`)"

for roles in $plan_roles; do
  echo "== check of a generated Terraform plan with $roles roles (no peer)"
  scripts/gen-plan "$roles" > "$work/plan.json"
  size=$(( $(stat -c %s "$work/plan.json") / 1048576 ))
  best_wall=""; best_rss=0
  for _ in 1 2 3; do # best of 3: the machine is shared
    /usr/bin/time -v -o "$work/time" "$MINTLINT" check "$work/plan.json" --format json > /dev/null 2> "$work/err"
    code=$?
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/time")
    if [ -z "$best_wall" ] || [ "$(echo "$wall < $best_wall" | bc -l)" = 1 ]; then best_wall=$wall; best_rss=$rss; fi
  done
  printf 'mintlint check: exit %d (1: findings), best of 3 %.2f s, peak RSS %d MiB (file %d MiB)\n' "$code" "$best_wall" "$best_rss" "$size"
  row "\`check\` of a generated Terraform plan, $roles roles ($size MiB)" \
    "$(printf '%.2f s, peak RSS %d MiB' "$best_wall" "$best_rss")" "-" "-" "≤ 1 s, ≤ 4× the file (100,000 roles)" \
    "\`scripts/compare-peers.sh\` (input: \`scripts/gen-plan $roles\`)"
  rm -f "$work/plan.json"
done

table="$work/table"
{
  echo "Measured by \`scripts/compare-peers.sh\` on $machine, $(date -u +%Y-%m-%d)."
  echo
  echo "| what | mintlint | peer, same run | ratio | target | reproduce |"
  echo "|---|---|---|---|---|---|"
  cat "$rows"
} > "$table"
echo "== table"
cat "$table"
if $update_readme; then
  python3 - "$table" <<'PY'
import re, sys
table = open(sys.argv[1]).read()
readme = open("README.md").read()
begin, end = "<!-- compare-peers:begin -->", "<!-- compare-peers:end -->"
if begin not in readme or end not in readme:
    sys.exit("README.md has no compare-peers markers")
head, rest = readme.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w").write(head + begin + "\n" + table + end + tail)
PY
  echo "README.md: table updated"
fi
