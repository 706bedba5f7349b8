#!/usr/bin/env bash
# Soak of ./reverl run with its default JVM settings: an open-loop load at a fixed rate for N minutes, keep-alive and
# new connections mixed, one backend restarted every minute, Netty's leak detector at `simple`. Reports Reverl's RSS
# every 10 s, latency percentiles (p50, p99, p99.9, max) and failures per minute, leak reports, and whether RSS stayed
# flat after the first minute.
#
#   benchmarks/soak.sh [--minutes N] [--rate R] [--base-port P] [--nmt]
#
# The load (org.reverl.benchmarks.soak.SoakLoad, in benchmarks/target/benchmarks.jar) sends request i at start + i/R
# whatever the answers before it did, and measures each latency from that intended time: a stalled proxy or a full
# connection pool counts in full (no coordinated omission). 80% of the requests go over a pool of 16 keep-alive
# connections, 20% (every fifth) each on a new connection with `Connection: close`. A request fails if its answer is
# not 2xx or does not come within 5 s; at most one second's worth of requests may be outstanding, one due beyond that
# fails unsent. Every request is a GET. A 10 s warm-up at the same rate comes before minute 1 and is not counted. The
# last column, the load's own lag (how late after its time the load's event loop took a request up), tells a pause of
# the load's JVM from one of the proxy.
# --nmt runs Reverl with -XX:NativeMemoryTracking=summary and records, at each RSS sample, the committed memory per
# category from `jcmd <pid> VM.native_memory summary`, to attribute a change of RSS (NMT costs some memory and CPU
# itself, and each jcmd starts a JVM beside the proxy: compare RSS only between runs with the same setting).
# Everything runs on 127.0.0.1 from a temp dir and is stopped at exit, by the PIDs started here; the load is bounded
# by --minutes. Logs and the NMT samples stay in benchmarks/target/soak/.
#
# JAVA=/path/to/java picks the load's JVM (Reverl's comes from JAVA_HOME, as ./reverl says); REVERL_JAVA_OPTS is added
# after the soak's own options for Reverl (e.g. -XX:+PrintCompilation, which goes to reverl.log); NO_BUILD=1 skips the
# build. Needs: nginx, curl (apt-get install -y nginx curl), a JDK 17+ (jcmd for --nmt).
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd .. && pwd)"
minutes=10 rate=2000 base=18500 nmt=
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes|--rate|--base-port)
      [ $# -ge 2 ] || { echo "$1: missing (expected: a value after it)" >&2; exit 2; }
      case "$1" in --minutes) minutes="$2" ;; --rate) rate="$2" ;; --base-port) base="$2" ;; esac
      shift 2 ;;
    --nmt) nmt=1; shift ;;
    *) echo "unknown option: $1 (expected: --minutes N, --rate R, --base-port P, --nmt)" >&2; exit 2 ;;
  esac
done
check_int() { # name value min max
  if ! [[ "$2" =~ ^[0-9]{1,6}$ ]] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
    echo "$1: '$2' (expected: an integer $3-$4)" >&2
    exit 2
  fi
}
check_int --minutes "$minutes" 1 1440
check_int --rate "$rate" 1 100000
check_int --base-port "$base" 1024 65000
for tool in nginx curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y nginx curl)" >&2; exit 1; }
done
java_bin=${JAVA:-java}
jcmd_bin="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
if [ -n "$nmt" ] && ! command -v "$jcmd_bin" >/dev/null; then
  echo "--nmt: no $jcmd_bin (expected: the JDK's jcmd, beside the java that runs Reverl)" >&2
  exit 1
fi
if [ -z "${NO_BUILD:-}" ]; then
  # builds gateway-server too (the jar and classpath ./reverl runs), so the launcher finds nothing to rebuild
  (cd .. && ./mvnw -B -q -pl benchmarks -am package -DskipTests -Djacoco.skip -Dspotless.check.skip)
fi
out="$PWD/target/soak"
rm -rf "$out"
mkdir -p "$out"
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
reverl_opts="-Dio.netty.leakDetection.level=simple${nmt:+ -XX:NativeMemoryTracking=summary}"
REVERL_JAVA_OPTS="$reverl_opts${REVERL_JAVA_OPTS:+ $REVERL_JAVA_OPTS}" "$root/reverl" "${args[@]}" > "$out/reverl.log" 2>&1 &
rpid=$!
pids+=("$rpid")
# up to 5 minutes: the launcher builds gateway-server first if a source is newer than its jar
for _ in $(seq 1 3000); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  kill -0 "$rpid" 2>/dev/null || break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/" || { echo "reverl did not start:" >&2; cat "$out/reverl.log" >&2; exit 1; }

