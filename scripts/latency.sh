#!/usr/bin/env bash
# The latency of the same client call against a far global endpoint and a near regional one, as AWS describes
# for sts.amazonaws.com versus sts.<region>.amazonaws.com: two OpenSTS nodes (`--region global` and
# `--region eu-central-1`), each in a network namespace of its own whose loopback carries an added delay (netem),
# and the client run inside each namespace against 127.0.0.1. Only loopback addresses are used; the namespaces,
# nodes and files are removed at the end, whatever happens.
#
#   sudo scripts/latency.sh [--far-ms 75] [--near-ms 2] [--runs 7] [--no-write]
#
# Needs root (ip netns), iproute2 and a built tree (npm run build). Times `aws sts get-caller-identity` when the
# aws CLI is installed, and `opensts sts get-caller-identity` always; prints a table and appends it to
# bench/RESULTS.md. On a kernel without the netem qdisc (sch_netem), the same delays are added by a relay inside
# each namespace (bench/delay-relay.ts), and the table says so.
set -euo pipefail
cd "$(dirname "$0")/.."

FAR_MS=75
NEAR_MS=2
RUNS=7
WRITE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --far-ms) FAR_MS=$2; shift 2 ;;
    --near-ms) NEAR_MS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --no-write) WRITE=0; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "latency.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

die() { echo "latency.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root for network namespaces (sudo $0)"
command -v ip >/dev/null && command -v tc >/dev/null || die "needs iproute2 (ip, tc)"
[ -f dist/src/cli/main.js ] && [ -f dist/bench/delay-relay.js ] || die "build first: npm run build"

NS_GLOBAL="opensts-lat-global-$$"
NS_REGIONAL="opensts-lat-regional-$$"
WORK=$(mktemp -d /tmp/opensts-latency.XXXXXX)
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  ip netns del "$NS_GLOBAL" 2>/dev/null
  ip netns del "$NS_REGIONAL" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Both nodes know the same account and root key (each has its own SQLite store: this measures the network).
export OPENSTS_MASTER_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export OPENSTS_ACCOUNT_ID=123456789012
export OPENSTS_ROOT_ACCESS_KEY_ID=AKIAOPENSTSLATENCY01
export OPENSTS_ROOT_SECRET_ACCESS_KEY=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')

# A namespace with only its loopback up, delayed by $2 ms each way when netem is there.
METHOD=netem
make_ns() {
  ip netns add "$1"
  ip -n "$1" link set lo up
  if [ "$METHOD" = netem ] && ! ip netns exec "$1" tc qdisc add dev lo root netem delay "${2}ms" 2>/dev/null; then
    METHOD=relay
    echo "latency.sh: no netem qdisc in this kernel (sch_netem); adding the delays with bench/delay-relay.js instead" >&2
  fi
}
make_ns "$NS_GLOBAL" "$FAR_MS"
make_ns "$NS_REGIONAL" "$NEAR_MS"
if [ "$METHOD" = relay ]; then
  # The first namespace may have got netem before the second found none: one method for both.
  ip netns exec "$NS_GLOBAL" tc qdisc del dev lo root 2>/dev/null || true
fi

# start_node VAR NS REGION PORT DELAY: starts a node (and its relay) and sets VAR to the URL a client in NS uses.
# Not run in a subshell, so that PIDS keeps the processes for cleanup.
start_node() {
  local var=$1 ns=$2 region=$3 port=$4 delay=$5
  ip netns exec "$ns" node bin/opensts serve --host 127.0.0.1 --port "$port" --region "$region" --workers 1 \
    --data-dir "$WORK/$region" --log-level warn >"$WORK/$region.log" 2>&1 &
  PIDS+=($!)
  local url="http://127.0.0.1:$port"
  if [ "$METHOD" = relay ]; then
    ip netns exec "$ns" node dist/bench/delay-relay.js --listen "127.0.0.1:$((port + 1000))" --target "127.0.0.1:$port" \
      --delay-ms "$delay" >"$WORK/$region.relay.log" 2>&1 &
    PIDS+=($!)
    url="http://127.0.0.1:$((port + 1000))"
  fi
  for _ in $(seq 1 100); do
    if ip netns exec "$ns" node -e "fetch('$url/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 2>/dev/null; then
      printf -v "$var" '%s' "$url"
      return
    fi
    sleep 0.1
  done
  cat "$WORK/$region.log" >&2
  die "the $region node did not start"
}
start_node GLOBAL_URL "$NS_GLOBAL" global 7101 "$FAR_MS"
start_node REGIONAL_URL "$NS_REGIONAL" eu-central-1 7102 "$NEAR_MS"

# run_call NS URL REGION COMMAND...: one call of the client inside NS against URL; prints its wall time in ms.
run_call() {
  local ns=$1 url=$2 region=$3
  shift 3
  local t0 t1
  t0=$(date +%s%N)
  ip netns exec "$ns" env AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL="$url" \
    AWS_REGION="$region" AWS_DEFAULT_REGION="$region" AWS_ACCESS_KEY_ID="$OPENSTS_ROOT_ACCESS_KEY_ID" \
    AWS_SECRET_ACCESS_KEY="$OPENSTS_ROOT_SECRET_ACCESS_KEY" "$@" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; return 1; }
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / 1000}'; }

