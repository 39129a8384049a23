package dev.ferry.bench;

import dev.ferry.bench.compare.Figures;
import dev.ferry.bench.compare.Parsers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the overhead of a Ferry server against its raw baseline as a ratio, in one run: both
 * servers start in their own JVM with the same flags, pinned to one core, and wrk, pinned to the
 * other, loads them in turn (A B B A ...) after a warm-up that lasts until each server's JIT compilers
 * have settled ({@link #warmUp}), so that drift on a shared machine hits
 * both alike. Prints throughput and p99 per round and the ratio B/A with its spread.
 *
 * <pre>
 * java -cp bench/target/ferry-bench.jar dev.ferry.bench.AbRatio --a raw-undertow --b undertow-io \
 *     [--paths /plaintext,/json] [--rounds 4] [--seconds 8] [--warmup 40] [--connections 64] [--app MAIN] \
 *     [--protocol h1|h1-tls|h2c|h2|handshake] [--tls-connections 16] [--h2-clients 16] [--streams 10] \
 *     [--handshake-clients 4]
 * </pre>
 *
 * <p>{@code --warmup} is the least warm-up: it goes on until the server's JIT compilers have settled ({@link #warmUp}).
 *
 * <p>{@code --protocol} ({@link Protocol}) picks the wire: HTTP/1.1 by wrk (plain, or over TLS), HTTP/2 by
 * h2load ({@code -m} streams on each of {@code --h2-clients} connections; h2c with prior knowledge, or h2 by
 * ALPN), or new TLS connections per second by {@code openssl s_time -new} from {@code --handshake-clients}
 * processes. Over TLS both servers serve one certificate made for the run; with HTTP/2 the raw baseline has
 * its server's HTTP/2 turned on ({@code -Draw.http2=true}), Ferry its default ({@code ferry.http2=true}).
 *
 * <p>Targets: {@code raw-jdk}, {@code raw-undertow}, {@code raw-netty}, {@code raw-servlet} (plain
 * servers answering {@code /plaintext} and {@code /json} like the hello example, at their own defaults;
 * with {@code -matched} configured as Ferry configures them), and {@code SERVER[-io|-virtual]} for the
 * hello example on Ferry with that server ({@code dev}, {@code undertow}, {@code netty}, {@code tomcat}),
 * in the server's default execution mode, on its IO threads, or on virtual threads. {@code --app} runs
 * another Ferry app's main class instead of the hello example: {@code dev.ferry.bench.StaticFilesApp}
 * serves a 1 MiB file at {@code /static/file.bin}, as {@code raw-undertow-files} (Undertow's own
 * {@code ResourceHandler}) does.
 */
public final class AbRatio {

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern ERRORS = Pattern.compile("Non-2xx or 3xx responses: (\\d+)|Socket errors: (.*)");

    private AbRatio() {
    }

    /** One load run's figures, and what the tool said was negotiated (TLS version, cipher, protocol) or empty. */
    record Run(double requestsPerSecond, double p99Millis, String errors, String detail) {

        Run(double requestsPerSecond, double p99Millis, String errors) {
            this(requestsPerSecond, p99Millis, errors, "");
        }

        /** Returns this run with the p99 of another. */
        Run withP99(double millis) {
            return new Run(requestsPerSecond, millis, errors, detail);
        }
    }

    /** The JVM's own threads besides the JIT compilers: the garbage collector and housekeeping. */
    private static final Pattern HOUSEKEEPING = Pattern.compile(
            "GC |G1 |VM |JFR|Common-Cleaner|Service Thread|Monitor Deflati|Sweeper");

    /** A server started for measuring. */
    static final class Target implements AutoCloseable {
        final String name;
        final int port;
        final Process process;
        final boolean tls;

        Target(String name, int port, Process process) {
            this(name, port, process, false);
        }

        Target(String name, int port, Process process, boolean tls) {
            this.name = name;
            this.port = port;
            this.process = process;
            this.tls = tls;
        }

        /**
         * Returns the server process's CPU clock ticks so far (utime + stime), from Linux's {@code /proc}: in all its
         * threads (those that ended too), in its JIT compiler threads, and in the live threads that serve requests
         * (all but the JIT compilers, the garbage collector and the JVM's housekeeping); zeros where it cannot be read.
         */
        long[] cpuTicks() {
            Path proc = Path.of("/proc", Long.toString(process.pid()));
            long all;
            long compilers = 0;
            long serving = 0;
            try (var tasks = Files.list(proc.resolve("task"))) {
                all = ticks(Files.readString(proc.resolve("stat")));
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        long ticks = ticks(stat);
                        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                            compilers += ticks;
                        } else if (!HOUSEKEEPING.matcher(name).lookingAt()) {
                            serving += ticks;
                        }
                    } catch (IOException | RuntimeException gone) {
                        // a thread that ended while listed
                    }
                }
            } catch (IOException | RuntimeException notLinux) {
                return new long[3];
            }
            return new long[] {all, compilers, serving};
        }

        /** utime + stime of a {@code stat} line: after the parenthesised name come the state and 10 more fields. */
        private static long ticks(String stat) {
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }

        String url(String path) {
            return (tls ? "https" : "http") + "://127.0.0.1:" + port + path;
        }

        @Override
        public void close() {
            stop(process);
        }
    }

    /** Stops a server process: SIGTERM, then SIGKILL if it has not exited within 10 s. */
    public static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Runs the comparison described in the class documentation. */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        String a = required(options, "a");
        String b = required(options, "b");
        List<String> paths = List.of(options.getOrDefault("paths", "/plaintext,/json").split(","));
        Settings settings = settings(options, 4, 8);
        run(a, b, paths, settings, System.out);
    }

    /** Reads the settings from the options, with these rounds and seconds by default, and checks that the tools are here. */
    static Settings settings(Map<String, String> options, int rounds, int seconds) throws IOException, InterruptedException {
        Settings settings = new Settings(Integer.parseInt(options.getOrDefault("rounds", Integer.toString(rounds))),
                Integer.parseInt(options.getOrDefault("seconds", Integer.toString(seconds))),
                Integer.parseInt(options.getOrDefault("warmup", DEFAULT_WARMUP)),
                Integer.parseInt(options.getOrDefault("connections", "64")), options.getOrDefault("server-cpu", "0"),
                options.getOrDefault("load-cpu", "1"),
                List.of(options.getOrDefault("jvm", "-Xms256m -Xmx256m -XX:+UseParallelGC").split(" ")),
                options.getOrDefault("app", HELLO), Protocol.of(options.getOrDefault("protocol", "h1")),
                Integer.parseInt(options.getOrDefault("tls-connections", "16")),
                Integer.parseInt(options.getOrDefault("h2-clients", "16")), Integer.parseInt(options.getOrDefault("streams", "10")),
                Integer.parseInt(options.getOrDefault("handshake-clients", "4")));
        requireTool(settings.protocol().tool(), "apt-get install -y " + PACKAGES.get(settings.protocol().tool()));
        requireTool("taskset", "apt-get install -y util-linux");
        return settings;
    }

    /** The Debian package of each load tool. */
    static final Map<String, String> PACKAGES = Map.of("wrk", "wrk", "h2load", "nghttp2-client", "openssl", "openssl");

    /**
     * How a ratio is measured: rounds, durations, wrk's connections, CPUs, JVM flags, the Ferry app's main
     * class, the protocol, wrk's connections over TLS, h2load's connections and streams per connection, and
     * the s_time processes. wrk opens its connections anew in every round, and over TLS each begins with a
     * handshake: 64 at once on a shared core can take a short round's whole time, hence fewer over TLS.
     */
    public record Settings(int rounds, int seconds, int warmup, int connections, String serverCpu, String loadCpu,
            List<String> jvmFlags, String appMain, Protocol protocol, int tlsConnections, int h2Clients, int streams,
            int handshakeClients) {

        /** Settings for HTTP/1.1 over plain TCP, the original rows. */
        public Settings(int rounds, int seconds, int warmup, int connections, String serverCpu, String loadCpu,
                List<String> jvmFlags, String appMain) {
            this(rounds, seconds, warmup, connections, serverCpu, loadCpu, jvmFlags, appMain, Protocol.H1, 16, 16, 10, 4);
        }

        /** Returns these settings with at most 4 connections (wrk, h2load) and 1 s_time process. */
        Settings gentle() {
            return new Settings(rounds, seconds, warmup, Math.min(4, connections), serverCpu, loadCpu, jvmFlags, appMain,
                    protocol, Math.min(4, tlsConnections), Math.min(4, h2Clients), streams, 1);
        }

        /** Returns these settings with another protocol. */
        public Settings with(Protocol other) {
            return new Settings(rounds, seconds, warmup, connections, serverCpu, loadCpu, jvmFlags, appMain, other,
                    tlsConnections, h2Clients, streams, handshakeClients);
        }
    }

    /** The hello example's main class, the default Ferry app. */
    public static final String HELLO = "dev.ferry.examples.hello.HelloApp";

    /**
     * Starts A and B, then for each path warms both up and loads them in turn, alternating which goes
     * first, printing every round; returns the ratio B/A per path with its spread.
     */
    public static List<Figures.Ratio> run(String a, String b, List<String> paths, Settings settings, PrintStream out)
            throws IOException, InterruptedException {
        Protocol protocol = settings.protocol();
        out.printf(Locale.ROOT, "A=%s B=%s protocol=%s paths=%s rounds=%d seconds=%d warmup=%d %s jvm=%s%n",
                a, b, protocol.label(), paths, settings.rounds(), settings.seconds(), settings.warmup(), concurrency(settings),
                String.join(" ", settings.jvmFlags()));
        List<Figures.Ratio> ratios = new ArrayList<>();
        try (BenchCertificate certificate = protocol.tls() ? BenchCertificate.create() : null;
                Target first = start(a, settings, certificate);
                Target second = start(b, settings, certificate)) {
            for (String path : paths) {
                for (Target target : List.of(first, second)) {
                    Warm warm = warmUp(target, path, settings);
                    out.printf(Locale.ROOT, "%s %s %s: warmed up %d s, the JIT compilers took %.0f%% of its CPU time in the last %d s%s%n",
                            target.name, protocol.label(), path, warm.seconds(), 100 * warm.compilerShare(), SLICE_SECONDS,
                            warm.seconds() >= WARMUP_LIMIT_SECONDS ? " (the limit)" : "");
                    if (!warm.last().detail().isEmpty()) {
                        out.printf(Locale.ROOT, "%s %s: %s%n", target.name, protocol.label(), warm.last().detail());
                    }
                }
                List<Run> runsA = new ArrayList<>();
                List<Run> runsB = new ArrayList<>();
                for (int round = 0; round < settings.rounds(); round++) {
                    boolean aFirst = round % 2 == 0;
                    Run x = measure(aFirst ? first : second, path, settings);
                    Run y = measure(aFirst ? second : first, path, settings);
                    Run runA = aFirst ? x : y;
                    Run runB = aFirst ? y : x;
                    runsA.add(runA);
                    runsB.add(runB);
                    out.printf(Locale.ROOT, "%s %s round %d: A %.0f %s p99 %.2f ms%s | B %.0f %s p99 %.2f ms%s | B/A %.3f%n",
                            protocol.label(), path, round + 1, runA.requestsPerSecond, unit(protocol), runA.p99Millis, runA.errors,
                            runB.requestsPerSecond, unit(protocol), runB.p99Millis, runB.errors,
                            runB.requestsPerSecond / runA.requestsPerSecond);
                }
                ratios.add(report(protocol, path, a, b, runsA, runsB, out));
            }
        }
        return ratios;
    }

    private static String unit(Protocol protocol) {
        return protocol == Protocol.HANDSHAKE ? "conn/s" : "req/s";
    }

    private static String concurrency(Settings settings) {
        return switch (settings.protocol()) {
            case H1 -> "connections=" + settings.connections();
            case H1_TLS -> "connections=" + settings.tlsConnections();
            case H2C, H2 -> "h2-clients=" + settings.h2Clients() + " streams=" + settings.streams();
            case HANDSHAKE -> "handshake-clients=" + settings.handshakeClients();
        };
    }

    static Figures.Ratio report(String path, String a, String b, List<Run> runsA, List<Run> runsB, PrintStream out) {
        return report(Protocol.H1, path, a, b, runsA, runsB, out);
    }

    static Figures.Ratio report(Protocol protocol, String path, String a, String b, List<Run> runsA, List<Run> runsB,
            PrintStream out) {
        double[] ratios = new double[runsA.size()];
        double[] p99Ratios = new double[runsA.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = runsB.get(i).requestsPerSecond / runsA.get(i).requestsPerSecond;
            p99Ratios[i] = runsB.get(i).p99Millis / runsA.get(i).p99Millis;
        }
        out.printf(Locale.ROOT, "RESULT %s %s %s/%s throughput ratio median %.3f (min %.3f, max %.3f); p99 ratio median %.2f (min %.2f, max %.2f)%n",
                protocol.label(), path, b, a, median(ratios), min(ratios), max(ratios), median(p99Ratios), min(p99Ratios), max(p99Ratios));
        List<Double> perRound = new ArrayList<>();
        for (double ratio : ratios) {
            perRound.add(ratio);
        }
        return new Figures.Ratio(a, b, path, perRound, median(ratios), min(ratios), max(ratios), median(p99Ratios),
                median(runsA.stream().mapToDouble(Run::requestsPerSecond).toArray()),
                median(runsB.stream().mapToDouble(Run::requestsPerSecond).toArray()), protocol.label());
    }

    /** A warm-up's length, its last slice's run, and the share of the server's CPU time its JIT compilers took in that slice. */
    record Warm(int seconds, Run last, double compilerShare) {
    }

    /** The length of a warm-up slice after the first {@code --warmup} seconds. */
    static final int SLICE_SECONDS = 5;
    /** A slice in which the JIT compilers took less than this share of the server's CPU time ends the warm-up. */
    static final double SETTLED = 0.05;
    /** The longest warm-up, whether or not the compilers have settled. */
    static final int WARMUP_LIMIT_SECONDS = 180;

    /**
     * Loads a target for {@code --warmup} seconds, then on in slices of {@value #SLICE_SECONDS} s until its JIT
     * compilers took under 5% of its CPU time in a slice, or for {@value #WARMUP_LIMIT_SECONDS} s in all. On one
     * pinned core the compilers share the core with the server: under HTTP/2 load they took a third to a half of
     * it for 30 to 45 s in runs here, and the rate then rose threefold, at a time that differs from run to run,
     * so a fixed warm-up measured when each side's compilation happened to end more than the server.
     */
    static Warm warmUp(Target target, String path, Settings settings) throws IOException, InterruptedException {
        if (settings.protocol().tls()) {
            // a cold JVM's first handshakes are slow (the JIT has not compiled the crypto yet): all of
            // wrk's 64 at once on a loaded core may not finish within a short warm-up, so a few first
            load(target, path, Math.max(1, settings.warmup() / 2), settings.gentle());
        }
        int first = Math.max(0, settings.warmup() - SLICE_SECONDS);
        if (first > 0) {
            load(target, path, first, settings);
        }
        int spent = first;
        while (true) {
            long[] before = target.cpuTicks();
            Run slice = load(target, path, SLICE_SECONDS, settings);
            long[] after = target.cpuTicks();
            spent += SLICE_SECONDS;
            long all = after[0] - before[0];
            double share = all > 0 ? (double) (after[1] - before[1]) / all : 0;
            if (share < SETTLED || spent >= WARMUP_LIMIT_SECONDS) {
                return new Warm(spent, slice, share);
            }
        }
    }

    /**
     * Seconds of load before the first round, at least. On one pinned core the JIT compilers share the core with
     * the server: under load, compilation went on for about 20 s in runs here and throughput was still
     * rising after that, so a shorter warm-up measures the compiler as much as the server.
     */
    static final String DEFAULT_WARMUP = "40";

    /**
     * Splits a Ferry target into its server and execution mode: {@code undertow-io} is Undertow on its
     * IO threads, {@code undertow-virtual} on virtual threads, and {@code undertow} in the server's
     * default mode (null).
     */
    public static String[] serverAndMode(String name) {
        for (String mode : new String[] {"io", "virtual"}) {
            if (name.endsWith("-" + mode)) {
                return new String[] {name.substring(0, name.length() - mode.length() - 1), mode};
            }
        }
        return new String[] {name, null};
    }

    /** The suffix of a raw target configured as Ferry configures that server. */
    static final String MATCHED = "-matched";

    /**
     * Returns the main class of a raw baseline target ({@code raw-jdk}, {@code raw-undertow}, ...). A raw
     * server runs at its own defaults, as a user would run it; with the suffix {@code -matched} it runs
     * configured as Ferry configures that server (threads, keep-alive), a second row and not the bar.
     */
    public static String rawMain(String name) {
        return switch (name.endsWith(MATCHED) ? name.substring(0, name.length() - MATCHED.length()) : name) {
            case "raw-jdk" -> "dev.ferry.bench.raw.RawJdkServer";
            case "raw-undertow" -> "dev.ferry.bench.raw.RawUndertow";
            case "raw-undertow-files" -> "dev.ferry.bench.raw.RawUndertowFiles";
            case "raw-netty" -> "dev.ferry.bench.raw.RawNetty";
            case "raw-servlet" -> "dev.ferry.bench.raw.RawServlet";
            default -> throw new IllegalArgumentException("unknown raw target " + name);
        };
    }

    /**
     * Starts a target for the settings' protocol: over TLS with the certificate (raw: its keystore; Ferry: its
     * PEM files), and a raw baseline with HTTP/2 on when the protocol is HTTP/2.
     */
    static Target start(String name, Settings settings, BenchCertificate certificate) throws IOException, InterruptedException {
        String cpu = settings.serverCpu();
        List<String> jvmFlags = settings.jvmFlags();
        String appMain = settings.appMain();
        boolean tls = settings.protocol().tls();
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("taskset", "-c", cpu, javaExecutable()));
        command.addAll(jvmFlags);
        command.add("-Dferry.port=" + port);
        command.add("-Dferry.host=127.0.0.1");
        String main;
        if (name.startsWith("raw-")) {
            main = rawMain(name);
            command.add("-Draw.matched=" + name.endsWith(MATCHED));
            if (settings.protocol().http2()) {
                command.add("-Draw.http2=true");
            }
            if (tls) {
                command.addAll(certificate.rawProperties());
            }
        } else {
            if (tls) {
                command.addAll(certificate.ferryProperties());
            }
            String[] serverAndMode = serverAndMode(name);
            command.add("-Dferry.server=" + serverAndMode[0]);
            if (serverAndMode[1] != null) {
                command.add("-Dferry.execution=" + serverAndMode[1]);
            }
            main = appMain;
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
        Path log = Files.createTempFile("ferry-ab-" + name + "-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Target target = new Target(name, port, process, tls);
        awaitReady(target, log, certificate);
        return target;
    }

    private static void awaitReady(Target target, Path log, BenchCertificate certificate) throws IOException, InterruptedException {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1);
        if (target.tls) {
            builder.sslContext(certificate.clientContext());
        }
        HttpClient client = builder.build();
        URI uri = URI.create(target.url("/plaintext"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!target.process.isAlive()) {
                throw new IllegalStateException(target.name + " exited: " + Files.readString(log));
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        target.close();
        throw new IllegalStateException(target.name + " did not answer within 30 s: " + Files.readString(log));
    }

    /** Loads a target for some seconds with the settings' protocol and tool. */
    static Run load(Target target, String path, int seconds, Settings settings) throws IOException, InterruptedException {
        return switch (settings.protocol()) {
            case H1 -> wrk(target, path, seconds, settings.connections(), settings.loadCpu());
            case H1_TLS -> wrk(target, path, seconds, settings.tlsConnections(), settings.loadCpu());
            case H2C, H2 -> h2load(target, path, seconds, settings, false);
            case HANDSHAKE -> handshakes(target, path, seconds, settings);
        };
    }

    /** The length of the run that measures an HTTP/2 p99 on its own. */
    static final int LATENCY_SECONDS = 2;

    /** One load run for its rate; over HTTP/2 the p99 comes from a short run of its own after it (see {@link #h2load}). */
    static Run measure(Target target, String path, Settings settings) throws IOException, InterruptedException {
        return withLatency(load(target, path, settings.seconds(), settings), target, path, settings);
    }

    /** Returns the run with its p99 from a run of its own when the protocol is HTTP/2, else as it is. */
    static Run withLatency(Run run, Target target, String path, Settings settings) throws IOException, InterruptedException {
        return settings.protocol().http2() ? run.withP99(h2load(target, path, LATENCY_SECONDS, settings, true).p99Millis) : run;
    }

    /**
     * h2load for some seconds: {@code -c} connections each keeping {@code -m} streams in flight, prior knowledge
     * on an http URI, ALPN offering only {@code h2} on an https one (so that a server without HTTP/2 fails
     * instead of falling back to HTTP/1.1). With {@code latency}, p99 from its per-request log, else none (NaN):
     * writing the log slows h2load, and with it a server that waits for the client more than one that does not,
     * so the rate is measured without it.
     */
    static Run h2load(Target target, String path, int seconds, Settings settings, boolean latency)
            throws IOException, InterruptedException {
        Path log = latency ? Files.createTempFile("ferry-ab-h2load-", ".tsv") : null;
        try {
            List<String> command = new ArrayList<>(List.of("taskset", "-c", settings.loadCpu(), "h2load", "-t1",
                    "-c" + settings.h2Clients(), "-m" + settings.streams(), "-D" + seconds));
            if (latency) {
                command.add("--log-file=" + log);
            }
            if (target.tls) {
                command.add("--npn-list=h2");
            }
            command.add(target.url(path));
            String output = run(command, seconds + 30L, target.name);
            Parsers.H2load figures;
            try {
                figures = Parsers.h2load(output);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("h2load on " + target.name + ": " + e.getMessage());
            }
            String wanted = target.tls ? "h2" : "h2c";
            if (!wanted.equals(figures.applicationProtocol()) || figures.status2xx() == 0) {
                throw new IllegalStateException(target.name + " did not serve " + wanted + " (application protocol "
                        + figures.applicationProtocol() + ", " + figures.status2xx() + " 2xx of " + figures.requests() + " requests): "
                        + output.lines().filter(line -> !line.startsWith("progress:")).limit(12).toList());
            }
            double p99 = latency ? Parsers.percentile(Parsers.h2loadLog(Files.readString(log, StandardCharsets.ISO_8859_1)), 99)
                    : Double.NaN;
            String errors = figures.errors() == 0 ? "" : " [" + figures.errorDetail() + "]";
            String detail = (figures.tlsProtocol() == null ? "" : figures.tlsProtocol() + " " + figures.cipher() + ", ")
                    + "application protocol " + figures.applicationProtocol();
            return new Run(figures.requestsPerSecond(), p99, errors, detail);
        } finally {
            if (log != null) {
                Files.deleteIfExists(log);
            }
        }
    }

    /**
     * New TLS connections per second: {@code openssl s_time -new} (a full handshake each time, then one
     * HTTP/1.0 GET read to the server's close) from several processes at once for some seconds; the rate is
     * the connections they made over the wall time until the last one ended. No latency figure (p99 NaN).
     */
    static Run handshakes(Target target, String path, int seconds, Settings settings) throws IOException, InterruptedException {
        List<Process> processes = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < settings.handshakeClients(); i++) {
                Path output = Files.createTempFile("ferry-ab-s_time-", ".out");
                outputs.add(output);
                processes.add(new ProcessBuilder("taskset", "-c", settings.loadCpu(), "openssl", "s_time", "-connect",
                        "127.0.0.1:" + target.port, "-new", "-time", Integer.toString(seconds), "-www", path)
                        .redirectErrorStream(true).redirectOutput(output.toFile()).start());
            }
            long connections = 0;
            for (int i = 0; i < processes.size(); i++) {
                Process process = processes.get(i);
                if (!process.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("openssl s_time did not end on " + target.name);
                }
                String output = Files.readString(outputs.get(i), StandardCharsets.ISO_8859_1);
                try {
                    Parsers.STime figures = Parsers.sTime(output);
                    if (figures.bytesPerConnection() == 0) {
                        throw new IllegalArgumentException("no bytes of an answer read: " + output.strip());
                    }
                    connections += figures.connections();
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("openssl s_time on " + target.name + " (exit " + process.exitValue() + "): "
                            + e.getMessage());
                }
            }
            double wall = (System.nanoTime() - start) / 1e9;
            return new Run(connections / wall, Double.NaN, "");
        } finally {
            for (Process process : processes) {
                process.destroyForcibly();
            }
            for (Path output : outputs) {
                Files.deleteIfExists(output);
            }
        }
    }

    private static String run(List<String> command, long timeoutSeconds, String target) throws IOException, InterruptedException {
        Path output = Files.createTempFile("ferry-ab-tool-", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(command.get(3) + " did not end on " + target);
            }
            return Files.readString(output, StandardCharsets.ISO_8859_1);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    static Run wrk(Target target, String path, int seconds, int connections, String cpu) throws IOException, InterruptedException {
        List<String> command = List.of("taskset", "-c", cpu, "wrk", "-t1", "-c" + connections, "-d" + seconds + "s",
                "--latency", target.url(path));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(seconds + 30L, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("wrk failed on " + target.name + ": " + output);
        }
        return parse(output);
    }

    static Run parse(String output) {
        Matcher rps = RPS.matcher(output);
        Matcher p99 = P99.matcher(output);
        if (!rps.find() || !p99.find()) {
            throw new IllegalStateException("unexpected wrk output: " + output);
        }
        double latency = Double.parseDouble(p99.group(1));
        latency = switch (p99.group(2)) {
            case "us" -> latency / 1000;
            case "s" -> latency * 1000;
            default -> latency;
        };
        StringBuilder errors = new StringBuilder();
        Matcher error = ERRORS.matcher(output);
        while (error.find()) {
            errors.append(" [").append(error.group().trim()).append(']');
        }
        return new Run(Double.parseDouble(rps.group(1)), latency, errors.toString());
    }

    static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void requireTool(String tool, String install) throws IOException, InterruptedException {
        Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
        if (which.waitFor() != 0) {
            throw new IllegalStateException(tool + " is not installed: " + install);
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + Arrays.toString(args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required; see the class documentation");
        }
        return value;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }
}
