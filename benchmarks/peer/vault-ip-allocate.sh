#!/usr/bin/env bash
# The peer `ephemera pool allocate` is measured against (BENCHMARKS.md, docs/benchmarks/cli-start.md):
# seed 003's approach to IP leases, bash + curl + jq on Vault KV v2 with check-and-set. One read, one
# compare-and-set write, retried on a lost race; the same holder gets its own address back.
#
#   VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=... benchmarks/peer/vault-ip-allocate.sh HOLDER [POOL_KEY] [FIRST-LAST]
#
# POOL_KEY defaults to peer/pools/lab on the `secret` mount; FIRST-LAST to 10.0.0.1-10.0.0.250 (last octet only varies).
# Prints the address; exit 5 when the pool is full, 1 on any other failure.
set -euo pipefail
holder=${1:?usage: vault-ip-allocate.sh HOLDER [POOL_KEY] [FIRST-LAST]}
key=${2:-peer/pools/lab}
range=${3:-10.0.0.1-10.0.0.250}
mount=${VAULT_MOUNT:-secret}
url="${VAULT_ADDR:?set VAULT_ADDR}/v1/$mount/data/$key"
first=${range%-*}; last=${range#*-}
prefix=${first%.*}; lo=${first##*.}; hi=${last##*.}

for _ in 1 2 3 4 5 6 7 8; do
  doc=$(curl -sS -H "X-Vault-Token: $VAULT_TOKEN" -w '\n%{http_code}' "$url")
  code=${doc##*$'\n'}; body=${doc%$'\n'*}
  if [ "$code" = 404 ]; then
    version=0; leases='{}'
  elif [ "$code" = 200 ]; then
    version=$(jq -r '.data.metadata.version' <<<"$body")
    leases=$(jq -c '.data.data.leases // {}' <<<"$body")
  else
    echo "vault answered $code to GET $url" >&2; exit 1
  fi
  mine=$(jq -r --arg h "$holder" '.[$h] // empty' <<<"$leases")
  if [ -n "$mine" ]; then echo "$mine"; exit 0; fi
  taken=$(jq -r '[.[]] | join(" ")' <<<"$leases")
  ip=""
  for ((i = lo; i <= hi; i++)); do
    case " $taken " in *" $prefix.$i "*) ;; *) ip="$prefix.$i"; break ;; esac
  done
  if [ -z "$ip" ]; then echo "pool $key is full" >&2; exit 5; fi
  body=$(jq -c --arg h "$holder" --arg ip "$ip" --argjson v "$version" \
    '{options: {cas: $v}, data: {leases: (. + {($h): $ip})}}' <<<"$leases")
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $VAULT_TOKEN" -H 'Content-Type: application/json' \
    -X POST --data "$body" "$url")
  if [ "$code" = 200 ] || [ "$code" = 204 ]; then echo "$ip"; exit 0; fi
  if [ "$code" != 400 ]; then echo "vault answered $code to POST $url" >&2; exit 1; fi
  # 400: check-and-set mismatch, someone else wrote first; read again.
done
echo "gave up after 8 lost check-and-set rounds" >&2
exit 1
