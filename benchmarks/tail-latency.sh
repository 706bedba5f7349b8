#!/usr/bin/env bash
# The tail-latency benchmark: Reverl's HTTP proxy in process in front of 11 in-process backends, open-loop load,
# for round_robin, least_conn and peak_ewma in four scenarios (healthy, one 10x slower, one stalling 2 s for 30 s,
# one failing fast with 503). Prints one Markdown table; about 6 minutes with the defaults. Arguments go to the
# program, e.g.:
#   benchmarks/tail-latency.sh --rate 300 --warmup 5s --duration 15s --stall 30s --latency 5ms-15ms \
#       --strategies round_robin,least_conn,peak_ewma --scenarios healthy,slow,stall,failing
# The table is also written to benchmarks/target/tail-latency.md.
# JAVA=/path/to/java picks the JVM; NO_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")"
java_bin=${JAVA:-java}
if [ -z "${NO_BUILD:-}" ]; then
  (cd .. && ./mvnw -B -q -pl benchmarks -am package -DskipTests -Djacoco.skip -Dspotless.check.skip)
fi
mkdir -p target
exec "$java_bin" -Xms256m -Xmx256m -XX:+UseSerialGC -cp target/benchmarks.jar \
    org.reverl.benchmarks.tail.TailLatency --out target/tail-latency.md "$@"
