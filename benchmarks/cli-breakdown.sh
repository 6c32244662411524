#!/usr/bin/env bash
# Issue 20: where a CLI verb's start-up time goes, from the JVM's own class-load log (no code
# instrumentation). Runs the verb N times with -Xlog:class+load and -Xlog:startuptime (uptime stamps),
# marks the phases by the first class each one loads, and prints the median of each phase.
#
#   benchmarks/cli-breakdown.sh [RUNS] -- VERB ARGS...      e.g. benchmarks/cli-breakdown.sh 10 -- pool allocate h --pool lab
# It runs bin/ephemera (so the launcher's archive applies; set JAVA_HOME to choose the JVM) in a scratch
# home made here, creating pool `lab` first. With the Java 25 AOT cache every cached class is loaded at
# VM creation, so the markers only work with the class-data archive (Java 17: JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
E=${EPHEMERA_BIN:-"$root/app-cli/target/ephemera/bin/ephemera"}   # EPHEMERA_BIN: another build to compare
runs=${1:-10}; shift
[ "${1:-}" = "--" ] && shift
work=$(mktemp -d "${TMPDIR:-/tmp}/ephemera-breakdown.XXXXXX")
trap 'rm -rf "$work"' EXIT
for v in $(env | sed -n 's/^\(EPHEMERA_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$work/home" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
mkdir -p "$HOME"; cd "$work"
"$E" pool create lab --range 10.0.0.1-10.0.3.250 >/dev/null

# phase name : the class whose loading starts it (first match in the log)
markers='main:dev.ephemera.cli.EphemeraCli
picocli-model:dev.ephemera.cli.EphemeraCommand
run-command:dev.ephemera.cli.CliContext
adapter-discovery:dev.ephemera.bootstrap.AdapterRegistry
configuration:dev.ephemera.bootstrap.ConfigLoader
guice:com.google.inject.Guice
adapter-create:dev.ephemera.adapters.embedded.SqliteSettings
sqlite-open:org.sqlite.SQLiteConfig
work:org.sqlite.core.CoreStatement'
for r in $(seq 1 "$runs"); do
  t0=$(date +%s%N)
  JAVA_OPTS="-Xlog:class+load:file=$work/cl.txt:uptime -Xlog:startuptime:file=$work/st.txt:uptime" "$E" "$@" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  total=$(( (t1 - t0) / 1000000 ))
  classes=$(wc -l <"$work/cl.txt"); archived=$(grep -c 'shared objects file' "$work/cl.txt" || true)
  create_vm=$(sed -n 's/.*Create VM, \([0-9.]*\) secs.*/\1/p' "$work/st.txt" | head -n 1)
  line="total=$total classes=$classes archived=$archived createVM=${create_vm:-?}"
  while IFS=: read -r name cls; do
    t=$(grep -F "] $cls source:" "$work/cl.txt" | head -n 1 | sed -n 's/^\[\([0-9.]*\)s\].*/\1/p')
    line="$line $name=${t:-none}"
  done <<<"$markers"
  last=$(tail -n 1 "$work/cl.txt" | sed -n 's/^\[\([0-9.]*\)s\].*/\1/p')
  echo "$line lastclass=$last"
done | tee "$work/runs.txt"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# Medians per field.
for key in total classes archived createVM $(cut -d: -f1 <<<"$markers") lastclass; do
  vals=$(tr ' ' '\n' <"$work/runs.txt" | sed -n "s/^$key=\([0-9.]*\)$/\1/p" | sort -n)
  n=$(grep -c . <<<"$vals" || true)
  [ "$n" -gt 0 ] && printf 'median %-18s %s\n' "$key" "$(sed -n "$(( (n + 1) / 2 ))p" <<<"$vals")"
done
