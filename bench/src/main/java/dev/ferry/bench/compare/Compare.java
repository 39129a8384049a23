package dev.ferry.bench.compare;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.bench.AbRatio;
import dev.ferry.bench.Protocol;
import dev.ferry.server.Ferry;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code compare} command: runs an app on every deployment target available (or those named),
 * each in its own JVM with the same flags, measures start-up, memory, throughput, latency at a fixed
 * rate, behaviour under slow clients, the testkit's hardening tier and the size each server adds,
 * then prints a table and writes a self-contained HTML report with a JSON file of every figure.
 * Run {@code Compare --help} for the options.
 */
public final class Compare {

    private static final String USAGE = """
            compare [options]: measure what each deployment target gives an app
              --app NAME|MAIN        hello (default) or the main class of an app that calls Ferry.serve
              --app-classpath PATH   jars or class directories of that app, put before bench's class path
              --targets LIST         comma-separated: dev, undertow, netty, tomcat, each in its default
                                     execution mode, or with -io or -virtual
                                     (default: every server on the class path, each also as SERVER-io)
              --path /plaintext      the GET path loaded and probed
              --post-path /echo      the POST path the slow-body attack targets
              --connections 64       wrk connections for throughput
              --warmup 3 --seconds 5 warm-up and throughput phase, seconds
              --rate 1000            fixed request rate for latency (wrk, paced connections), requests/s
              --latency-seconds 5    latency phase, seconds
              --attack-connections 200   slowloris and slow-body attack connections
              --slowloris-seconds 20 --slow-body-seconds 45  attack lengths; the defaults outlast the
                                     request header timeout (10 s) and the body read timeout (30 s)
              --jvm "-Xms256m -Xmx256m -XX:+UseParallelGC"  flags for every server JVM
              --server-cpu 0 --load-cpu 1                    taskset CPU lists
              --no-hardening --no-footprint --no-install    skip phases, or do not apt-get missing tools
              --ratios [only]        also (or only) run adapter-vs-raw ratios for every raw baseline present
                                     (always the hello example, /plaintext and /json: the raw servers serve its bytes)
              --ratio-rounds 4 --ratio-seconds 5 --ratio-warmup 5
              --protocols LIST       the ratios' protocols (default h1,h1-tls,h2c,h2,handshake): h1 = HTTP/1.1 by wrk
                                     (/plaintext and /json, every pair); h1-tls = the same over TLS; h2c and h2 =
                                     HTTP/2 by h2load without and with TLS; handshake = new TLS connections per
                                     second by openssl s_time -new (these four: /plaintext, Ferry's default mode)
              --ratio-targets LIST   only the pairs whose Ferry target is listed (e.g. undertow,netty-io)
              --tls-connections 16   wrk connections for h1-tls (each round opens them anew, a handshake each)
              --h2-clients 16 --streams 10   h2load connections and streams in flight per connection (-c, -m)
              --handshake-clients 4  openssl s_time processes at once
              --out DIR              where the report goes (default target/compare)
              --baseline OLD.json    print what got better or worse against an earlier run
              --threshold 0.10       relative change below which a difference counts as noise
            """;

    /** The protocols of the ratios when {@code --protocols} is not given. */
    private static final String PROTOCOLS = "h1,h1-tls,h2c,h2,handshake";

    /** Each raw server at its own defaults against Ferry on it in the fastest mode and in the default mode. */
    private static final List<Map.Entry<String, String>> RAW_PAIRS = List.of(
            Map.entry("raw-jdk", "dev"),
            Map.entry("raw-undertow", "undertow-io"), Map.entry("raw-undertow", "undertow"),
            Map.entry("raw-netty", "netty-io"), Map.entry("raw-netty", "netty"),
            Map.entry("raw-servlet", "tomcat-io"), Map.entry("raw-servlet", "tomcat"));

    private final Map<String, String> options;
    private final PrintStream out;
    private final Progress progress;
    private final List<String> runNotes = new ArrayList<>();
    private Map<String, String> missingTools = Map.of();

    private Compare(Map<String, String> options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.progress = new Progress(out);
    }

