#!/usr/bin/env python3
"""A/B of two builds over h2c: the hello example from two bench jars, in turns, on the same server.

Both servers run at once on CPU 0 with the same JVM flags; h2load (16 connections, 10 streams each) runs on
CPU 1 against one at a time, in alternated rounds after a warm-up of each. Prints each round's requests per
second and the server's CPU time per request (from /proc), then the medians of B / A.

Usage (from the repository root; build the jar of each version with `./mvnw -pl bench -am package -DskipTests`
and copy bench/target/ferry-bench.jar aside):
    bench/scripts/builds-ab.py OLD.jar NEW.jar [server] [execution] [rounds] [seconds]
server: undertow, netty or tomcat (netty); execution: virtual or io (virtual); rounds (6); seconds (5).
Needs h2load (apt-get install -y nghttp2-client), taskset and a JDK 21+ as `java` or in $JAVA.
"""
import os, re, statistics, subprocess, sys, time, urllib.request

JAVA = os.environ.get("JAVA", "java")
FLAGS = ["-Xms256m", "-Xmx256m", "-XX:+UseParallelGC"]
JARS = sys.argv[1:3]
SERVER = sys.argv[3] if len(sys.argv) > 3 else "netty"
EXECUTION = sys.argv[4] if len(sys.argv) > 4 else "virtual"
ROUNDS = int(sys.argv[5]) if len(sys.argv) > 5 else 6
SECONDS = int(sys.argv[6]) if len(sys.argv) > 6 else 5
TICKS = os.sysconf("SC_CLK_TCK")


def start(jar, port):
    process = subprocess.Popen(["taskset", "-c", "0", JAVA, *FLAGS, f"-Dferry.port={port}", "-Dferry.host=127.0.0.1",
                                f"-Dferry.server={SERVER}", f"-Dferry.execution={EXECUTION}", "-cp", jar,
                                "dev.ferry.examples.hello.HelloApp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/plaintext", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{jar} did not start on port {port}")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime and stime


def load(port, seconds):
    out = subprocess.run(["taskset", "-c", "1", "h2load", "-t1", "-c16", "-m10", f"-D{seconds}",
                          f"http://127.0.0.1:{port}/plaintext"], capture_output=True, text=True).stdout
    rate = float(re.search(r"finished in [0-9.]+s, ([0-9.]+) req/s", out).group(1))
    done = int(re.search(r"requests: .* (\d+) done", out).group(1))
    return rate, done


def main():
    if len(JARS) != 2:
        raise SystemExit(__doc__)
    servers = [start(jar, 19401 + i) for i, jar in enumerate(JARS)]
    try:
        for i in range(2):
            load(19401 + i, 45)
        rates, costs = [], []
        for r in range(1, ROUNDS + 1):
            figures = []
            for i, server in enumerate(servers):
                before = cpu_seconds(server.pid)
                rate, done = load(19401 + i, SECONDS)
                micros = (cpu_seconds(server.pid) - before) * 1e6 / max(done, 1)
                figures.append((rate, micros))
                print(f"round {r} {'AB'[i]} {rate:.0f} req/s {micros:.2f} us/req", flush=True)
            rates.append(figures[1][0] / figures[0][0])
            costs.append(figures[1][1] / figures[0][1])
        print(f"B/A {SERVER} {EXECUTION}: req/s median {statistics.median(rates):.3f} (min {min(rates):.3f}, max "
              f"{max(rates):.3f}); CPU per request median {statistics.median(costs):.3f} (min {min(costs):.3f}, "
              f"max {max(costs):.3f})")
    finally:
        for server in servers:
            server.kill()


main()