# The load's JVM: ZGC with a fixed 288 MB heap, touched up front. The load allocates about 2.5 KB per request, all of
# it short-lived. ZGC stops the load for well under a millisecond per cycle and marks the 20-odd MB that live on one
# thread for a few ms every 5 s. Serial GC (a 256 MB young generation, a young collection every 45 s) stopped it for
# 3 ms on a quiet machine and 8-12 ms on a busy one, and that showed as latency. Against a bare nginx at 2000 req/s,
# two 2-minute runs each: the load's own lag peaked at 6-9 ms a minute with ZGC and 12-17 ms with Serial.
# Netty's leak detector is off in the load (its sampling costs CPU); it is on in Reverl.
"$java_bin" -Xms288m -Xmx288m -XX:+UseZGC -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled \
    --enable-native-access=ALL-UNNAMED -cp target/benchmarks.jar org.reverl.benchmarks.soak.SoakLoad \
    --target "http://127.0.0.1:$port/" --rate "$rate" --duration "${minutes}m" > "$out/load.txt" 2> "$out/load.err" &
lpid=$!
pids+=("$lpid")
# the load prints `start` when its measured schedule begins, after its 10 s warm-up: the minutes of both clocks start
# together
for _ in $(seq 1 600); do
  grep -q '^start ' "$out/load.txt" 2>/dev/null && break
  kill -0 "$lpid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^start ' "$out/load.txt" || { echo "the load did not start:" >&2; cat "$out/load.err" "$out/load.txt" >&2; exit 1; }
t0=$EPOCHREALTIME

rss_mb() { awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$rpid/status"; }
sleep_until() { # seconds after t0
  local d
  d=$(awk -v t0="$t0" -v at="$1" -v now="$EPOCHREALTIME" 'BEGIN { d = t0 + at - now; printf "%.3f", (d > 0 ? d : 0) }')
  sleep "$d"
}
# one NMT sample: "minute.sample uptime_s rss_kb anon_kb file_kb total_kb Category=kb ..." (committed; uptime: the JVM's,
# as -XX:+PrintCompilation stamps its lines), and jcmd's own text; one jcmd for both commands
nmt_sample() {
  local tag="$1" raw="$out/nmt/$1.txt"
  "$jcmd_bin" "$rpid" -f "$out/nmt/commands" > "$raw" 2>&1 || true
  awk -v tag="$tag" -v status="/proc/$rpid/status" '
    BEGIN { while ((getline l < status) > 0) { split(l, f, /[ \t]+/); s[f[1]] = f[2] } }
    /^[0-9.]+ s$/ && uptime == "" { uptime = $1 }
    function committed(line) { match(line, /committed=[0-9]+KB/); return substr(line, RSTART + 10, RLENGTH - 12) }
    /^Total:/ { total = committed($0) }
    /^-/ { name = $0; sub(/^- */, "", name); sub(/ *\(reserved=.*/, "", name); gsub(/ /, "_", name); cats = cats " " name "=" committed($0) }
    END { printf "%s %.1f %s %s %s %s%s\n", tag, uptime, s["VmRSS:"], s["RssAnon:"], s["RssFile:"], total, cats }' \
    "$raw" >> "$out/nmt.tsv"
}
# what moved between two NMT samples: RSS and committed, and the categories that moved by 256 KB or more
nmt_moved() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, " "); for (i = 7; i <= n; i++) { split(x[i], kv, "="); before[kv[1]] = kv[2] }
    m = split(b, y, " ")
    printf "rss %+.1f MB, committed %+.1f MB:", (y[3] - x[3]) / 1024, (y[6] - x[6]) / 1024
    for (i = 7; i <= m; i++) { split(y[i], kv, "="); d = kv[2] - before[kv[1]]; if (d >= 256 || d <= -256) printf " %s %+.1f", kv[1], d / 1024 }
    print "" }'
}
if [ -n "$nmt" ]; then
  mkdir -p "$out/nmt"
  printf 'VM.uptime\nVM.native_memory summary\n' > "$out/nmt/commands"
fi

