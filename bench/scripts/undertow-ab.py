#!/usr/bin/env python3
"""A/B load test: raw Undertow against the hello example on Ferry's Undertow adapter, in both execution modes.

All three servers run at once on CPU 0 with the same JVM flags; wrk runs on CPU 1. After a warm-up,
each round measures every server on every endpoint, rotating the order per round, and reports the
throughput and p99 ratios Ferry/raw per round with their spread.

Usage (from the repository root, after `./mvnw -pl bench -am compile dependency:build-classpath
-Dmdep.outputFile=/tmp/bench-cp.txt`):  bench/scripts/undertow-ab.py [rounds] [seconds] [connections]
Then the same rotation at a fixed rate (FIXED_RATE, default 2000 req/s) with h2load, for p99 latency.
Needs wrk, h2load (apt-get install -y wrk nghttp2-client) and taskset.
"""
import os, re, signal, statistics, subprocess, sys, time, urllib.request

JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
FLAGS = ["-Xms256m", "-Xmx256m", "-XX:+UseParallelGC"]
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
CONNECTIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 64
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CP = os.path.join(ROOT, "bench/target/classes") + ":" + open("/tmp/bench-cp.txt").read().strip()

SERVERS = {
    "raw": (18090, ["dev.ferry.bench.raw.RawUndertow"], []),
    "ferry-io": (18091, ["dev.ferry.examples.hello.HelloApp"], ["-Dferry.server=undertow", "-Dferry.execution=io"]),
    "ferry-vt": (18092, ["dev.ferry.examples.hello.HelloApp"], ["-Dferry.server=undertow", "-Dferry.execution=virtual"]),
}


def start(name):
    port, main, props = SERVERS[name]
    cmd = ["taskset", "-c", "0", JAVA] + FLAGS + props + ["-Dferry.port=%d" % port, "-Dferry.host=127.0.0.1", "-cp", CP] + main
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(port):
    for _ in range(600):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/plaintext" % port, timeout=1).read()
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit("server on %d did not start" % port)


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(port, path, seconds, pid=None):
    before = cpu_seconds(pid) if pid else 0
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c%d" % CONNECTIONS, "-d%ds" % seconds, "--latency",
                          "http://127.0.0.1:%d%s" % (port, path)], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    cpu_us = (cpu_seconds(pid) - before) * 1e6 / max(requests, 1) if pid else 0
    return rps, float(p99.group(1)) * scale, cpu_us, errors.group(0) if errors else ""


RATE = int(os.environ.get("FIXED_RATE", "2000"))


def fixed_rate(port, path, seconds):
    """p50 and p99 latency in ms at RATE requests/s over 16 connections (h2load --h1 --rps)."""
    log = "/tmp/undertow-ab-h2load.log"
    subprocess.run(["taskset", "-c", "1", "h2load", "--h1", "-t1", "-c16", "--rps=%d" % (RATE // 16), "-D", str(seconds),
                    "--log-file=" + log, "http://127.0.0.1:%d%s" % (port, path)], capture_output=True, text=True)
    rows = [line.split("\t") for line in open(log) if line.strip()]
    latencies = sorted(int(r[2]) / 1000.0 for r in rows if r[1] == "200")
    failed = sum(1 for r in rows if r[1] != "200")
    if not latencies:
        return 0.0, 0.0, failed
    return latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], failed


def main():
    procs = {name: start(name) for name in SERVERS}
    try:
        for name in SERVERS:
            wait_ready(SERVERS[name][0])
        paths = ["/plaintext", "/json"]
        print("warm-up %ds per server and endpoint" % (SECONDS * 2), flush=True)
        for name in SERVERS:
            for path in paths:
                wrk(SERVERS[name][0], path, SECONDS * 2)
        results = {(n, p): [] for n in SERVERS for p in paths}
        order = list(SERVERS)
        for r in range(ROUNDS):
            rotated = order[r % len(order):] + order[:r % len(order)]
            for path in paths:
                for name in rotated:
                    rps, p99, cpu, err = wrk(SERVERS[name][0], path, SECONDS, procs[name].pid)
                    results[(name, path)].append((rps, p99, cpu))
                    print("round %d %-10s %-9s %9.0f req/s  p99 %7.2f ms  server CPU %6.1f us/req %s" % (
                        r + 1, path, name, rps, p99, cpu, err), flush=True)
        print("\nratios Ferry/raw over %d rounds: median (min..max); wrk -t1 -c%d -d%ds" % (ROUNDS, CONNECTIONS, SECONDS))
        for path in paths:
            raw = results[("raw", path)]
            for name in ["ferry-io", "ferry-vt"]:
                b = results[(name, path)]
                tput = [b[i][0] / raw[i][0] for i in range(ROUNDS)]
                lat = [b[i][1] / raw[i][1] for i in range(ROUNDS)]
                cpu = [raw[i][2] / b[i][2] for i in range(ROUNDS)]
                print("%-10s %-9s throughput %.3f (%.3f..%.3f)  p99 %.2fx (%.2f..%.2f)  raw/ferry CPU per request %.3f (%.3f..%.3f)"
                      "  [raw %.0f req/s, %.1f us/req]" % (
                    path, name, statistics.median(tput), min(tput), max(tput), statistics.median(lat), min(lat), max(lat),
                    statistics.median(cpu), min(cpu), max(cpu), statistics.median(x[0] for x in raw), statistics.median(x[2] for x in raw)))
        print("\nfixed rate %d req/s (h2load --h1 -c16 --rps, %ds): p99 Ferry/raw per round" % (RATE, SECONDS))
        fixed = {(n, p): [] for n in SERVERS for p in paths}
        for r in range(ROUNDS):
            rotated = order[r % len(order):] + order[:r % len(order)]
            for path in paths:
                for name in rotated:
                    p50, p99, failed = fixed_rate(SERVERS[name][0], path, SECONDS)
                    fixed[(name, path)].append(p99)
                    print("round %d %-10s %-9s p50 %7.2f ms  p99 %7.2f ms  failed %d" % (r + 1, path, name, p50, p99, failed), flush=True)
        for path in paths:
            raw = fixed[("raw", path)]
            for name in ["ferry-io", "ferry-vt"]:
                ratio = [fixed[(name, path)][i] / raw[i] for i in range(ROUNDS) if raw[i] > 0]
                if ratio:
                    print("%-10s %-9s fixed-rate p99 %.2fx (%.2f..%.2f)  [raw p99 median %.2f ms]" % (
                        path, name, statistics.median(ratio), min(ratio), max(ratio), statistics.median(raw)))
    finally:
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
