#!/bin/sh
# Streams 1 GiB through the hello example's /echo on Ferry's Netty adapter with a 64 MiB heap and
# reports the bytes echoed, the time, and the most heap in use after any GC (jstat) plus the RSS.
# Needs: bench/target/ferry-bench.jar (./mvnw -pl bench -am package -DskipTests), curl, JDK 21+ at $JAVA_HOME.
set -eu
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAR=${JAR:-$(dirname "$0")/target/ferry-bench.jar}
PORT=${PORT:-18090}
EXECUTION=${EXECUTION:-virtual}
SIZE=${SIZE:-1073741824}
"$JAVA_HOME/bin/java" -Xmx64m -XX:+UseSerialGC -Dferry.port="$PORT" -Dferry.host=127.0.0.1 -Dferry.server=netty \
    -Dferry.execution="$EXECUTION" -Dferry.max-request-body=2GiB -cp "$JAR" dev.ferry.examples.hello.HelloApp &
PID=$!
trap 'kill $PID 2>/dev/null; kill $SAMPLER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/plaintext" >/dev/null && break; sleep 0.1; done
MAX=0
( while kill -0 $PID 2>/dev/null; do
    "$JAVA_HOME/bin/jstat" -gc $PID | tail -1 | awk '{ printf "%d %d\n", ($3+$4+$6+$8), 0 }'
    grep VmRSS /proc/$PID/status | awk '{ print "rss", $2 }'
    sleep 0.5
  done ) > /tmp/ferry-echo-heap.$$ 2>/dev/null &
SAMPLER=$!
START=$(date +%s.%N)
ECHOED=$(head -c "$SIZE" /dev/zero | curl -s -X POST -T - -H 'Content-Type: application/octet-stream' \
    "http://127.0.0.1:$PORT/echo" | wc -c)
END=$(date +%s.%N)
kill $SAMPLER 2>/dev/null || true
HEAP=$(grep -v rss /tmp/ferry-echo-heap.$$ | awk '$1 > m { m = $1 } END { printf "%.1f", m / 1024 }')
RSS=$(grep rss /tmp/ferry-echo-heap.$$ | awk '$2 > m { m = $2 } END { printf "%.1f", m / 1024 }')
rm -f /tmp/ferry-echo-heap.$$
echo "sent $SIZE bytes, echoed $ECHOED bytes in $(echo "$END - $START" | bc) s; execution=$EXECUTION; -Xmx64m; heap used at most $HEAP MiB (jstat samples every 0.5 s); RSS at most $RSS MiB"
[ "$ECHOED" -eq "$SIZE" ]
