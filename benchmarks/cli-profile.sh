#!/usr/bin/env bash
# Issue 20: where a CLI verb's CPU goes, by phase, from async-profiler's CPU samples (interval 1 ms, itimer) of RUNS runs of
# bin/ephemera. async-profiler comes from Maven Central (tools.profiler:async-profiler, fetched once with ./mvnw). Each
# sample of the main thread is put in the first phase, in the order below, whose marker frame is on its stack; the phases
# are the share of the main thread's samples (the JIT compiler threads are reported apart: they run beside main).
#
#   ./mvnw -q -DskipTests -pl app-cli -am package && benchmarks/cli-profile.sh [RUNS] -- VERB ARGS...
#   e.g. benchmarks/cli-profile.sh 10 -- pool allocate h --pool lab
# It runs in a scratch home made here, with pool `lab` created first. JAVA_HOME picks the JVM as usual.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
E=${EPHEMERA_BIN:-"$root/app-cli/target/ephemera/bin/ephemera"}
runs=${1:-10}; shift
[ "${1:-}" = "--" ] && shift
[ -x "$E" ] || { echo "build first: ./mvnw -q -DskipTests -pl app-cli -am package" >&2; exit 2; }
version=4.1
case "$(uname -m)" in x86_64) arch=linux-x64 ;; aarch64) arch=linux-arm64 ;; *) echo "no async-profiler build for $(uname -m)" >&2; exit 2 ;; esac
lib="$here/target/async-profiler-$version/$arch/libasyncProfiler.so"
if [ ! -f "$lib" ]; then
  "$root/mvnw" -q dependency:copy -Dartifact="tools.profiler:async-profiler:$version" -DoutputDirectory="$here/target" >&2
  mkdir -p "$here/target/async-profiler-$version"
  (cd "$here/target/async-profiler-$version" && unzip -q -o "$here/target/async-profiler-$version.jar" "$arch/libasyncProfiler.so")
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ephemera-profile.XXXXXX")
trap 'rm -rf "$work"' EXIT
for v in $(env | sed -n 's/^\(EPHEMERA_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$work/home" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
mkdir -p "$HOME" "$work/samples"
cd "$work"
"$E" pool create lab --range 10.0.0.1-10.0.255.250 >/dev/null
"$E" "$@" >/dev/null 2>&1 || true   # once unprofiled: the SQLite native library is extracted on first use
for r in $(seq 1 "$runs"); do
  JAVA_OPTS="-agentpath:$lib=start,event=itimer,interval=1ms,threads,collapsed,file=$work/samples/$r.txt" "$E" "$@" >/dev/null 2>&1 || true
done
echo "verb: $*; runs: $runs; java: $("$E" version | tail -n 1); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/samples" <<'PY'
import collections, glob, re, sys
phases = [  # (phase, marker frame substring): a sample goes to the first phase whose marker is on its stack
    ("picocli: command model", "EphemeraCli.commandLine"),
    ("picocli: command lookup", "EphemeraCli.onlyCommandNamed"),
    ("picocli: parsing the line", "CommandLine.parseArgs"),
    ("java.util.logging start (opens every jar)", "EphemeraCli.quietLibraryLogging"),
    ("adapter discovery (ServiceLoader)", "AdapterRegistry.discover"),
    ("configuration", "ConfigLoader.load"),
    ("Guice injector", "Guice.createInjector"),
    ("SLF4J start", "org/slf4j/LoggerFactory.getILoggerFactory"),
    ("adapter made (store opened)", "AdapterInstances.get"),
    ("the work (use case and store)", "dev/ephemera/application/"),
    ("output", "dev/ephemera/cli/Rendering"),
    ("rest of the command", "picocli/CommandLine.execute"),
    ("rest of main", "EphemeraCli.main"),
]
main = collections.Counter(); threads = collections.Counter(); total = 0; main_total = 0
for f in glob.glob(sys.argv[1] + "/*.txt"):
    for line in open(f):
        stack, _, n = line.rstrip().rpartition(" ")
        n = int(n); frames = stack.split(";"); total += n
        thread = re.sub(r" tid=\d+", "", frames[0]).strip("[]")
        threads["JIT compiler" if thread.startswith("C1 Compiler") or thread.startswith("C2 Compiler") else
                "main" if thread in ("main", "DestroyJavaVM") else "other threads"] += n
        if thread not in ("main", "DestroyJavaVM"):
            continue
        main_total += n
        for name, marker in phases:
            if any(marker in fr for fr in frames):
                main[name] += n; break
        else:
            main["JVM start and exit (outside main)"] += n
print("threads: " + ", ".join("%s %.0f%%" % (t, 100.0 * c / total) for t, c in threads.most_common()))
print("| phase (main thread) | share |")
print("|---|---|")
for name, _ in [("JVM start and exit (outside main)", "")] + phases:
    if main[name]:
        print("| %s | %.0f %% |" % (name, 100.0 * main[name] / main_total))
PY
