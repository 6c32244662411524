#!/usr/bin/env bash
# Issue 20: every CLI verb that does not wait on the network, its wall-clock median over RUNS runs, interleaved
# (round after round, each verb once), on a scratch state and the embedded defaults (SQLite). The goal is
# "no verb over 500 ms"; the verbs are those of the start-up training (dev.ephemera.cli.StartupTraining).
#
#   ./mvnw -q -DskipTests -pl app-cli -am package && benchmarks/cli-verbs.sh [RUNS]
# Environment: JAVA_HOME picks the JVM of bin/ephemera as usual; EPHEMERA_BIN another build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
runs=${1:-20}
E=${EPHEMERA_BIN:-"$root/app-cli/target/ephemera/bin/ephemera"}
[ -x "$E" ] || { echo "build first: ./mvnw -q -DskipTests -pl app-cli -am package" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ephemera-cli-verbs.XXXXXX")
trap 'rm -rf "$work"' EXIT
for v in $(env | sed -n 's/^\(EPHEMERA_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$work/home" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
mkdir -p "$HOME"
cd "$work"
"$E" pool create lab --range 10.0.0.1-10.0.255.250 >/dev/null
"$E" pool create spare --range 10.1.0.1-10.1.0.9 >/dev/null
"$E" pki issue --cluster bench --san 127.0.0.1 --out "$work/pki" >/dev/null
echo bench-token >"$work/token"
echo 0 >"$work/n"
cat >"$work/next" <<'NEXT'
#!/bin/sh
n=$(cat "$1"); echo $((n + 1)) >"$1"; echo "h-$n"
NEXT
chmod +x "$work/next"

# name|command line (run by sh -c; a verb's expected non-zero exit is part of the line)
verbs=(
  "version|$E version"
  "version -o json|$E version -o json"
  "--help|$E --help"
  "pool --help|$E pool --help"
  "backends|$E backends"
  "pool allocate (new holder)|$E pool allocate \$($work/next $work/n) --pool lab"
  "pool allocate (same holder)|$E pool allocate same --pool lab"
  "pool allocate -o json|$E pool allocate \$($work/next $work/n) --pool lab -o json"
  "pool release|$E pool release \$($work/next $work/n) --pool lab"
  "pool list|$E pool list --pool spare"
  "pool capacity|$E pool capacity --pool lab"
  "pool resize|$E pool resize spare --range 10.1.0.1-10.1.0.9"
  "cluster list|$E cluster list"
  "cluster list -o json|$E cluster list -o json"
  "cluster get (absent, exit 3)|$E cluster get absent; test \$? = 3"
  "cluster reap|$E cluster reap"
  "warm-pool list|$E warm-pool list"
  "pki issue|$E pki issue --cluster b\$($work/next $work/n) --san 127.0.0.1 --out $work/pki-\$($work/next $work/n)"
  "kubeconfig render|$E kubeconfig render --server https://127.0.0.1:6443 --ca $work/pki/ca.crt --token-file $work/token"
  "unknown command (exit 2)|$E no-such-command; test \$? = 2"
)
for entry in "${verbs[@]}"; do
  sh -c "${entry#*|}" >/dev/null 2>&1 || { echo "failed: ${entry%%|*}: ${entry#*|}" >&2; sh -c "${entry#*|}" >&2 || true; exit 1; }
done
echo "java: $("$E" version | tail -n 1); cores: $(nproc); runs: $runs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
cmds=()
for entry in "${verbs[@]}"; do cmds+=("${entry#*|}"); done
. "$here/interleaved.sh"
interleave "$runs" "$work" "${cmds[@]}"
echo "interleaved, $runs rounds, wall clock in ms (includes sh -c and the holder counter, ~3 ms):"
printf '| %-30s | %6s | %6s | %6s |\n' verb median min max
printf '|%s|%s|%s|%s|\n' "--------------------------------" "--------" "--------" "--------"
for i in "${!verbs[@]}"; do
  read -r med min max <<<"$(spread "$work/t$i")"
  printf '| %-30s | %6s | %6s | %6s |\n' "${verbs[$i]%%|*}" "$med" "$min" "$max"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
