#!/usr/bin/env bash
# Checks that "Starting your own project" (README.md) works when copied: installs Ferry's
# artifacts into a throwaway local repository, writes the page's pom.xml, App.java and AppTest.java
# into an empty directory, builds the app (tests included), runs it with exec:exec, as the
# dev-server jar and as the Undertow jar (-Pproduction), and fetches pages from each.
#
#   .ci/new-project.sh [work-dir]     (default: a new temporary directory, removed afterwards)
#
# Third-party artifacts and plugins are read from ~/.m2 (Maven 3.9's read-only "tail" repository);
# Ferry's own go into <work-dir>/repo only, so ~/.m2 is left as it was. Needs curl and a JDK 21+
# under /usr/lib/jvm (or JAVA_HOME).
set -euo pipefail
ferry="$(cd "$(dirname "$0")/.." && pwd)"
doc="$ferry/README.md"

keep=false
if [ $# -gt 0 ]; then
  work="$(mkdir -p "$1" && cd "$1" && pwd)"
  keep=true
else
  work="$(mktemp -d)"
fi
pid=""
finish() {
  if [ -n "$pid" ]; then
    kill -- "-$pid" 2>/dev/null || true
  fi
  $keep || rm -rf "$work"
}
trap finish EXIT
repo="$work/repo"
app="$work/my-app"
tail_repo="${MAVEN_TAIL_REPO:-$HOME/.m2/repository}"

if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  for jdk in /usr/lib/jvm/*; do
    if [ -x "$jdk/bin/javac" ] && "$jdk/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
      export JAVA_HOME="$jdk"
      break
    fi
  done
fi
java="$JAVA_HOME/bin/java"
# not offline: a plugin the app pins that the build itself never used is fetched into <work-dir>/repo
mvn=("$ferry/mvnw" -q -B "-Dmaven.repo.local=$repo" "-Dmaven.repo.local.tail=$tail_repo")

step() { printf '%s [%3ss] %s\n' "$(date -u +%T)" "$SECONDS" "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "installing Ferry's artifacts into $repo"
"${mvn[@]}" -f "$ferry/pom.xml" install -DskipTests \
    -pl bom,framework-core,server-dev,adapter-undertow,json,testkit -am

step "writing the app from $(basename "$doc") into $app"
rm -rf "$app"
mkdir -p "$app"
# each block follows a line "<!-- file: PATH -->" and runs from its opening fence to the next fence
awk -v dir="$app" '
  /^<!-- file: .* -->$/ { path = $3; next }
  path != "" && /^```/ && !inside { inside = 1; out = dir "/" path; cmd = "mkdir -p \"$(dirname \"" out "\")\""; system(cmd); printf "" > out; next }
  inside && /^```$/ { inside = 0; close(out); count++; path = ""; next }
  inside { print >> out }
  END { if (count != 3) { print "expected 3 files in the page, found " count > "/dev/stderr"; exit 1 } }
' "$doc"

step "building the app: tests and the dev-server jar"
"${mvn[@]}" -f "$app/pom.xml" package
[ -f "$app/target/surefire-reports/TEST-com.example.AppTest.xml" ] || fail "AppTest did not run"
cp "$app/target/my-app.jar" "$work/my-app-dev.jar"
"$JAVA_HOME/bin/jar" tf "$work/my-app-dev.jar" | grep -q "^dev/ferry/dev/" || fail "the dev jar lacks the dev server"

step "building the production jar (-Pproduction: Undertow)"
"${mvn[@]}" -f "$app/pom.xml" -Pproduction package -DskipTests
cp "$app/target/my-app.jar" "$work/my-app-undertow.jar"
if "$JAVA_HOME/bin/jar" tf "$work/my-app-undertow.jar" | grep -q "^dev/ferry/dev/"; then
  fail "the production jar holds the dev server"
fi

# starts a command in its own process group and waits for Ferry's startup line; sets pid and url
start() {
  local log="$1"
  shift
  setsid "$@" >"$log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 600); do
    url="$(grep -oE 'at http://[0-9.]+:[0-9]+/' "$log" | head -1 | cut -c4-)" || true
    [ -n "$url" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the app exited before it started"; }
    sleep 0.1
  done
  cat "$log" >&2
  fail "no startup line within 60 s"
}

# stops the process group started last
stop() {
  kill -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

check() {
  local name="$1" url="$2" server="$3" log="$4"
  grep -q "on $server at" "$log" || { cat "$log" >&2; fail "$name: expected the $server server"; }
  local page created list
  page="$(curl -fsS "$url")"
  [ "$page" = "Hello from my app!" ] || fail "$name: GET / answered '$page'"
  created="$(curl -fsS -X POST -H 'Content-Type: application/json' -d '{"title":"milk","done":false}' \
      -w ' %{http_code}' "${url}todos")"
  [ "$created" = '{"title":"milk","done":false} 201' ] || fail "$name: POST /todos answered '$created'"
  list="$(curl -fsS "${url}todos")"
  [ "$list" = '[{"title":"milk","done":false}]' ] || fail "$name: GET /todos answered '$list'"
  local bad
  bad="$(curl -sS -X POST -H 'Content-Type: application/json' -d '{"title":' -w ' %{http_code}' "${url}todos")"
  [ "$bad" = 'Bad Request: the JSON document ends early at line 1, column 10 400' ] \
      || fail "$name: malformed JSON answered '$bad'"
  step "$name: $server answered GET /, POST and GET /todos, and 400 for malformed JSON"
}

step "running the dev-server jar"
start "$work/dev.log" env FERRY_PORT=0 "$java" -jar "$work/my-app-dev.jar"
check "java -jar (dev)" "$url" dev "$work/dev.log"
stop

step "running the production jar"
start "$work/undertow.log" env FERRY_PORT=0 FERRY_HOST=127.0.0.1 "$java" -jar "$work/my-app-undertow.jar"
check "java -jar (production)" "$url" undertow "$work/undertow.log"
stop

step "running mvn compile exec:exec"
start "$work/exec.log" env FERRY_PORT=0 "${mvn[@]}" -f "$app/pom.xml" compile exec:exec
check "exec:exec" "$url" dev "$work/exec.log"
stop

step "the page's project works as written"
