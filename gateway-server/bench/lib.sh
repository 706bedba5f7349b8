# Sourced by the benchmark scripts beside it (not run on its own): a temp dir, the processes started, and the
# backends every benchmark puts the proxies in front of. Everything listens on 127.0.0.1; what was started is
# stopped at exit, by the PIDs started here, and the temp dir is removed.

# Exits with the package to install unless every tool named is on the PATH (or in /usr/sbin).
#   bench_need "apt-get install -y nginx wrk" nginx wrk
bench_need() {
  local hint="$1"
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "missing $tool ($hint)" >&2; exit 1; }
  done
}

# Makes $tmp and $pids; at exit, SIGTERM then SIGKILL to every PID in $pids, and $tmp removed.
bench_start() {
  tmp="$(mktemp -d)"
  pids=()
  trap bench_cleanup EXIT INT TERM
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}

# nginx's temp paths, all in $tmp, for an http block.
bench_nginx_temps() {
  echo "client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp; uwsgi_temp_path $tmp; scgi_temp_path $tmp;"
}

# Starts the backends: one nginx process, one worker, ports BASE+1..BASE+3, each answering every request with 200,
# a 100-byte body and X-Backend: b1..b3, keep-alive without a request limit (as proxybench's).
bench_backends() {
  local base="$1" body
  body="$(printf 'x%.0s' $(seq 1 99))"
  {
    echo "worker_processes 1; daemon off; pid $tmp/backends.pid; error_log $tmp/backends.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; keepalive_timeout 300s; keepalive_requests 100000000; $(bench_nginx_temps)"
    for i in 1 2 3; do
      echo "  server { listen 127.0.0.1:$((base + i)) backlog=4096; location / { add_header X-Backend b$i; return 200 \"$body\n\"; } }"
    done
    echo "}"
  } > "$tmp/backends.conf"
  nginx -p "$tmp" -c "$tmp/backends.conf" & pids+=($!)
}

# Waits up to 60 s until URL answers (curl's extra options first), then fails if it still does not.
#   bench_wait_for http://127.0.0.1:8080/ [-k | --http2-prior-knowledge]
bench_wait_for() {
  local url="$1"
  shift
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "$@" "$url" && return 0
    sleep 0.1
  done
  curl -sf -o /dev/null "$@" "$url" || { echo "nothing answers at $url" >&2; exit 1; }
}
