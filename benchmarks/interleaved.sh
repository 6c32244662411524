# Sourced by the CLI benchmark scripts: the interleaved wall-clock loop and its summary.
#   interleave RUNS DIR CMD...   round after round, each CMD once (sh -c), its wall time in ms appended to DIR/t<index>
#   spread FILE                  "median min max" of the numbers in FILE
interleave() {
  local runs=$1 dir=$2 i t0 t1; shift 2
  local cmds=("$@")
  for i in "${!cmds[@]}"; do : >"$dir/t$i"; done
  for _ in $(seq 1 "$runs"); do
    for i in "${!cmds[@]}"; do
      t0=$(date +%s%N); sh -c "${cmds[$i]}" >/dev/null 2>&1 || true; t1=$(date +%s%N)
      echo $(( (t1 - t0) / 1000000 )) >>"$dir/t$i"
    done
  done
}
spread() {
  local sorted n
  sorted=$(sort -n "$1"); n=$(grep -c . <<<"$sorted")
  echo "$(sed -n "$(( (n + 1) / 2 ))p" <<<"$sorted") $(head -n 1 <<<"$sorted") $(tail -n 1 <<<"$sorted")"
}
