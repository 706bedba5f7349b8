#!/usr/bin/env bash
# Load benchmark of ./reverl run: three nginx backends (100-byte bodies, keep-alive), Reverl in front,
# wrk -t1 -c64 against it; prints wrk's summary and Reverl's CPU time per request (user+sys from /proc).
# Everything runs on 127.0.0.1 from a temp dir and is stopped at exit, by the PIDs started here.
#
#   gateway-server/bench/http-load.sh [--duration S] [--warmup S] [--io-threads N] [--tls] [--base-port P]
#
# Needs: nginx, wrk, curl (apt-get install -y nginx wrk curl), openssl for --tls, java 17+.
# For side-by-side ratios against nginx and HAProxy in the same run, see the README (the proxybench harness).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
. "$root/gateway-server/bench/lib.sh"
duration=10 warmup=20 threads=1 tls=0 base=18300
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --io-threads) threads="$2"; shift 2 ;;
    --tls) tls=1; shift ;;
    --base-port) base="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
bench_need "apt-get install -y nginx wrk curl" nginx wrk curl
bench_start

bench_backends "$base"

port=$((base + 10))
scheme=http
args=(run --listen "127.0.0.1:$port" --io-threads "$threads")
for i in 1 2 3; do args+=(--backend "127.0.0.1:$((base + i))"); done
if [ "$tls" = 1 ]; then
  scheme=https
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
  args+=(--tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem")
fi
"$root/reverl" "${args[@]}" > "$tmp/reverl.log" 2>&1 & pids+=($!)
rpid=$!
bench_wait_for "$scheme://127.0.0.1:$port/" -k
echo "sanity: $(for _ in 1 2 3; do curl -ks -D - -o /dev/null "$scheme://127.0.0.1:$port/" | tr -d '\r' | grep -i '^x-backend' | cut -d' ' -f2; done | tr '\n' ' ')"
[ "$warmup" -gt 0 ] && wrk -t1 -c64 -d"${warmup}s" "$scheme://127.0.0.1:$port/" > /dev/null
ticks() { awk '{print $14 + $15}' "/proc/$rpid/stat"; }
hz="$(getconf CLK_TCK)"
t0="$(ticks)"
out="$(wrk -t1 -c64 -d"${duration}s" --latency "$scheme://127.0.0.1:$port/")"
t1="$(ticks)"
echo "$out"
reqs="$(echo "$out" | awk '/requests in/ {print $1}')"
awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$reqs" 'BEGIN { printf "reverl cpu per request: %.1f us (%d requests)\n", t / hz * 1e6 / n, n }'
# the JVM is the launcher's exec'd process: its resident memory now and at its peak (VmHWM)
awk '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 } END { printf "reverl rss: %d MB (peak %d MB)\n", r / 1024, h / 1024 }' "/proc/$rpid/status"