    /** Runs the command; exits non-zero only when the arguments are wrong or nothing could be measured. */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        if (options.containsKey("help")) {
            System.out.print(USAGE);
            return;
        }
        Path dir = Path.of(options.getOrDefault("out", "target/compare")).toAbsolutePath();
        Files.createDirectories(dir);
        try (OutputStream log = Files.newOutputStream(dir.resolve("console.log"))) {
            PrintStream tee = new PrintStream(new TeeStream(System.out, log), true, StandardCharsets.UTF_8);
            int status = new Compare(options, tee).run();
            tee.flush();
            System.exit(status);
        }
    }

    /** Writes everything to the console and to a log file, so that the output survives a lost console. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream console;
        private final OutputStream file;

        TeeStream(OutputStream console, OutputStream file) {
            this.console = console;
            this.file = file;
        }

        @Override
        public void write(int b) throws IOException {
            file.write(b);
            console.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            file.write(bytes, offset, length);
            console.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            file.flush();
            console.flush();
        }
    }

    private int run() throws Exception {
        long start = System.nanoTime();
        String createdAt = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19) + "Z";
        String loadAtStart = loadAverage();
        Figures.Settings settings = settings();
        String classPath = options.containsKey("app-classpath")
                ? options.get("app-classpath") + java.io.File.pathSeparator + System.getProperty("java.class.path")
                : System.getProperty("java.class.path");
        List<String> jvmFlags = List.of(settings.jvmFlags().trim().split("\\s+"));
        boolean ratiosOnly = "only".equals(options.get("ratios"));
        boolean ratios = options.containsKey("ratios");

        List<String> targets = ratiosOnly ? List.of() : targets();
        out.printf(Locale.ROOT, "Ferry compare: app %s, targets %s, Java %s, %d CPUs%n", settings.app(),
                targets, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        missingTools = Tools.ensure(!options.containsKey("no-install"), progress);
        missingTools.forEach((tool, fix) -> {
            String note = tool + " is missing, so the phases that need it are skipped (" + fix + ")";
            out.println("  " + note);
            runNotes.add(note);
        });

        boolean footprint = !ratiosOnly && !options.containsKey("no-footprint");
        boolean hardening = !ratiosOnly && !options.containsKey("no-hardening");
        List<String> servers = targets.stream().map(Compare::server).distinct().toList();
        List<String[]> pairs = ratios ? ratioPairs() : List.of();
        plan(settings, targets, servers, footprint, hardening, pairs);
        out.printf(Locale.ROOT, "Planned: about %s%n", Progress.clock(progress.plannedSeconds() * 1.1));

        Map<String, Figures.Footprint> footprints = Map.of();
        if (footprint) {
            progress.begin("setup", "footprint");
            footprints = Footprint.measure(root(), servers, runNotes);
        }
        Map<String, Figures.Hardening> hardeningByServer = new HashMap<>();
        List<Figures.Target> results = new ArrayList<>();
        for (String target : targets) {
            String server = server(target);
            Figures.Target measured = measure(target, settings, classPath, jvmFlags, footprints.get(server));
            if (hardening) {
                if (!hardeningByServer.containsKey(server)) {
                    progress.begin(target, "hardening");
                    hardeningByServer.put(server, hardening(server, classPath, measured.notes()));
                } else {
                    measured.notes().add("hardening: the tier ran once for " + server + " (on virtual threads)");
                }
                measured = withHardening(measured, hardeningByServer.get(server));
            }
            results.add(measured);
        }

        List<Figures.Ratio> ratioFigures = new ArrayList<>();
        for (String[] pair : pairs) {
            Protocol protocol = Protocol.of(pair[2]);
            progress.begin(pair[1] + " vs " + pair[0] + " " + protocol.label(), "ratio");
            try {
                AbRatio.Settings ratioSettings = new AbRatio.Settings(intOption("ratio-rounds", 4), intOption("ratio-seconds", 5),
                        intOption("ratio-warmup", 5), settings.connections(), settings.serverCpu(), settings.loadCpu(), jvmFlags,
                        AbRatio.HELLO, protocol, intOption("tls-connections", 16), intOption("h2-clients", 16), intOption("streams", 10),
                        intOption("handshake-clients", 4));
                ratioFigures.addAll(AbRatio.run(pair[0], pair[1], ratioPaths(protocol), ratioSettings, out));
            } catch (RuntimeException | IOException e) {
                String note = "ratio " + pair[1] + "/" + pair[0] + " over " + protocol.label() + " failed: " + e.getMessage();
                runNotes.add(note);
                progress.say(note);
            }
        }

        double total = progress.elapsed();
        runNotes.add(0, "The machine is shared; absolute figures are noisy, compare targets within one run and repeat "
                + "before trusting a small difference. Ratios (A/B alternated) hold better than absolute numbers.");
        Figures.Run run = new Figures.Run(createdAt, new Figures.Environment(System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), loadAtStart, loadAverage()),
                settings, results, ratioFigures, total, runNotes);
        Path dir = Path.of(options.getOrDefault("out", "target/compare")).toAbsolutePath();
        Files.createDirectories(dir);
        String stamp = createdAt.replace(":", "").replace("-", "").replace("T", "-").replace("Z", "");
        Path json = dir.resolve("compare-" + stamp + ".json");
        Path html = dir.resolve("compare-" + stamp + ".html");
        mapper().writeValue(json.toFile(), run);
        Files.writeString(html, HtmlReport.render(run), StandardCharsets.UTF_8);
        Files.copy(json, dir.resolve("latest.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path console = dir.resolve("compare-" + stamp + ".log");
        Files.copy(html, dir.resolve("latest.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        out.println();
        out.print(ConsoleTable.render(run));
        for (String note : runNotes) {
            out.println("note: " + note);
        }
        if (options.containsKey("baseline")) {
            Figures.Run before = mapper().readValue(Path.of(options.get("baseline")).toFile(), Figures.Run.class);
            out.println();
            out.print(BaselineDiff.render(before, run, Double.parseDouble(options.getOrDefault("threshold", "0.10"))));
        }
        out.printf(Locale.ROOT, "%nReport: %s%nFigures: %s%nConsole: %s%nTotal time: %s (%.0f s)%n", html, json, console,
                Progress.clock((System.nanoTime() - start) / 1e9), (System.nanoTime() - start) / 1e9);
        out.flush();
        Files.copy(dir.resolve("console.log"), console, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return results.isEmpty() && ratioFigures.isEmpty() ? 1 : 0;
    }

    private void plan(Figures.Settings s, List<String> targets, List<String> servers, boolean footprint, boolean hardening,
            List<String[]> pairs) {
        if (footprint) {
            progress.plan("setup", "footprint", 25);
        }
        List<String> hardened = new ArrayList<>();
        for (String target : targets) {
            progress.plan(target, "start-up", 5);
            progress.plan(target, "idle memory", 1);
            if (has("wrk")) {
                progress.plan(target, "warm-up", s.warmupSeconds());
                progress.plan(target, "throughput", s.loadSeconds());
            }
            if (has("wrk")) {
                progress.plan(target, "latency", s.latencySeconds() + 1);
            }
            if (has("slowhttptest")) {
                progress.plan(target, "slowloris", s.slowlorisSeconds() + 2);
                progress.plan(target, "slow body", s.slowBodySeconds() + 2);
            }
            if (hardening && !hardened.contains(server(target))) {
                hardened.add(server(target));
                progress.plan(target, "hardening", 35);
            }
        }
        for (String[] pair : pairs) {
            progress.plan(pair[1] + " vs " + pair[0] + " " + pair[2], "ratio", 6 + 2 * ratioPaths(Protocol.of(pair[2])).size()
                    * (intOption("ratio-warmup", 5) + intOption("ratio-rounds", 4) * intOption("ratio-seconds", 5)));
        }
    }

    private Figures.Target measure(String target, Figures.Settings s, String classPath, List<String> jvmFlags,
            Figures.Footprint footprint) throws InterruptedException {
        String server = server(target);
        String[] serverAndMode = AbRatio.serverAndMode(target);
        String execution = serverAndMode[1] == null ? "default" : serverAndMode[1];
        boolean production = Ferry.installed().stream().filter(p -> p.name().equals(server))
                .map(ServerProvider::production).findFirst().orElse(!server.equals("dev"));
        List<String> notes = new ArrayList<>();
        progress.begin(target, "start-up");
        ServerProcess process;
        try {
            process = ServerProcess.start(target, appMain(s.app()),
                    serverAndMode[1] == null ? List.of("-Dferry.server=" + server)
                            : List.of("-Dferry.server=" + server, "-Dferry.execution=" + execution), classPath, jvmFlags,
                    s.serverCpu(), s.path());
        } catch (IOException | RuntimeException e) {
            notes.add("did not start: " + e.getMessage());
            progress.say("did not start: " + e.getMessage());
            return new Figures.Target(target, server, execution, production, null, null, null, null, null, null, null,
                    null, footprint, 0, notes);
        }
        try (process) {
            progress.say(String.format(Locale.ROOT, "first response after %.0f ms", process.startupMillis));
            progress.begin(target, "idle memory");
            Thread.sleep(1000);
            Double idleRss = process.rssMiB();
            Integer idleThreads = process.threads();
            Figures.Load load = null;
            if (has("wrk")) {
                progress.begin(target, "warm-up");
                wrk(process, s.path(), s.warmupSeconds(), s.connections(), s.loadCpu(), null);
                progress.begin(target, "throughput");
                load = load(process, s, notes);
            } else {
                notes.add("throughput not measured: wrk is missing");
            }
            Figures.Latency latency = null;
            if (has("wrk")) {
                progress.begin(target, "latency");
                latency = latency(process, s, notes);
            } else {
                notes.add("latency not measured: wrk is missing");
            }
            Figures.Attack slowloris = null;
            Figures.Attack slowBody = null;
            if (has("slowhttptest")) {
                progress.begin(target, "slowloris");
                slowloris = attack(process, "slowloris", s, notes);
                Thread.sleep(500);
                progress.begin(target, "slow body");
                slowBody = attack(process, "slow body", s, notes);
            } else {
                notes.add("slow-client attacks not measured: slowhttptest is missing");
            }
            if (!process.process.isAlive()) {
                notes.add("the server process died during the run: " + process.tail());
            }
            int errorLines = process.errorLines();
            if (errorLines > 0) {
                notes.add("the server logged " + errorLines + " error or exception lines, last output: " + process.tail());
            }
            return new Figures.Target(target, server, execution, production, process.startupMillis, idleRss, idleThreads,
                    load, latency, slowloris, slowBody, null, footprint, errorLines, notes);
        }
    }

    private Figures.Load load(ServerProcess process, Figures.Settings s, List<String> notes) throws InterruptedException {
        double[] peakRss = {0};
        int[] peakThreads = {0};
        AtomicBoolean sampling = new AtomicBoolean(true);
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
            while (sampling.get()) {
                Double rss = process.rssMiB();
                Integer threads = process.threads();
                synchronized (peakRss) {
                    if (rss != null) {
                        peakRss[0] = Math.max(peakRss[0], rss);
                    }
                    if (threads != null) {
                        peakThreads[0] = Math.max(peakThreads[0], threads);
                    }
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, Compare::thread);
        Parsers.Wrk wrk = wrk(process, s.path(), s.loadSeconds(), s.connections(), s.loadCpu(), notes);
        sampling.set(false);
        sampler.join();
        if (wrk == null) {
            return null;
        }
        progress.say(String.format(Locale.ROOT, "%,.0f req/s, %d errors, peak %.0f MiB, %d threads", wrk.requestsPerSecond(),
                wrk.errors(), peakRss[0], peakThreads[0]));
        return new Figures.Load(s.connections(), s.loadSeconds(), wrk.requestsPerSecond(), wrk.requests(), wrk.errors(),
                wrk.errorDetail(), peakRss[0] > 0 ? peakRss[0] : null, peakThreads[0] > 0 ? peakThreads[0] : null);
    }

    private Parsers.Wrk wrk(ServerProcess process, String path, int seconds, int connections, String cpu, List<String> notes) {
        Tools.Result result = Tools.run(Tools.pinned(cpu, List.of("wrk", "-t1", "-c" + connections, "-d" + seconds + "s",
                "--timeout", "4s", "--latency", "http://127.0.0.1:" + process.port + path)), seconds + 30L);
        try {
            return Parsers.wrk(result.output());
        } catch (IllegalArgumentException e) {
            if (notes != null) {
                notes.add("throughput failed: " + e.getMessage());
            }
            return null;
        }
    }

    /**
     * Latency at a fixed rate: wrk with a script that makes each of a few connections pause between
     * requests so that together they send about the rate asked for, far below saturation.
     */
    private Figures.Latency latency(ServerProcess process, Figures.Settings s, List<String> notes) {
        int connections = Math.max(4, Math.min(64, s.rate() / 50));
        long pauseMillis = Math.max(1, Math.round(connections * 1000.0 / s.rate()));
        Path script = null;
        try {
            script = Files.createTempFile("ferry-compare-rate-", ".lua");
            try (var in = Compare.class.getResourceAsStream("fixed-rate.lua")) {
                Files.write(script, in.readAllBytes());
            }
            Tools.Result result = Tools.run(Tools.pinned(s.loadCpu(), List.of("wrk", "-t1", "-c" + connections,
                    "-d" + s.latencySeconds() + "s", "--timeout", "4s", "-s", script.toString(),
                    "http://127.0.0.1:" + process.port + s.path(), "--", Long.toString(pauseMillis))), s.latencySeconds() + 30L);
            Parsers.FixedRate rate = Parsers.fixedRate(result.output());
            long failed = rate.socketErrors() + rate.statusErrors();
            if (rate.requests() - rate.statusErrors() <= 0) {
                notes.add("latency not measured: no successful response at the fixed rate (" + rate.requests()
                        + " responses, " + rate.statusErrors() + " of them errors, " + rate.socketErrors() + " socket errors)");
                progress.say(notes.get(notes.size() - 1));
                return null;
            }
            Figures.Latency latency = new Figures.Latency(s.rate(), s.latencySeconds(), rate.requests(), failed,
                    rate.requests() / rate.seconds(), rate.at(50), rate.at(90), rate.at(99), rate.at(99.9), rate.maxMillis(),
                    rate.distribution());
            progress.say(String.format(Locale.ROOT, "at %.0f req/s (%d connections pausing %d ms): p50 %.2f ms, p99 %.2f ms, "
                    + "p99.9 %.2f ms, %d failed", latency.achievedRate(), connections, pauseMillis, latency.p50Millis(),
                    latency.p99Millis(), latency.p999Millis(), failed));
            return latency;
        } catch (IOException | RuntimeException e) {
            notes.add("latency failed: " + e.getMessage());
            return null;
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // temporary file
                }
            }
        }
    }

    private Figures.Attack attack(ServerProcess process, String kind, Figures.Settings s, List<String> notes)
            throws InterruptedException {
        boolean headers = kind.equals("slowloris");
        int connections = s.attackConnections();
        int seconds = headers ? s.slowlorisSeconds() : s.slowBodySeconds();
        Path stats;
        try {
            stats = Files.createTempFile("ferry-compare-slow-", "");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of("slowhttptest", headers ? "-H" : "-B", "-c", Integer.toString(connections),
                "-r", Integer.toString(Math.max(50, connections / 2)), "-i", "3", "-l", Integer.toString(seconds),
                "-p", "2", "-x", "24", "-g", "-o", stats.toString()));
        if (!headers) {
            command.addAll(List.of("-s", "65536"));
        }
        command.addAll(List.of("-u", "http://127.0.0.1:" + process.port + (headers ? s.path() : s.postPath())));
        CompletableFuture<Tools.Result> tool = CompletableFuture.supplyAsync(
                () -> Tools.run(Tools.pinned(s.loadCpu(), command), seconds + 30L), Compare::thread);
        Thread.sleep(2500);
        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Probe.Outcome> probes = CompletableFuture.supplyAsync(
                () -> Probe.repeat(process.port, s.path(), 2000, 250, running), Compare::thread);
        Tools.Result result = tool.join();
        running.set(false);
        Probe.Outcome outcome = probes.join();
        Parsers.SlowTest slow = null;
        Parsers.Closing closing = null;
        try {
            slow = Parsers.slowhttptest(result.output());
            Path csv = Path.of(stats + ".csv");
            if (Files.exists(csv)) {
                closing = Parsers.closing(Files.readString(csv), connections,
                        slow.allClosed() && slow.endedSecond() >= 0 ? slow.endedSecond() : null);
            } else {
                notes.add(kind + ": slowhttptest wrote no statistics; closing times not measured");
            }
        } catch (IllegalArgumentException | IOException e) {
            notes.add(kind + ": slowhttptest output not understood: " + e.getMessage());
        } finally {
            for (String suffix : List.of("", ".csv", ".html")) {
                try {
                    Files.deleteIfExists(Path.of(stats + suffix));
                } catch (IOException ignored) {
                    // temporary file
                }
            }
        }
        double[] sorted = outcome.millis().stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Double p50 = sorted.length == 0 ? null : Parsers.percentile(sorted, 50);
        Double max = sorted.length == 0 ? null : sorted[sorted.length - 1];
        Double half = closing == null ? null : closing.halfSeconds();
        Double most = closing == null ? null : closing.mostSeconds();
        progress.say(String.format(Locale.ROOT, "%d of %d probes served%s; attack connections at the end: %s open, %s closed;"
                        + " half closed by the server after %s s, nine tenths after %s s",
                outcome.probes() - outcome.failures(), outcome.probes(),
                p50 == null ? "" : String.format(Locale.ROOT, " (median %.1f ms, max %.1f ms)", p50, max),
                slow == null ? "?" : slow.connected(), slow == null ? "?" : slow.closed(),
                half == null ? "never" : String.format(Locale.ROOT, "%.0f", half),
                most == null ? "never" : String.format(Locale.ROOT, "%.0f", most)));
        return new Figures.Attack(kind, connections, seconds, outcome.probes(), outcome.failures(), p50, max,
                slow == null ? null : slow.connected(), slow == null ? null : slow.closed(),
                slow == null ? null : slow.errors(), slow == null ? 0 : slow.reportsUnavailable(),
                slow == null ? "exit " + result.exitCode() : slow.exitStatus(), half, most);
    }

    private Figures.Hardening hardening(String server, String classPath, List<String> notes) {
        try {
            Path output = Files.createTempFile("ferry-compare-hardening-", ".json");
            try {
                Tools.Result result = Tools.run(List.of(ServerProcess.javaExecutable(), "-Xmx256m", "-cp", classPath,
                        HardeningRun.class.getName(), server, output.toString()), 240);
                if (result.exitCode() != 0 || Files.size(output) == 0) {
                    notes.add("hardening tier did not complete (exit " + result.exitCode() + "): "
                            + result.output().lines().limit(5).toList());
                    return null;
                }
                Figures.Hardening figures = mapper().readValue(output.toFile(), Figures.Hardening.class);
                progress.say(String.format(Locale.ROOT, "hardening: %d passed, %d failed, %d skipped in %.0f s",
                        figures.passed(), figures.failed(), figures.skipped(), figures.seconds()));
                return figures;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            notes.add("hardening tier failed: " + e.getMessage());
            return null;
        }
    }

    private static Figures.Target withHardening(Figures.Target t, Figures.Hardening hardening) {
        return new Figures.Target(t.name(), t.server(), t.execution(), t.production(), t.startupMillis(), t.idleRssMiB(),
                t.idleThreads(), t.load(), t.latency(), t.slowloris(), t.slowBody(), hardening, t.footprint(),
                t.serverLogErrors(), t.notes());
    }

    private List<String> targets() {
        List<String> available = Ferry.installed().stream().map(ServerProvider::name).toList();
        if (options.containsKey("targets")) {
            List<String> asked = Arrays.stream(options.get("targets").split(",")).map(String::trim)
                    .filter(t -> !t.isEmpty()).toList();
            for (String target : asked) {
                if (!available.contains(server(target))) {
                    throw new IllegalArgumentException("target " + target + ": no server '" + server(target)
                            + "' on the class path; available: " + available);
                }
            }
            return asked;
        }
        List<String> order = List.of("dev", "undertow", "netty", "tomcat");
        List<String> targets = new ArrayList<>();
        List<ServerProvider> providers = new ArrayList<>(Ferry.installed());
        providers.sort((a, b) -> Integer.compare(rank(order, a.name()), rank(order, b.name())));
        for (ServerProvider provider : providers) {
            targets.add(provider.name());
            targets.add(provider.name() + "-io");
        }
        return targets;
    }

    /** Runs a task on a thread of its own: the common pool may have a single thread on a small machine. */
    private static void thread(Runnable task) {
        Thread thread = new Thread(task, "compare-worker");
        thread.setDaemon(true);
        thread.start();
    }

    private static int rank(List<String> order, String name) {
        int index = order.indexOf(name);
        return index < 0 ? order.size() : index;
    }

    /** The paths a protocol's ratios load: both hello paths over plain HTTP/1.1, /plaintext otherwise. */
    private static List<String> ratioPaths(Protocol protocol) {
        return protocol == Protocol.H1 ? List.of("/plaintext", "/json") : List.of("/plaintext");
    }

    /**
     * The ratios to measure, as {raw, Ferry target, protocol}: for h1 every pair of {@link #RAW_PAIRS}; for the
     * other protocols the pairs with TLS and HTTP/2 (not the dev server) in Ferry's default mode, unless
     * {@code --ratio-targets} names the Ferry targets. A protocol whose tool is missing is skipped with a note.
     */
    private List<String[]> ratioPairs() {
        List<String> available = Ferry.installed().stream().map(ServerProvider::name).toList();
        List<String> only = options.containsKey("ratio-targets")
                ? Arrays.stream(options.get("ratio-targets").split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList()
                : null;
        List<String[]> pairs = new ArrayList<>();
        for (String label : options.getOrDefault("protocols", PROTOCOLS).split(",")) {
            Protocol protocol = Protocol.of(label);
            if (!has(protocol.tool())) {
                runNotes.add("ratios over " + protocol.label() + " not measured: " + protocol.tool() + " is missing ("
                        + missingTools.get(protocol.tool()) + ")");
                continue;
            }
            for (var pair : RAW_PAIRS) {
                boolean wanted = only != null ? only.contains(pair.getValue())
                        : protocol == Protocol.H1 || AbRatio.serverAndMode(pair.getValue())[1] == null;
                if (!wanted || protocol != Protocol.H1 && server(pair.getValue()).equals("dev")) {
                    continue;
                }
                boolean raw = present(AbRatio.rawMain(pair.getKey()));
                boolean ferry = available.contains(server(pair.getValue()));
                if (raw && ferry) {
                    pairs.add(new String[] {pair.getKey(), pair.getValue(), protocol.label()});
                } else {
                    runNotes.add("ratio " + pair.getValue() + "/" + pair.getKey() + " over " + protocol.label() + " not measured: "
                            + (raw ? "" : AbRatio.rawMain(pair.getKey()) + " is not on the class path ")
                            + (ferry ? "" : "server " + server(pair.getValue()) + " is not on the class path"));
                }
            }
        }
        return pairs;
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Compare.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private Figures.Settings settings() {
        return new Figures.Settings(options.getOrDefault("app", "hello"), options.getOrDefault("path", "/plaintext"),
                options.getOrDefault("post-path", "/echo"),
                options.getOrDefault("jvm", "-Xms256m -Xmx256m -XX:+UseParallelGC"),
                options.getOrDefault("server-cpu", "0"), options.getOrDefault("load-cpu", "1"),
                intOption("connections", 64), intOption("warmup", 3), intOption("seconds", 5), intOption("rate", 1000),
                intOption("latency-seconds", 5), intOption("attack-connections", 200),
                intOption("slowloris-seconds", (int) ServerConfig.defaults().requestHeaderTimeout().toSeconds() + 10),
                intOption("slow-body-seconds", (int) ServerConfig.defaults().bodyReadTimeout().toSeconds() + 15));
    }

    private int intOption(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
    }

    private boolean has(String tool) {
        return !missingTools.containsKey(tool);
    }

    static String appMain(String app) {
        return app.equals("hello") ? AbRatio.HELLO : app;
    }

    static String server(String target) {
        return AbRatio.serverAndMode(target)[0];
    }

    private Path root() {
        String configured = System.getProperty("compare.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        return dir == null ? Path.of("").toAbsolutePath() : dir;
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The JSON mapper for run files: indented, tolerant of fields a later version adds. */
    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Parses {@code --name value} pairs; an option followed by another option or nothing is a flag. */
    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "'\n" + USAGE);
            }
            String name = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                options.put(name, args[++i]);
            } else {
                options.put(name, "true");
            }
        }
        return options;
    }

}
