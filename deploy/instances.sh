#!/usr/bin/env bash
# Starts or stops Ferry instances of the deploy example, one per SERVER:PORT, in the background.
#   deploy/instances.sh start undertow:8081 netty:8082     # writes deploy/run/PORT.pid and .log
#   deploy/instances.sh stop                               # SIGTERM: each drains within its grace period
# Needs examples/target/ferry-examples.jar (./mvnw -pl examples -am package -DskipTests) and a JDK 21+.
# Settings pass through: FERRY_TRUSTED_PROXIES (default 127.0.0.1), FERRY_SHUTDOWN_GRACE, JAVA_OPTS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run="$root/deploy/run"
jar="$root/examples/target/ferry-examples.jar"
mkdir -p "$run"

java_bin() {
  local candidate v
  for candidate in "${JAVA_HOME:-}/bin/java" /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [ -x "$candidate" ] || continue
    v=$("$candidate" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    [ "${v:-0}" -ge 21 ] && { echo "$candidate"; return; }
  done
  echo "no JDK 21+ found" >&2; exit 1
}

case "${1:-}" in
  start)
    shift
    [ -f "$jar" ] || { echo "build it first: ./mvnw -pl examples -am package -DskipTests" >&2; exit 1; }
    java="$(java_bin)"
    for spec in "$@"; do
      server="${spec%%:*}"; port="${spec##*:}"
      FERRY_TRUSTED_PROXIES="${FERRY_TRUSTED_PROXIES:-127.0.0.1}" \
        nohup "$java" ${JAVA_OPTS:-} -Dferry.server="$server" -Dferry.port="$port" -Dferry.instance="$server-$port" \
        -cp "$jar" dev.ferry.examples.deploy.DeployApp >"$run/$port.log" 2>&1 &
      echo $! >"$run/$port.pid"
      echo "started $server on port $port (pid $!, log $run/$port.log)"
    done
    ;;
  stop)
    for pidfile in "$run"/*.pid; do
      [ -f "$pidfile" ] || continue
      kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    done
    ;;
  *)
    echo "usage: $0 start SERVER:PORT... | stop" >&2; exit 2 ;;
esac
