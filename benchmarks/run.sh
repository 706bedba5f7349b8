#!/usr/bin/env bash
# Runs the whole JMH suite with 1 and then 2 threads, with -prof gc, and prints one table of ns/op and B/op.
# About 9 minutes (each strategy added to PickBenchmark adds about 40 s). Extra arguments go to JMH, e.g. a benchmark regex:
#   benchmarks/run.sh PickBenchmark
# Results: benchmarks/target/jmh-results/{threads-1.csv,threads-2.csv,*.log,table.md}.
# JAVA=/path/to/java picks the JVM; NO_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")"
java_bin=${JAVA:-java}
if [ -z "${NO_BUILD:-}" ]; then
  (cd .. && ./mvnw -B -q -pl benchmarks -am package -DskipTests -Djacoco.skip -Dspotless.check.skip)
fi
jar=target/benchmarks.jar
out=target/jmh-results
mkdir -p "$out/tmp"
for threads in 1 2; do
  echo "== $threads thread(s); log in benchmarks/$out/threads-$threads.log"
  # a private tmpdir: JMH takes a machine-wide lock file in java.io.tmpdir
  "$java_bin" -Djava.io.tmpdir="$PWD/$out/tmp" -jar "$jar" \
      -f 1 -wi 2 -w 1s -i 3 -r 1s -t "$threads" -prof gc \
      -rf csv -rff "$out/threads-$threads.csv" "$@" \
    > "$out/threads-$threads.log" 2>&1 || { tail -40 "$out/threads-$threads.log"; exit 1; }
  grep -E '^# (VM version|JMH version)' "$out/threads-$threads.log" | sort -u
done
"$java_bin" -cp "$jar" org.reverl.benchmarks.ResultTable "$out/threads-1.csv" "$out/threads-2.csv" | tee "$out/table.md"