echo "soak: $minutes min at $rate req/s open loop ($(sed -n 's/^start //p' "$out/load.txt"))"
echo "      backend b((m mod 3) + 1) restarted 30 s into minute m; leak detector: simple${nmt:+; NMT: summary};" \
  "rss at start: $(rss_mb) MB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-40s %s\n' minute "rss MB every 10 s" "$(sed -n 's/^header //p' "$out/load.txt")"
all_rss=()
prev_nmt=
for m in $(seq 1 "$minutes"); do
  samples=()
  for s in 1 2 3 4 5 6; do
    sleep_until $(( (m - 1) * 60 + s * 10 ))
    if [ "$s" = 3 ]; then
      # restart one backend: stop it (its connections close), start it again a second later
      b=$(( (m % 3) + 1 ))
      kill "${backend_pid[$b]}" 2>/dev/null || true
      wait "${backend_pid[$b]}" 2>/dev/null || true
      sleep 1
      start_backend "$b"
    fi
    samples+=("$(rss_mb)")
    if [ -n "$nmt" ]; then
      nmt_sample "$m.$s"
      cur_nmt="$(tail -n 1 "$out/nmt.tsv")"
      if [ -n "$prev_nmt" ]; then moved[$s]="$(nmt_moved "$prev_nmt" "$cur_nmt")"; fi
      prev_nmt="$cur_nmt"
    fi
  done
  all_rss+=("${samples[@]}")
  # the load reports minute m once its last request has ended: within its 5 s timeout, before the next sample
  line=
  for _ in $(seq 1 90); do
    line="$(sed -n "s/^interval $m //p" "$out/load.txt")"
    [ -n "$line" ] && break
    sleep 0.1
  done
  printf '%-6s %-40s %s\n' "$m" "${samples[*]}" "${line:-(no report from the load within 9 s)}"
  sed -n "s/^failures interval $m /        /p" "$out/load.txt"
  if [ -n "$nmt" ]; then
    totals=$(awk -v m="$m" '$1 ~ "^" m "\\." { printf " %.1f", $6 / 1024 }' "$out/nmt.tsv")
    echo "        nmt committed MB:$totals"
    for s in 1 2 3 4 5 6; do
      if [ -n "${moved[$s]:-}" ]; then echo "        nmt $m.$s vs the sample before: ${moved[$s]}"; fi
    done
    unset moved
  fi
done
# the total comes once the load has ended: bounded by its timeout
for _ in $(seq 1 300); do
  grep -q '^total ' "$out/load.txt" && break
  kill -0 "$lpid" 2>/dev/null || break
  sleep 0.1
done
total="$(sed -n 's/^total //p' "$out/load.txt")"
[ -n "$total" ] || { echo "the load did not finish:" >&2; cat "$out/load.err" >&2; exit 1; }
leaks="$(grep -c 'LEAK:' "$out/reverl.log" || true)"
# flat: after the first minute (warm-up), the highest RSS sample is within 10% of the lowest
rest=("${all_rss[@]:6}")
{ [ ${#rest[@]} -eq 0 ] || printf '%s\n' "${rest[@]}"; } | sort -n | awk '
  { v[NR] = $1 }
  END {
    if (NR == 0) { printf "rss after minute 1: no samples (run at least 2 minutes)\n" }
    else { printf "rss after minute 1: %.1f to %.1f MB (%+.1f%%): %s\n", v[1], v[NR], (v[NR] - v[1]) * 100 / v[1], (v[NR] <= v[1] * 1.1) ? "flat" : "NOT flat" }
  }'
echo "total (all GETs): $total"
echo "leak reports: $leaks"
if [ -n "$nmt" ]; then
  # per category, the lowest and highest committed after minute 1, the categories that moved by 1 MB or more
  awk '$1 !~ /^1\./ { for (i = 7; i <= NF; i++) { split($i, kv, "="); if (!(kv[1] in lo) || kv[2] < lo[kv[1]]) lo[kv[1]] = kv[2]; if (kv[2] > hi[kv[1]]) hi[kv[1]] = kv[2] } }
    END { printf "nmt after minute 1, committed MB lowest-highest:"; for (k in lo) if (hi[k] - lo[k] >= 1024) printf " %s %.1f-%.1f", k, lo[k] / 1024, hi[k] / 1024; print "" }' "$out/nmt.tsv"
  echo "nmt samples: benchmarks/target/soak/nmt.tsv (minute.sample, JVM uptime s, rss anon file committed KB) and nmt/*.txt"
fi
