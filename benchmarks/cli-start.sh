#!/usr/bin/env bash
# Issue 20: how long a CLI verb takes from the shell, side by side with the peers it replaces.
#   ephemera pool allocate (SQLite)   vs  the bash + curl check-and-set allocator (benchmarks/peer/) on the fake Vault
#   ephemera pool allocate (vault)    vs  the same script, same fake Vault
#   ephemera cluster get              (no peer)
#   ephemera version                  vs  kubectl version --client
# Two measurements, both printed with the load average before and after:
#   1. one hyperfine run of all commands (hyperfine runs each command's runs back to back);
#   2. an interleaved loop: round after round, each command once, so load changes hit all alike.
# Each allocation takes a fresh holder (a counter file), so every call reads and writes, as in CI.
#
#   ./mvnw -q -DskipTests -pl app-cli,benchmarks -am package && benchmarks/cli-start.sh [RUNS]
# Environment: JAVA_HOME picks the JVM of bin/ephemera as usual (unset: the Java 25 AOT cache if the build made one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
runs=${1:-20}
E=${EPHEMERA_BIN:-"$root/app-cli/target/ephemera/bin/ephemera"}   # EPHEMERA_BIN: another build to compare
[ -x "$E" ] || { echo "build first: ./mvnw -q -DskipTests -pl app-cli,benchmarks -am package" >&2; exit 2; }
# The fake Vault's class path: FAKE_VAULT_CP, else the benchmarks module's.
if [ -n "${FAKE_VAULT_CP:-}" ]; then
  vault_cp=$FAKE_VAULT_CP
elif [ -f "$here/target/classpath.txt" ]; then
  vault_cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
else
  echo "build the benchmarks module first (see above)" >&2; exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ephemera-cli-start.XXXXXX")
vault_pid=""
cleanup() {
  if [ -n "$vault_pid" ]; then kill "$vault_pid" 2>/dev/null || true; wait "$vault_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The fake Vault of the tests (testkit), in its own JVM; it serves until its stdin closes.
mkfifo "$work/vault.in"
java -cp "$vault_cp" dev.ephemera.testkit.fake.vault.FakeVault \
  <"$work/vault.in" >"$work/vault.out" 2>"$work/vault.err" &
vault_pid=$!
exec 9>"$work/vault.in"
for _ in $(seq 1 600); do grep -q '^VAULT_TOKEN=' "$work/vault.out" 2>/dev/null && break; sleep 0.1; done
VAULT_ADDR=$(sed -n 's/^VAULT_ADDR=//p' "$work/vault.out"); VAULT_TOKEN=$(sed -n 's/^VAULT_TOKEN=//p' "$work/vault.out")
[ -n "$VAULT_TOKEN" ] || { echo "the fake Vault did not start: $(cat "$work/vault.err")" >&2; exit 1; }
export VAULT_ADDR VAULT_TOKEN

# A scratch home and state, no configuration but the Vault one below.
for v in $(env | sed -n 's/^\(EPHEMERA_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$work/home" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
mkdir -p "$HOME"
cd "$work"
printf 'store: vault\nvault:\n  address: %s\n  token: env:VAULT_TOKEN\n' "$VAULT_ADDR" >"$work/vault.yaml"
"$E" pool create sql --range 10.0.0.1-10.0.3.250 >/dev/null
"$E" pool create vlt --range 10.0.0.1-10.0.3.250 --config "$work/vault.yaml" >/dev/null
echo 0 >"$work/n"
# Each call: a fresh holder from the counter (the same few microseconds of shell for every command).
cat >"$work/next" <<'EOF'
#!/bin/sh
n=$(cat "$1"); echo $((n + 1)) >"$1"; echo "h-$n"
EOF
chmod +x "$work/next"
peer="$here/peer/vault-ip-allocate.sh"

names=("ephemera pool allocate (sqlite)" "ephemera pool allocate (vault)" "bash+curl allocate (vault)" "ephemera cluster get" "ephemera version")
cmds=("$E pool allocate \$($work/next $work/n) --pool sql"
      "$E pool allocate \$($work/next $work/n) --pool vlt --config $work/vault.yaml"
      "$peer \$($work/next $work/n) peer/pools/lab 10.0.0.1-10.0.0.250"
      "$E cluster get absent >/dev/null 2>&1; test \$? = 3"
      "$E version")
# Optional comparisons: the same build on another JVM (JAVA17_HOME, e.g. the class-data archive on Java 17
# next to the AOT cache on 25), and another build (BEFORE_BIN, e.g. the base commit's distribution).
if [ -n "${JAVA17_HOME:-}" ]; then
  names+=("ephemera pool allocate (sqlite), JAVA_HOME=17" "ephemera version, JAVA_HOME=17")
  cmds+=("JAVA_HOME=$JAVA17_HOME $E pool allocate \$($work/next $work/n) --pool sql" "JAVA_HOME=$JAVA17_HOME $E version")
fi
if [ -n "${BEFORE_BIN:-}" ]; then
  "$BEFORE_BIN" pool create sql --range 10.0.0.1-10.0.3.250 >/dev/null 2>&1 || true
  names+=("before: pool allocate (sqlite)" "before: version")
  cmds+=("JAVA_HOME=${JAVA17_HOME:-$JAVA_HOME} $BEFORE_BIN pool allocate \$($work/next $work/n) --pool sql" "JAVA_HOME=${JAVA17_HOME:-$JAVA_HOME} $BEFORE_BIN version")
fi
if command -v kubectl >/dev/null 2>&1; then
  names+=("kubectl version --client"); cmds+=("kubectl version --client")
fi
# Each command once, to warm the page cache and check that it works.
for i in "${!cmds[@]}"; do
  sh -c "${cmds[$i]}" >/dev/null || { echo "failed: ${names[$i]}: ${cmds[$i]}" >&2; exit 1; }
done

echo "java: $("$E" version | tail -n 1); cores: $(nproc); runs: $runs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v hyperfine >/dev/null 2>&1; then
  args=()
  for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
  hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown "$work/hyperfine.md" "${args[@]}" 2>&1 | grep -v '^ *$' || true
  [ -f "$work/hyperfine.md" ] && cat "$work/hyperfine.md"
  echo "load average after hyperfine: $(cut -d' ' -f1-3 /proc/loadavg)"
else
  echo "(hyperfine not installed: apt-get install hyperfine; only the interleaved loop below)"
fi

# Interleaved: round after round, each command once; then the median and spread per command.
. "$here/interleaved.sh"
interleave "$runs" "$work" "${cmds[@]}"
echo "interleaved, $runs rounds (ms): median, min, max"
for i in "${!cmds[@]}"; do
  read -r med min max <<<"$(spread "$work/t$i")"
  printf '  %-34s %6s %6s %6s\n' "${names[$i]}" "$med" "$min" "$max"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
