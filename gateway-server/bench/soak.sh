#!/usr/bin/env bash
# Soak of ./reverl run with its default JVM settings: a paced load for N minutes, keep-alive and new connections
# mixed, one backend restarted every minute, Netty's leak detector at `simple`. Reports Reverl's RSS every 10 s,
# latency percentiles (p50 and p99, hey's summary has no p99.9) and failures per minute, leak reports, and whether
# RSS stayed flat.
# Everything runs on 127.0.0.1 from a temp dir and is stopped at exit, by the PIDs started here; every load is
# bounded by --minutes.
#
#   gateway-server/bench/soak.sh [--minutes N] [--rate R] [--base-port P]
#
# --rate is requests per second in total: 80% over 16 keep-alive workers, 20% over 4 workers that open a new
# connection for every request. hey paces each worker (-q): a slow response delays that worker's next request, so
# this is a paced closed loop, not an open loop; the per-minute p99 shows when the proxy fell behind.
#
# Needs: nginx, hey, curl (apt-get install -y nginx hey curl), java 17+.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
minutes=10 rate=2000 base=18500
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --base-port) base="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
for tool in nginx hey curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y nginx hey curl)" >&2; exit 1; }
done
if [ "$rate" -lt 20 ]; then
  echo "--rate: $rate (expected: at least 20 requests per second, one per worker)" >&2
  exit 2
fi
tmp="$(mktemp -d)"
pids=()
backend_pid=()
cleanup() {
  for p in "${pids[@]}" "${backend_pid[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}" "${backend_pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# one nginx process per backend, so that one can be restarted while the others serve
body="$(printf 'x%.0s' $(seq 1 99))"
start_backend() {
  local i="$1" dir="$tmp/b$1"
  mkdir -p "$dir"
  {
    echo "worker_processes 1; daemon off; pid $dir/nginx.pid; error_log $dir/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; keepalive_requests 1000000;"
    echo "  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;"
    echo "  server { listen 127.0.0.1:$((base + i)) reuseport; location / { add_header X-Backend b$i; return 200 \"$body\n\"; } }"
    echo "}"
  } > "$dir/nginx.conf"
  nginx -p "$dir" -c "$dir/nginx.conf" &
  backend_pid[$i]=$!
}
for i in 1 2 3; do start_backend "$i"; done

port=$((base + 10))
args=(run --listen "127.0.0.1:$port" --io-threads 1)
for i in 1 2 3; do args+=(--backend "127.0.0.1:$((base + i))"); done
REVERL_JAVA_OPTS="-Dio.netty.leakDetection.level=simple" "$root/reverl" "${args[@]}" > "$tmp/reverl.log" 2>&1 &
rpid=$!
pids+=("$rpid")
for _ in $(seq 1 600); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/" || { echo "reverl did not start:" >&2; cat "$tmp/reverl.log" >&2; exit 1; }

rss_mb() { awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$rpid/status"; }
keepalive_q=$((rate * 8 / 10 / 16))
close_q=$((rate * 2 / 10 / 4))
echo "soak: $minutes min at $rate req/s (16 keep-alive workers x $keepalive_q/s, 4 new-connection workers x $close_q/s)"
echo "      backend b((m mod 3) + 1) restarted 30 s into minute m; leak detector: simple; rss at start: $(rss_mb) MB"
printf '%-6s %-40s %19s %19s %8s %8s %7s\n' minute "rss MB every 10 s" "keep-alive p50/p99" "new-conn p50/p99" max requests failed
url="http://127.0.0.1:$port/"
all_rss=()
total_failed=0 total_requests=0
# from hey's summary: "p50 p99 slowest(ms) responses non200 errors"
summary() {
  awk '/Slowest:/ { max = $2 * 1000 } / 50% in / { p50 = $3 * 1000 } / 99% in / { p99 = $3 * 1000 }
       /^Status code distribution:/ { sect = "s"; next } /^Error distribution:/ { sect = "e"; next }
       sect == "s" && /\[[0-9]+\]/ { code = $1; gsub(/[][]/, "", code); n += $2; if (code != 200) bad += $2 }
       sect == "e" && /\[[0-9]+\]/ { c = $1; gsub(/[][]/, "", c); err += c }
       END { printf "%.2f %.2f %.1f %d %d %d\n", p50, p99, max, n, bad, err }' "$1"
}
for m in $(seq 1 "$minutes"); do
  hey -z 60s -c 16 -q "$keepalive_q" "$url" > "$tmp/ka.txt" 2>&1 &
  ka=$!
  hey -z 60s -c 4 -q "$close_q" -disable-keepalive "$url" > "$tmp/nc.txt" 2>&1 &
  nc=$!
  pids+=("$ka" "$nc")
  samples=()
  for s in 1 2 3 4 5 6; do
    sleep 10
    if [ "$s" = 3 ]; then
      # restart one backend: stop it (its connections close), start it again a second later
      b=$(( (m % 3) + 1 ))
      kill "${backend_pid[$b]}" 2>/dev/null || true
      wait "${backend_pid[$b]}" 2>/dev/null || true
      sleep 1
      start_backend "$b"
    fi
    samples+=("$(rss_mb)")
  done
  wait "$ka" "$nc" || true
  all_rss+=("${samples[@]}")
  read -r kp50 kp99 kmax kn kbad kerr <<< "$(summary "$tmp/ka.txt")"
  read -r np50 np99 nmax nn nbad nerr <<< "$(summary "$tmp/nc.txt")"
  failed=$((kbad + kerr + nbad + nerr))
  total_failed=$((total_failed + failed))
  total_requests=$((total_requests + kn + nn + kerr + nerr))
  max=$(awk -v a="$kmax" -v b="$nmax" 'BEGIN { print (a > b ? a : b) }')
  printf '%-6s %-40s %8.2f/%7.2fms %8.2f/%7.2fms %6.1fms %8d %7d\n' "$m" "${samples[*]}" "$kp50" "$kp99" "$np50" "$np99" \
    "$max" $((kn + nn + kerr + nerr)) "$failed"
  if [ "$failed" -gt 0 ]; then grep -A5 '^Error distribution' "$tmp/ka.txt" "$tmp/nc.txt" | head -8 | sed 's/^/        /'; fi
done
leaks="$(grep -c 'LEAK:' "$tmp/reverl.log" || true)"
# flat: after the first minute (warm-up), the highest RSS sample is within 10% of the lowest
printf '%s\n' "${all_rss[@]:6}" | sort -n | awk -v leaks="$leaks" -v failed="$total_failed" -v n="$total_requests" '
  { v[NR] = $1 }
  END {
    if (NR == 0) { printf "rss after minute 1: no samples (run at least 2 minutes)\n" }
    else { printf "rss after minute 1: %.1f to %.1f MB (%+.1f%%): %s\n", v[1], v[NR], (v[NR] - v[1]) * 100 / v[1], (v[NR] <= v[1] * 1.1) ? "flat" : "NOT flat" }
    printf "requests: %d, failed: %d; leak reports: %d\n", n, failed, leaks
  }'
