#!/usr/bin/env bash
# Tail latency at a fixed request rate, the same for every proxy: Reverl beside nginx (1 worker) and HAProxy
# (1 thread), all three in front of the same three nginx backends (100-byte bodies, keep-alive).
#
# proxybench and http-load.sh run wrk, which sends the next request on a connection as soon as the last answer
# came: each proxy runs at the rate it can, and a faster proxy leaves less of the machine to the load generator and
# the backends that share its cores. Here h2load sends a fixed rate instead (--rps per connection, 64
# connections), so every proxy gets the same load and the percentiles compare what each adds, not how hard each
# drives the machine. Percentiles come from h2load's per-request log (every request, not a sample). A request is
# sent when it is due or, if the connection still waits for the last answer, as soon as that answer comes (one
# request at a time per connection); its time counts from when it was sent.
#
#   gateway-server/bench/fixed-rate.sh [--rates 38400,57600] [--duration S] [--rounds N] [--tls] [--base-port P]
#
# Rates are requests a second over all 64 connections (multiples of 64). Each round runs every rate against every
# proxy, the order of the proxies reversed every other round. Everything runs on 127.0.0.1 from a temp dir and is
# stopped at exit, by the PIDs started here. Needs nginx, haproxy, wrk, h2load, curl
# (apt-get install -y nginx haproxy wrk nghttp2-client curl), openssl for --tls, java 17+.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
. "$root/gateway-server/bench/lib.sh"
rates=38400,57600 duration=10 rounds=2 tls=0 base=18500
while [ $# -gt 0 ]; do
  case "$1" in
    --rates) rates="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --tls) tls=1; shift ;;
    --base-port) base="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
bench_need "apt-get install -y nginx haproxy wrk nghttp2-client curl" nginx haproxy wrk h2load curl
connections=64
IFS=, read -r -a rate_list <<< "$rates"
for r in "${rate_list[@]}"; do
  if ! [[ "$r" =~ ^[0-9]+$ ]] || [ "$r" -lt "$connections" ] || [ $((r % connections)) -ne 0 ]; then
    echo "--rates: $r (expected: a multiple of $connections, requests a second over $connections connections)" >&2
    exit 2
  fi
done

bench_start

scheme=http
if [ "$tls" = 1 ]; then
  scheme=https
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
  cat "$tmp/cert.pem" "$tmp/key.pem" > "$tmp/combined.pem"
fi

bench_backends "$base"
temps="$(bench_nginx_temps)"

# nginx as the proxy, as proxybench's nginx-w1
ssl="" sslconf=""
if [ "$tls" = 1 ]; then
  ssl=" ssl"
  sslconf="ssl_certificate $tmp/cert.pem; ssl_certificate_key $tmp/key.pem; ssl_protocols TLSv1.2 TLSv1.3;"
fi
{
  echo "worker_processes 1; daemon off; pid $tmp/proxy.pid; error_log $tmp/proxy.log warn;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; keepalive_timeout 300s; keepalive_requests 100000000; $temps"
  echo "  upstream backends { server 127.0.0.1:$((base + 1)); server 127.0.0.1:$((base + 2)); server 127.0.0.1:$((base + 3));"
  echo "    keepalive 64; keepalive_requests 100000000; keepalive_timeout 300s; }"
  echo "  server { listen 127.0.0.1:$((base + 11))$ssl backlog=4096; $sslconf"
  echo "    location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
  echo "}"
} > "$tmp/proxy.conf"
nginx -p "$tmp" -c "$tmp/proxy.conf" & pids+=($!)

# HAProxy, as proxybench's haproxy-t1
crt=""
[ "$tls" = 1 ] && crt=" ssl crt $tmp/combined.pem"
cat > "$tmp/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 300s
frontend fe
  bind 127.0.0.1:$((base + 12))$crt
  default_backend be
backend be
  balance roundrobin
  http-reuse always
  server b1 127.0.0.1:$((base + 1))
  server b2 127.0.0.1:$((base + 2))
  server b3 127.0.0.1:$((base + 3))
EOF
haproxy -db -f "$tmp/haproxy.cfg" > "$tmp/haproxy.log" 2>&1 & pids+=($!)

args=(run --listen "127.0.0.1:$((base + 13))" --io-threads 1)
for i in 1 2 3; do args+=(--backend "127.0.0.1:$((base + i))"); done
[ "$tls" = 1 ] && args+=(--tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem")
"$root/reverl" "${args[@]}" > "$tmp/reverl.log" 2>&1 & pids+=($!)

names=(nginx haproxy reverl)
declare -A port=([nginx]=$((base + 11)) [haproxy]=$((base + 12)) [reverl]=$((base + 13)))
for n in "${names[@]}"; do
  bench_wait_for "$scheme://127.0.0.1:${port[$n]}/" -k
done
# warm-ups: the JIT needs Reverl's; nginx and HAProxy get a short one too
wrk -t1 -c64 -d20s "$scheme://127.0.0.1:${port[reverl]}/" > /dev/null
for n in nginx haproxy; do wrk -t1 -c64 -d3s "$scheme://127.0.0.1:${port[$n]}/" > /dev/null; done

# one run: h2load at RATE against NAME; prints the percentiles of every request's time, in ms
run() {
  local name="$1" rate="$2" log="$tmp/h2load.log"
  rm -f "$log"
  timeout $((duration + 60)) h2load --h1 -t1 -c"$connections" --rps $((rate / connections)) -D "$duration" \
    --log-file "$log" "$scheme://127.0.0.1:${port[$name]}/" > "$tmp/h2load.out" 2>&1 || true
  local failed
  failed="$(awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^failed/) print $i }' "$tmp/h2load.out")"
  # the log's third column is the request's time in microseconds; the second its status (-1: no response)
  sort -n -k3,3 "$log" | awk -v name="$name" -v rate="$rate" -v failed="${failed:-?}" -v d="$duration" '
    { t[NR] = $3; if ($2 < 200 || $2 > 299) bad++ }
    function p(q) { i = int(NR * q); if (i < 1) i = 1; return t[i] / 1000 }
    END {
      printf "%-8s %6d %8.0f %7.2f %7.2f %7.2f %7.2f %8.2f %8.2f %6d %6s\n", name, rate, NR / d, p(0.5), p(0.9),
        p(0.99), p(0.999), p(0.9999), t[NR] / 1000, bad + 0, failed
    }'
}

echo "fixed-rate: $(date -u '+%Y-%m-%d %H:%M UTC') $scheme, h2load --h1 -c$connections, ${duration}s per run, $rounds rounds, loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-8s %6s %8s %7s %7s %7s %7s %8s %8s %6s %6s\n" proxy rate "req/s" p50 p90 p99 p99.9 p99.99 max non2xx failed
for round in $(seq 1 "$rounds"); do
  order=("${names[@]}")
  [ $((round % 2)) -eq 0 ] && order=(reverl haproxy nginx)
  for rate in "${rate_list[@]}"; do
    for n in "${order[@]}"; do run "$n" "$rate"; done
  done
done
