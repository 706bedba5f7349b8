#!/usr/bin/env bash
# HTTP/2 load benchmark: h2load (h2c, prior knowledge) against nginx with HTTP/2 on, proxying to three nginx
# backends over HTTP/1.1 keep-alive, and against Reverl in front of the same backends, in the same run.
# Prints h2load's summary for each and the proxies' CPU time per request (user+sys from /proc).
# Everything runs on 127.0.0.1 from a temp dir and is stopped at exit, by the PIDs started here.
#
#   gateway-server/bench/h2-load.sh [--requests N] [--clients C] [--streams M] [--io-threads N] [--base-port P]
#
# Needs: nginx, h2load (apt-get install -y nginx nghttp2-client), curl, java 17+.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
. "$root/gateway-server/bench/lib.sh"
requests=200000 clients=16 streams=10 threads=1 base=18400
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --streams) streams="$2"; shift 2 ;;
    --io-threads) threads="$2"; shift 2 ;;
    --base-port) base="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
bench_need "apt-get install -y nginx nghttp2-client curl" nginx h2load curl
bench_start

temp="$(bench_nginx_temps)"
bench_backends "$base"
# the reference: nginx with HTTP/2 on (h2c with prior knowledge on a plain listener), one worker
{
  echo "worker_processes 1; daemon off; pid $tmp/front.pid; error_log $tmp/front.log warn;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; keepalive_requests 1000000; $temp"
  echo "  upstream backends { server 127.0.0.1:$((base + 1)); server 127.0.0.1:$((base + 2)); server 127.0.0.1:$((base + 3)); keepalive 64; }"
  echo "  server { listen 127.0.0.1:$((base + 9)) http2; http2_max_concurrent_streams 100;"
  echo "    location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
  echo "}"
} > "$tmp/front.conf"
nginx -p "$tmp" -c "$tmp/front.conf" & pids+=($!)
npid=$!

port=$((base + 10))
cat > "$tmp/reverl.yaml" <<EOF
listeners: [ { address: "127.0.0.1:$port" } ]
backends:
  - { id: b1, address: "127.0.0.1:$((base + 1))" }
  - { id: b2, address: "127.0.0.1:$((base + 2))" }
  - { id: b3, address: "127.0.0.1:$((base + 3))" }
ioThreads: $threads
http2: { enabled: true, maxConcurrentStreams: 100 }
admin: { address: "127.0.0.1:$((base + 11))" }
EOF
"$root/reverl" run --config "$tmp/reverl.yaml" > "$tmp/reverl.log" 2>&1 & pids+=($!)
rpid=$!
bench_wait_for "http://127.0.0.1:$port/" --http2-prior-knowledge
# the reverl script execs java: its pid is the JVM's

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
run() { # name pid port
  h2load -n "$((requests / 10))" -c "$clients" -m "$streams" "http://127.0.0.1:$3/" > /dev/null # warmup
  local t0 t1 out
  t0="$(ticks "$2")"
  out="$(h2load -n "$requests" -c "$clients" -m "$streams" "http://127.0.0.1:$3/")"
  t1="$(ticks "$2")"
  echo "== $1"
  echo "$out" | grep -E '^(finished in|requests:|status codes:|time for request:)'
  awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$requests" \
    'BEGIN { printf "%s cpu per request: %.1f us\n", "'"$1"'", t / hz * 1e6 / n }'
}
# nginx's front worker is the master's child
nworker="$(pgrep -P "$npid" | head -n1)"
run nginx "$nworker" "$((base + 9))"
run reverl "$rpid" "$port"
