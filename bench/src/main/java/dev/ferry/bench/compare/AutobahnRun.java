package dev.ferry.bench.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Autobahn TestSuite's fuzzing client ({@code wstest -m fuzzingclient}) against
 * {@link WebSocketEchoApp} on each production server, each in its own JVM, and summarises the suite's
 * report as a Markdown table: how many cases had each outcome on each server, and every case whose
 * outcome was not OK or differs between servers.
 *
 * <pre>AutobahnRun [--servers undertow,netty,tomcat] [--cases '*'] [--exclude 9.*] [--wstest wstest] [--out DIR]</pre>
 *
 * <p>Exits with 1 when a case failed on a server (FAILED, WRONG CODE, UNCLEAN or FAILED BY CLIENT) or
 * has no outcome, and with 2 when {@code wstest} cannot be run.
 */
public final class AutobahnRun {

    /** Outcomes in the order the table lists them; the first four fail the run. */
    static final List<String> OUTCOMES = List.of("FAILED", "FAILED BY CLIENT", "WRONG CODE", "UNCLEAN",
            "NON-STRICT", "OK", "INFORMATIONAL", "UNIMPLEMENTED");
    private static final int FAILING = 4;

    private AutobahnRun() {
    }

    /** Runs the suite with the options in {@code args}. */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = Compare.options(args);
        List<String> servers = list(options.getOrDefault("servers", "undertow,netty,tomcat"));
        Path out = Path.of(options.getOrDefault("out", "bench/target/autobahn")).toAbsolutePath();
        String wstest = options.getOrDefault("wstest", "wstest");
        List<String> cases = list(options.getOrDefault("cases", "*"));
        if (!Tools.present(wstest)) {
            System.err.println("wstest not found: install the Autobahn TestSuite (pip install autobahntestsuite, on Python 2.7)"
                    + " or name it with --wstest");
            System.exit(2);
        }
        Files.createDirectories(out);
        ObjectMapper json = new ObjectMapper();
        List<ServerProcess> started = new ArrayList<>();
        int exit;
        try {
            ObjectNode spec = json.createObjectNode();
            spec.put("outdir", out.resolve("reports").toString());
            ArrayNode targets = spec.putArray("servers");
            for (String server : servers) {
                ServerProcess process = ServerProcess.start("autobahn-" + server, WebSocketEchoApp.class.getName(),
                        List.of("-Dferry.server=" + server), System.getProperty("java.class.path"),
                        List.of("-Xmx1g"), null, "/ready");
                started.add(process);
                targets.addObject().put("agent", server).put("url", "ws://127.0.0.1:" + process.port + "/echo");
            }
            cases.forEach(spec.putArray("cases")::add);
            list(options.getOrDefault("exclude", "")).forEach(spec.putArray("exclude-cases")::add);
            spec.putObject("exclude-agent-cases");
            Path specFile = out.resolve("fuzzingclient.json");
            json.writerWithDefaultPrettyPrinter().writeValue(specFile.toFile(), spec);
            Files.deleteIfExists(out.resolve("reports").resolve("index.json"));
            long start = System.nanoTime();
            Process suite = new ProcessBuilder(wstest, "-m", "fuzzingclient", "-s", specFile.toString())
                    .directory(out.toFile()).redirectErrorStream(true).redirectOutput(out.resolve("wstest.log").toFile()).start();
            if (!suite.waitFor(3, TimeUnit.HOURS)) {
                suite.destroyForcibly();
                throw new IllegalStateException("wstest did not finish within 3 hours; see " + out.resolve("wstest.log"));
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            Path index = out.resolve("reports").resolve("index.json");
            if (suite.exitValue() != 0 || !Files.exists(index)) {
                throw new IllegalStateException("wstest exited with " + suite.exitValue() + "; see " + out.resolve("wstest.log"));
            }
            Summary summary = Summary.of(json.readTree(index.toFile()), servers);
            String markdown = summary.markdown(String.join(" ", cases), seconds);
            Files.writeString(out.resolve("summary.md"), markdown);
            System.out.print(markdown);
            System.out.println("\nReport: " + out.resolve("reports").resolve("index.html"));
            exit = summary.passed() ? 0 : 1;
        } finally {
            started.forEach(ServerProcess::close);
        }
        System.exit(exit);
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** The outcome of every case on every server, as read from the suite's {@code index.json}. */
    record Summary(List<String> servers, Map<String, Map<String, String>> outcomes) {

        /**
         * Reads the report. A case's outcome is its behaviour, unless its closing behaviour is a failure
         * while its behaviour is not: a case whose messages were right but whose close was wrong fails.
         */
        static Summary of(JsonNode index, List<String> servers) {
            Map<String, Map<String, String>> outcomes = new TreeMap<>(Summary::byCaseNumber);
            for (String server : servers) {
                JsonNode cases = index.path(server);
                cases.fieldNames().forEachRemaining(id -> {
                    JsonNode result = cases.get(id);
                    String behavior = result.path("behavior").asText();
                    String close = result.path("behaviorClose").asText();
                    boolean closeFailed = OUTCOMES.indexOf(close) >= 0 && OUTCOMES.indexOf(close) < FAILING;
                    boolean behaviorFailed = OUTCOMES.indexOf(behavior) >= 0 && OUTCOMES.indexOf(behavior) < FAILING;
                    outcomes.computeIfAbsent(id, k -> new LinkedHashMap<>())
                            .put(server, closeFailed && !behaviorFailed ? close : behavior);
                });
            }
            return new Summary(servers, outcomes);
        }

        private static int byCaseNumber(String a, String b) {
            String[] x = a.split("\\.");
            String[] y = b.split("\\.");
            for (int i = 0; i < Math.min(x.length, y.length); i++) {
                int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(x.length, y.length);
        }

        /** Returns whether every case ran on every server and none failed there. */
        boolean passed() {
            return outcomes.values().stream().allMatch(byServer -> servers.stream().allMatch(server -> {
                int rank = OUTCOMES.indexOf(byServer.getOrDefault(server, "none"));
                return rank >= FAILING;
            }));
        }

        String markdown(String cases, long seconds) {
            StringBuilder md = new StringBuilder();
            md.append("Autobahn TestSuite, fuzzing client, cases ").append(cases).append(": ").append(outcomes.size())
                    .append(" cases on each server, ").append(seconds).append(" s in all.\n\n");
            md.append("| outcome |");
            servers.forEach(server -> md.append(' ').append(server).append(" |"));
            md.append("\n|---|");
            servers.forEach(server -> md.append("---|"));
            md.append('\n');
            List<String> rows = new ArrayList<>(OUTCOMES);
            rows.add("none");
            for (String outcome : rows) {
                long[] counts = servers.stream().mapToLong(server -> outcomes.values().stream()
                        .filter(byServer -> byServer.getOrDefault(server, "none").equals(outcome)).count()).toArray();
                if (Arrays.stream(counts).sum() == 0) {
                    continue;
                }
                md.append("| ").append(outcome).append(" |");
                Arrays.stream(counts).forEach(count -> md.append(' ').append(count).append(" |"));
                md.append('\n');
            }
            md.append('\n').append(passed() ? "No case failed on any server." : "Some cases failed: see below.").append('\n');
            Map<String, List<String>> notOk = new LinkedHashMap<>();
            outcomes.forEach((id, byServer) -> {
                TreeSet<String> seen = new TreeSet<>(Comparator.comparingInt(OUTCOMES::indexOf));
                servers.forEach(server -> seen.add(byServer.getOrDefault(server, "none")));
                seen.remove("OK");
                seen.remove("INFORMATIONAL");
                seen.remove("UNIMPLEMENTED");
                boolean differs = servers.stream().map(server -> byServer.getOrDefault(server, "none")).distinct().count() > 1;
                if (!seen.isEmpty() || differs) {
                    List<String> cells = new ArrayList<>();
                    servers.forEach(server -> cells.add(byServer.getOrDefault(server, "none")));
                    notOk.put(id, cells);
                }
            });
            if (!notOk.isEmpty()) {
                md.append("\nCases not OK on every server, or with outcomes that differ between servers:\n\n| case |");
                servers.forEach(server -> md.append(' ').append(server).append(" |"));
                md.append("\n|---|");
                servers.forEach(server -> md.append("---|"));
                md.append('\n');
                notOk.forEach((id, cells) -> md.append("| ").append(id).append(" | ").append(String.join(" | ", cells)).append(" |\n"));
            }
            return md.toString();
        }
    }
}
