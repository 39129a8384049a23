#!/usr/bin/env bash
# Measures start-up to first response: from launching the JVM to the first 200 from GET /plaintext,
# for the hello example in examples/target/ferry-examples.jar (build it with ./mvnw -pl examples -am package).
# usage: examples/scripts/startup-time.sh [server (default dev)] [runs (default 5)] [extra JVM flags...]
set -euo pipefail
cd "$(dirname "$0")/../.."
server="${1:-dev}"
runs="${2:-5}"
shift $(( $# > 2 ? 2 : $# )) || true
java="${JAVA:-}"
if [ -z "$java" ]; then
  for jdk in /usr/lib/jvm/*; do
    [ -x "$jdk/bin/java" ] || continue
    v=$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ "${v:-0}" -ge 21 ] 2>/dev/null; then java="$jdk/bin/java"; fi
  done
fi
jar=examples/target/ferry-examples.jar
[ -f "$jar" ] || { echo "build $jar first: ./mvnw -pl examples -am package -DskipTests" >&2; exit 1; }
port=$(( 20000 + RANDOM % 20000 ))
results=()
for run in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$java" "$@" -Dferry.server="$server" -Dferry.port="$port" -jar "$jar" hello >/dev/null 2>&1 &
  pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/plaintext" || true)" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
    sleep 0.002
  done
  end=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  ms=$(( (end - start) / 1000000 ))
  results+=("$ms")
  echo "run $run: ${ms} ms"
done
sorted=$(printf '%s\n' "${results[@]}" | sort -n)
echo "start-up to first response on $server, ms: $(echo $sorted | tr '\n' ' ') (median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p"))"
