package dev.ferry.bench;

import dev.ferry.bench.compare.Figures;
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
 * other, loads them in turn (A B B A ...) after a warm-up, so that drift on a shared machine hits
 * both alike. Prints throughput and p99 per round and the ratio B/A with its spread.
 *
 * <pre>
 * java -cp bench/target/ferry-bench.jar dev.ferry.bench.AbRatio --a raw-undertow --b undertow-io \
 *     [--paths /plaintext,/json] [--rounds 4] [--seconds 8] [--warmup 40] [--connections 64] [--app MAIN]
 * </pre>
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

    /** One load run's figures. */
    record Run(double requestsPerSecond, double p99Millis, String errors) {
    }

    /** A server started for measuring. */
    static final class Target implements AutoCloseable {
        final String name;
        final int port;
        final Process process;

        Target(String name, int port, Process process) {
            this.name = name;
            this.port = port;
            this.process = process;
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
        Settings settings = new Settings(Integer.parseInt(options.getOrDefault("rounds", "4")),
                Integer.parseInt(options.getOrDefault("seconds", "8")), Integer.parseInt(options.getOrDefault("warmup", DEFAULT_WARMUP)),
                Integer.parseInt(options.getOrDefault("connections", "64")), options.getOrDefault("server-cpu", "0"),
                options.getOrDefault("load-cpu", "1"),
                List.of(options.getOrDefault("jvm", "-Xms256m -Xmx256m -XX:+UseParallelGC").split(" ")),
                options.getOrDefault("app", HELLO));
        requireTool("wrk", "apt-get install -y wrk");
        requireTool("taskset", "apt-get install -y util-linux");
        run(a, b, paths, settings, System.out);
    }

    /** How a ratio is measured: rounds, durations, concurrency, CPUs, JVM flags and the Ferry app's main class. */
    public record Settings(int rounds, int seconds, int warmup, int connections, String serverCpu, String loadCpu,
            List<String> jvmFlags, String appMain) {
    }

    /** The hello example's main class, the default Ferry app. */
    public static final String HELLO = "dev.ferry.examples.hello.HelloApp";

    /**
     * Starts A and B, then for each path warms both up and loads them in turn, alternating which goes
     * first, printing every round; returns the ratio B/A per path with its spread.
     */
    public static List<Figures.Ratio> run(String a, String b, List<String> paths, Settings settings, PrintStream out)
            throws IOException, InterruptedException {
        out.printf(Locale.ROOT, "A=%s B=%s paths=%s rounds=%d seconds=%d warmup=%d connections=%d jvm=%s%n",
                a, b, paths, settings.rounds(), settings.seconds(), settings.warmup(), settings.connections(),
                String.join(" ", settings.jvmFlags()));
        List<Figures.Ratio> ratios = new ArrayList<>();
        try (Target first = start(a, settings.serverCpu(), settings.jvmFlags(), settings.appMain());
                Target second = start(b, settings.serverCpu(), settings.jvmFlags(), settings.appMain())) {
            for (String path : paths) {
                for (Target target : List.of(first, second)) {
                    wrk(target, path, settings.warmup(), settings.connections(), settings.loadCpu());
                }
                List<Run> runsA = new ArrayList<>();
                List<Run> runsB = new ArrayList<>();
                for (int round = 0; round < settings.rounds(); round++) {
                    boolean aFirst = round % 2 == 0;
                    Run x = wrk(aFirst ? first : second, path, settings.seconds(), settings.connections(), settings.loadCpu());
                    Run y = wrk(aFirst ? second : first, path, settings.seconds(), settings.connections(), settings.loadCpu());
                    Run runA = aFirst ? x : y;
                    Run runB = aFirst ? y : x;
                    runsA.add(runA);
                    runsB.add(runB);
                    out.printf(Locale.ROOT, "%s round %d: A %.0f req/s p99 %.2f ms%s | B %.0f req/s p99 %.2f ms%s | B/A %.3f%n",
                            path, round + 1, runA.requestsPerSecond, runA.p99Millis, runA.errors,
                            runB.requestsPerSecond, runB.p99Millis, runB.errors,
                            runB.requestsPerSecond / runA.requestsPerSecond);
                }
                ratios.add(report(path, a, b, runsA, runsB, out));
            }
        }
        return ratios;
    }

    static Figures.Ratio report(String path, String a, String b, List<Run> runsA, List<Run> runsB, PrintStream out) {
        double[] ratios = new double[runsA.size()];
        double[] p99Ratios = new double[runsA.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = runsB.get(i).requestsPerSecond / runsA.get(i).requestsPerSecond;
            p99Ratios[i] = runsB.get(i).p99Millis / runsA.get(i).p99Millis;
        }
        out.printf(Locale.ROOT, "RESULT %s %s/%s throughput ratio median %.3f (min %.3f, max %.3f); p99 ratio median %.2f (min %.2f, max %.2f)%n",
                path, b, a, median(ratios), min(ratios), max(ratios), median(p99Ratios), min(p99Ratios), max(p99Ratios));
        List<Double> perRound = new ArrayList<>();
        for (double ratio : ratios) {
            perRound.add(ratio);
        }
        return new Figures.Ratio(a, b, path, perRound, median(ratios), min(ratios), max(ratios), median(p99Ratios),
                median(runsA.stream().mapToDouble(Run::requestsPerSecond).toArray()),
                median(runsB.stream().mapToDouble(Run::requestsPerSecond).toArray()));
    }

    /**
     * Seconds of load before the first round. On one pinned core the JIT compilers share the core with
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

    static Target start(String name, String cpu, List<String> jvmFlags) throws IOException, InterruptedException {
        return start(name, cpu, jvmFlags, HELLO);
    }

    static Target start(String name, String cpu, List<String> jvmFlags, String appMain) throws IOException, InterruptedException {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("taskset", "-c", cpu, javaExecutable()));
        command.addAll(jvmFlags);
        command.add("-Dferry.port=" + port);
        command.add("-Dferry.host=127.0.0.1");
        String main;
        if (name.startsWith("raw-")) {
            main = rawMain(name);
            command.add("-Draw.matched=" + name.endsWith(MATCHED));
        } else {
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
        Target target = new Target(name, port, process);
        awaitReady(target, log);
        return target;
    }

    private static void awaitReady(Target target, Path log) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        URI uri = URI.create("http://127.0.0.1:" + target.port + "/plaintext");
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

    static Run wrk(Target target, String path, int seconds, int connections, String cpu) throws IOException, InterruptedException {
        List<String> command = List.of("taskset", "-c", cpu, "wrk", "-t1", "-c" + connections, "-d" + seconds + "s",
                "--latency", "http://127.0.0.1:" + target.port + path);
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
