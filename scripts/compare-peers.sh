#!/usr/bin/env bash
# Side-by-side figures for README's performance table (DESIGN §7, issue "performance, round two"),
# rerunnable; not part of `cargo test`.
#
#   scripts/compare-peers.sh [CORPUS_DIR]
#
# Rows with a peer, measured in one run:
#   1. `check` of the managed-policy corpus and cold `check` of one file, against parliament
#      (scripts/compare-parliament.sh, which installs parliament from PyPI into a temporary virtualenv);
#   2. `simulate --cases` end to end with 60,000, 100,000 and 1,000,000 generated cases (scripts/gen-cases; the
#      inputs live in a temporary directory, never in the repository), in human, json and junit formats:
#      wall time, cases/s and peak RSS (`/usr/bin/time -v`), against @cloud-copilot/iam-simulate from the
#      npm registry, installed into a temporary directory and run in-process on the same requests.
# A peer that cannot be installed (offline) is reported as such; mintlint's rows are still measured.
# Until cases files are streamed, files over the 10 MiB input limit (100,000 cases and up) are refused: the
# row then shows exit 2 and the message. iam-simulate takes minutes for 1,000,000 requests.
# MINTLINT=path/to/mintlint skips the release build. CASES="100000 1000000" picks the case counts.
set -uo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/managed-policies}
counts=${CASES:-60000 100000 1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "${MINTLINT:-}" ]; then
  cargo build --release --quiet || { echo "error: cargo build --release failed" >&2; exit 2; }
  MINTLINT=target/release/mintlint
fi
printf 'machine: %s, %s cores, load average %s\n' "$(uname -m)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== check vs parliament"
if [ -d "$corpus" ]; then
  scripts/compare-parliament.sh "$corpus" || echo "parliament: not measured (install or run failed; offline?)"
else
  echo "check: corpus $corpus not found, row skipped"
fi

echo "== simulate --cases"
gate=fixtures/simulate/cases-ci-gate
sim_args=(simulate --policy "$gate/payments-role.json" --scp "$gate/org-scp.json"
  --principal arn:aws:iam::111122223333:role/payments --source-vpc vpc-0abc1234 --source-vpce vpce-0123
  --time 2026-01-01T12:00:00Z --color never)
for n in $counts; do
  scripts/gen-cases "$n" > "$work/cases-$n.json"
  size=$(stat -c %s "$work/cases-$n.json")
  for format in human json junit; do
    /usr/bin/time -v -o "$work/time" "$MINTLINT" "${sim_args[@]}" --cases "$work/cases-$n.json" \
      --format "$format" > "$work/out" 2> "$work/err"
    code=$?
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/time")
    if [ "$code" -ne 0 ]; then
      printf 'mintlint %8d cases %-5s exit %d (%s)\n' "$n" "$format" "$code" "$(head -c 200 "$work/err")"
    else
      printf 'mintlint %8d cases %-5s (%d MB file): %6.2f s, %9.0f cases/s, peak RSS %d MiB\n' \
        "$n" "$format" "$((size / 1000000))" "$wall" "$(echo "$n / $wall" | bc -l)" "$rss"
    fi
  done
done

echo "== iam-simulate (in-process, same policies and requests)"
if (cd "$work" && npm init -y > /dev/null 2>&1 && npm install --silent @cloud-copilot/iam-simulate > npm.log 2>&1); then
  cp "$gate/payments-role.json" "$gate/org-scp.json" "$work/"
  echo "iam-simulate $(cd "$work" && node -p 'require("./node_modules/@cloud-copilot/iam-simulate/package.json").version' 2>/dev/null)"
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
  for n in $counts; do
    if out=$(cd "$work" && node bench.mjs "$n" 2>&1); then
      read -r s rate allowed <<< "$out"
      printf 'iam-simulate %8d requests: %6.2f s, %9s requests/s (%s allowed)\n' "$n" "$s" "$rate" "$allowed"
    else
      echo "iam-simulate: run failed: $(echo "$out" | head -3)"
    fi
  done
else
  echo "iam-simulate: not measured: npm install @cloud-copilot/iam-simulate failed (offline?): $(tail -2 "$work/npm.log" 2>/dev/null)"
fi