CLIENTS=()
command -v aws >/dev/null && CLIENTS+=("aws sts get-caller-identity")
CLIENTS+=("node bin/opensts sts get-caller-identity")

ROWS=()
for client in "${CLIENTS[@]}"; do
  # One warm-up each, then the two endpoints in turn, so that the machine's load weighs on both alike.
  # shellcheck disable=SC2086
  run_call "$NS_GLOBAL" "$GLOBAL_URL" us-east-1 $client >/dev/null || die "$client failed against the global node"
  # shellcheck disable=SC2086
  run_call "$NS_REGIONAL" "$REGIONAL_URL" eu-central-1 $client >/dev/null || die "$client failed against the regional node"
  g=()
  r=()
  for _ in $(seq 1 "$RUNS"); do
    # shellcheck disable=SC2086
    g+=("$(run_call "$NS_GLOBAL" "$GLOBAL_URL" us-east-1 $client)") || die "$client failed"
    # shellcheck disable=SC2086
    r+=("$(run_call "$NS_REGIONAL" "$REGIONAL_URL" eu-central-1 $client)") || die "$client failed"
  done
  ROWS+=("| \`${client#node bin/}\` | $(printf '%s\n' "${g[@]}" | median) s | $(printf '%s\n' "${r[@]}" | median) s |")
done

if [ "$METHOD" = netem ]; then how="netem delay on each namespace's loopback"; else how="bench/delay-relay.js in each namespace (this kernel has no netem)"; fi
TABLE=$(cat <<TABLE
| client call (median of $RUNS) | global endpoint (far: +$FAR_MS ms each way) | regional endpoint (near: +$NEAR_MS ms each way) |
|---|---:|---:|
$(printf '%s\n' "${ROWS[@]}")
TABLE
)
echo
echo "$TABLE"
echo

if [ "$WRITE" = 1 ]; then
  {
    [ -s bench/RESULTS.md ] && echo
    echo "## Regional versus global endpoint latency ($(date -u +%Y-%m-%d), scripts/latency.sh)"
    echo
    echo "Two nodes, \`--region global\` (signs as us-east-1) and \`--region eu-central-1\`, each in a network namespace of its" \
      "own; the delay is added by $how. The client runs in the node's namespace against 127.0.0.1 and signs for the" \
      "endpoint's region; each call is a new process and a new connection, as a CLI call is, and the two endpoints are" \
      "timed in turn. Node $(node --version), $(nproc) cores." | fold -s -w 118 | sed 's/ *$//'
    echo
    echo "$TABLE"
  } >>bench/RESULTS.md
  echo "Appended to bench/RESULTS.md"
fi
