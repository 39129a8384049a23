package dev.ferry.testkit;

import dev.ferry.server.Server;
import dev.ferry.spi.ServerProvider;
import dev.ferry.testkit.fuzz.FuzzApp;
import dev.ferry.testkit.fuzz.Fuzzer;
import dev.ferry.testkit.fuzz.Text;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A differential fuzzer for HTTP/2 requests: it takes a sound request (a GET, or a POST with a body), applies one to
 * three mutations where HTTP/2 parsers differ (field names and values with forbidden octets, pseudo-header fields
 * repeated, dropped, misplaced or unknown, connection fields, odd methods, targets, schemes and authorities, Host
 * fields, Content-Length forms, bodies split or followed by trailers), sends it on a new h2c connection to every
 * server running {@link FuzzApp} under {@link Fuzzer#config()}, and compares what each did: refused it (4xx, 5xx from
 * the server, RST_STREAM, GOAWAY or a close) or served it, with the app's account of what it saw.
 *
 * <pre>{@code
 * Http2Fuzzer.Report report = Http2Fuzzer.run(providers, gaps, 600, seed);
 * assertTrue(report.unexplained().isEmpty(), report.text());
 * }</pre>
 */
public final class Http2Fuzzer {

    private static final Duration REPLY_WAIT = Duration.ofSeconds(3);
    /** Cases in flight at once, each on every server at once, as the HTTP/1.1 fuzzer runs them. */
    private static final int PARALLELISM = 12;

    private Http2Fuzzer() {
    }

    /**
     * A difference known and explained: cases whose mutations include {@code kind} and on which {@code server} alone
     * answers apart from the others. A random run need not meet it, so a run cannot tell a gap gone stale: list here
     * only what a conformance test lists in {@code knownGaps()}, where a stale gap fails.
     *
     * @param server the server that answers differently
     * @param kind a mutation tag, such as {@code host.unlike}; a family such as {@code host} covers its tags
     * @param reason why
     */
    public record Gap(String server, String kind, String reason) {

        boolean covers(Difference difference) {
            String apart = difference.outcomes().get(server);
            List<String> others = difference.outcomes().entrySet().stream().filter(e -> !e.getKey().equals(server))
                    .map(Map.Entry::getValue).distinct().toList();
            return apart != null && others.size() == 1 && !others.getFirst().equals(apart)
                    && difference.tags().stream().anyMatch(tag -> tag.equals(kind) || tag.startsWith(kind + "."));
        }
    }

    /**
     * One case on which the servers did not agree: its seed, its mutations, each server's outcome, and whether they
     * disagreed again each time the case was sent once more.
     */
    public record Difference(long seed, List<String> tags, String request, Map<String, String> outcomes, boolean steady) {

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("seed " + seed + " " + tags + "\n  " + request);
            outcomes.forEach((server, outcome) -> text.append("\n  ").append(server).append(": ").append(outcome));
            return text.toString();
        }
    }

    /**
     * What a run found: the cases run, the differences that no gap explains, how many each gap explains, and the
     * differences that did not show again when their case was sent twice more (reported, not failed: a server slow
     * to answer under the run's load, or a race worth a look).
     */
    public record Report(int cases, long seed, List<Difference> unexplained, Map<Gap, Integer> explained,
                         List<Difference> unsteady) {

        /** Returns a readable account: a summary line, the gaps met, then the first 40 unexplained differences. */
        public String text() {
            StringBuilder text = new StringBuilder(cases + " HTTP/2 cases from seed " + seed + ": " + unexplained.size()
                    + " unexplained differences, " + explained.values().stream().mapToInt(Integer::intValue).sum()
                    + " explained by known gaps");
            explained.forEach((gap, n) -> text.append("\n").append(gap.server()).append(" apart on ").append(gap.kind())
                    .append(" (").append(n).append(" cases): ").append(gap.reason()));
            unexplained.stream().limit(40).forEach(d -> text.append("\n").append(d));
            if (!unsteady.isEmpty()) {
                text.append("\n").append(unsteady.size()).append(" differences did not show again:");
                unsteady.stream().limit(10).forEach(d -> text.append("\n").append(d));
            }
            return text.toString();
        }
    }

    /** A request: its header fields in order, its body (null: END_STREAM on HEADERS), how many DATA frames, trailers. */
    private static final class Draft {
        final List<String[]> fields = new ArrayList<>();
        String body;
        int frames = 1;
        List<String> trailers;
        /** How the frames go: null for plain frames, else a {@code frame.*} tag. */
        String framing;
        final List<String> tags = new ArrayList<>();

        String[] flat() {
            String[] flat = new String[fields.size() * 2];
            for (int i = 0; i < fields.size(); i++) {
                flat[2 * i] = fields.get(i)[0];
                flat[2 * i + 1] = fields.get(i)[1];
            }
            return flat;
        }

        int index(String name) {
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i)[0].equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        void set(String name, String value) {
            int at = index(name);
            if (at >= 0) {
                fields.get(at)[1] = value;
            } else {
                fields.add(new String[] {name, value});
            }
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder();
            for (String[] field : fields) {
                text.append(Text.brief(field[0], 40)).append(": ").append(Text.brief(field[1], 80)).append(" | ");
            }
            text.append(body == null ? "no body" : "body " + body.length() + " in " + frames + " DATA");
            if (trailers != null) {
                text.append(" + trailers ").append(trailers);
            }
            if (framing != null) {
                text.append(" as ").append(framing);
            }
            return text.toString();
        }
    }

    /**
     * Starts every provider's server with the fuzzer's app and settings, runs this many cases from the seed, stops
     * the servers and returns what differed.
     */
    public static Report run(List<ServerProvider> providers, List<Gap> gaps, int cases, long seed) throws Exception {
        Map<String, Server> servers = new LinkedHashMap<>();
        try {
            for (ServerProvider provider : providers) {
                servers.put(provider.name(), provider.start(FuzzApp.handler(), Fuzzer.config()));
            }
            List<Difference> unexplained = new ArrayList<>();
            List<Difference> unsteady = new ArrayList<>();
            Map<Gap, Integer> explained = new LinkedHashMap<>();
            try (ExecutorService executor = Executors.newFixedThreadPool(PARALLELISM, Thread.ofVirtual().factory())) {
                List<Future<Difference>> results = new ArrayList<>();
                for (int i = 0; i < cases; i++) {
                    long caseSeed = seed + i;
                    results.add(executor.submit(() -> runCase(servers, caseSeed)));
                }
                for (Future<Difference> result : results) {
                    Difference difference = result.get();
                    if (difference != null && !difference.steady()) {
                        unsteady.add(difference);
                    } else if (difference != null) {
                        gaps.stream().filter(gap -> gap.covers(difference)).findFirst().ifPresentOrElse(
                                gap -> explained.merge(gap, 1, Integer::sum), () -> unexplained.add(difference));
                    }
                }
            }
            return new Report(cases, seed, unexplained, explained, unsteady);
        } finally {
            for (Server server : servers.values()) {
                server.stop(Duration.ofMillis(200));
            }
        }
    }

    private static Difference runCase(Map<String, Server> servers, long seed) {
        Draft draft = draft(new Random(seed));
        Map<String, String> outcomes = outcomes(servers, draft);
        if (outcomes.values().stream().distinct().count() == 1) {
            return null;
        }
        boolean steady = true;
        for (int again = 0; again < 2 && steady; again++) {
            steady = outcomes(servers, draft).equals(outcomes);
        }
        return new Difference(seed, List.copyOf(draft.tags), draft.toString(), outcomes, steady);
    }

    private static Map<String, String> outcomes(Map<String, Server> servers, Draft draft) {
        Map<String, String> outcomes = new TreeMap<>();
        servers.forEach((name, server) -> outcomes.put(name, outcome(server.port(), draft)));
        return outcomes;
    }

    /** Sends the draft on a new connection and returns what came of it, in a form equal across servers that agree. */
    private static String outcome(int port, Draft draft) {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            try {
                send(h2, draft);
                if (draft.body != null) {
                    byte[] body = draft.body.getBytes(StandardCharsets.ISO_8859_1);
                    for (int f = 0, at = 0; f < draft.frames; f++) {
                        int end = f == draft.frames - 1 ? body.length : Math.min(body.length, at + body.length / draft.frames);
                        boolean last = f == draft.frames - 1 && draft.trailers == null;
                        byte[] part = java.util.Arrays.copyOfRange(body, at, end);
                        if ("frame.data-padded".equals(draft.framing)) {
                            h2.send(RawH2.DATA, RawH2.PADDED | (last ? RawH2.END_STREAM : 0), 1, padded(part, 5));
                        } else {
                            h2.data(1, part, last);
                        }
                        at = end;
                    }
                    if (draft.trailers != null) {
                        h2.headers(1, true, draft.trailers.toArray(String[]::new));
                    }
                }
            } catch (IOException refusedWhileSending) {
                // the reply tells
            }
            RawH2.Reply reply;
            try {
                reply = h2.reply(1, REPLY_WAIT);
            } catch (AssertionError silent) {
                return "no answer within " + REPLY_WAIT.toSeconds() + " s";
            }
            if (reply.status() >= 200 && reply.header(FuzzApp.HEADER.toLowerCase(Locale.ROOT)).isPresent()) {
                return "served " + reply.status() + " " + reply.text() + (reply.complete() ? "" : " (cut)");
            }
            return reply.status() >= 400 || reply.status() < 0 ? "refused" : "answered " + reply.status();
        } catch (IOException | AssertionError e) {
            return "refused"; // closed or silent: nothing reached a client
        }
    }

    /** Sends the draft's HEADERS (and CONTINUATION) frames, as its framing says. */
    private static void send(RawH2 h2, Draft draft) throws IOException {
        int end = draft.body == null ? RawH2.END_STREAM : 0;
        byte[] block = RawH2.block(draft.flat());
        switch (draft.framing == null ? "" : draft.framing) {
            case "frame.padded" -> h2.send(RawH2.HEADERS, end | RawH2.END_HEADERS | RawH2.PADDED, 1, padded(block, 7));
            case "frame.priority", "frame.priority-self" -> {
                java.nio.ByteBuffer payload = java.nio.ByteBuffer.allocate(5 + block.length);
                payload.putInt(draft.framing.equals("frame.priority-self") ? 1 : 0).put((byte) 15).put(block);
                h2.send(RawH2.HEADERS, end | RawH2.END_HEADERS | RawH2.PRIORITY, 1, payload.array());
            }
            case "frame.continuation" -> {
                int cut = block.length / 2;
                h2.send(RawH2.HEADERS, end, 1, java.util.Arrays.copyOf(block, cut));
                h2.send(RawH2.CONTINUATION, RawH2.END_HEADERS, 1, java.util.Arrays.copyOfRange(block, cut, block.length));
            }
            case "frame.priority-frame" -> {
                h2.send(PRIORITY_FRAME, 0, 1, new byte[] {0, 0, 0, 0, 15});
                h2.send(RawH2.HEADERS, end | RawH2.END_HEADERS, 1, block);
            }
            case "frame.window-update", "frame.window-update-zero" -> {
                h2.send(RawH2.HEADERS, end | RawH2.END_HEADERS, 1, block);
                int increment = draft.framing.equals("frame.window-update-zero") ? 0 : 1;
                h2.send(RawH2.WINDOW_UPDATE, 0, 1, java.nio.ByteBuffer.allocate(4).putInt(increment).array());
            }
            case "frame.empty-data" -> {
                h2.send(RawH2.HEADERS, RawH2.END_HEADERS, 1, block);
                h2.data(1, new byte[0], draft.body == null);
            }
            default -> h2.headers(1, draft.body == null, draft.flat());
        }
    }

    private static final int PRIORITY_FRAME = 2;

    /** Returns the payload of a PADDED frame: the pad length, the bytes, then that many zeros. */
    private static byte[] padded(byte[] bytes, int padding) {
        byte[] payload = new byte[1 + bytes.length + padding];
        payload[0] = (byte) padding;
        System.arraycopy(bytes, 0, payload, 1, bytes.length);
        return payload;
    }

    private static Draft draft(Random random) {
        Draft draft = new Draft();
        boolean post = random.nextBoolean();
        draft.fields.add(new String[] {":method", post ? "POST" : "GET"});
        draft.fields.add(new String[] {":scheme", "http"});
        draft.fields.add(new String[] {":path", "/p" + (random.nextBoolean() ? "?q=1" : "")});
        draft.fields.add(new String[] {":authority", "localhost"});
        draft.fields.add(new String[] {"x-a", "value"});
        if (post) {
            draft.body = "body-" + random.nextInt(1000);
            if (random.nextBoolean()) {
                draft.fields.add(new String[] {"content-length", String.valueOf(draft.body.length())});
            }
        }
        int mutations = 1 + random.nextInt(random.nextInt(4) == 0 ? 3 : 1);
        for (int i = 0; i < mutations; i++) {
            mutate(draft, random);
        }
        return draft;
    }

    private static final String[] NAME_OCTETS = {" ", ":", "\0", "\r", "\n", "\t", "\"", "(", "\u007f", "\u0080", "\u00ff"};
    private static final String[] VALUE_OCTETS = {"\0", "\r", "\n", "\u0001", "\u007f", "\u0080", "\u00ff", " ", "\t"};

    private static <T> T pick(Random random, T[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static String insert(Random random, String text, String octet) {
        int at = switch (random.nextInt(3)) {
            case 0 -> 0;
            case 1 -> text.length();
            default -> text.isEmpty() ? 0 : 1 + random.nextInt(Math.max(1, text.length() - 1));
        };
        return text.substring(0, Math.min(at, text.length())) + octet + text.substring(Math.min(at, text.length()));
    }

    private static void mutate(Draft d, Random random) {
        List<Integer> regular = new ArrayList<>();
        List<Integer> pseudo = new ArrayList<>();
        for (int i = 0; i < d.fields.size(); i++) {
            (d.fields.get(i)[0].startsWith(":") ? pseudo : regular).add(i);
        }
        switch (random.nextInt(21)) {
            case 0 -> {
                if (!regular.isEmpty()) {
                    String[] field = d.fields.get(regular.get(random.nextInt(regular.size())));
                    field[0] = field[0].substring(0, 1).toUpperCase(Locale.ROOT) + field[0].substring(1);
                    d.tags.add("name.upper");
                }
            }
            case 1 -> {
                String octet = pick(random, NAME_OCTETS);
                d.fields.add(new String[] {insert(random, "x-n", octet), "1"});
                d.tags.add("name.octet");
            }
            case 2 -> {
                String octet = pick(random, VALUE_OCTETS);
                d.fields.add(new String[] {"x-v", insert(random, "val", octet)});
                d.tags.add("value.octet");
            }
            case 3 -> {
                if (!pseudo.isEmpty()) {
                    String[] field = d.fields.get(pseudo.get(random.nextInt(pseudo.size())));
                    d.fields.add(pseudo.size(), new String[] {field[0], random.nextBoolean() ? field[1] : field[1] + "x"});
                    d.tags.add("pseudo.repeat");
                }
            }
            case 4 -> {
                if (!pseudo.isEmpty()) {
                    d.fields.remove((int) pseudo.get(random.nextInt(pseudo.size())));
                    d.tags.add("pseudo.drop");
                }
            }
            case 5 -> {
                if (!pseudo.isEmpty()) {
                    d.fields.add(d.fields.remove((int) pseudo.get(random.nextInt(pseudo.size()))));
                    d.tags.add("pseudo.late");
                }
            }
            case 6 -> {
                d.fields.add(pseudo.size(), random.nextBoolean() ? new String[] {":foo", "1"} : new String[] {":status", "200"});
                d.tags.add("pseudo.unknown");
            }
            case 7 -> {
                String[][] fields = {{"connection", "keep-alive"}, {"keep-alive", "5"}, {"proxy-connection", "x"},
                        {"upgrade", "h2c"}, {"te", "gzip"}, {"te", "trailers"}, {"transfer-encoding", "chunked"}};
                String[] field = pick(random, fields);
                d.fields.add(field.clone());
                d.tags.add(field[0].equals("transfer-encoding") ? "connection.te-coding" : "connection.field");
            }
            case 8 -> {
                d.set(":method", pick(random, new String[] {"get", "OPTIONS", "HEAD", "TRACE", "", "GE T", "G(T", "CONNECT",
                        "PRI", "X".repeat(40), "DELETE"}));
                d.tags.add("method");
            }
            case 9 -> {
                d.set(":path", pick(random, new String[] {"*", "", "p", "http://localhost/p", "//p", "/p#f", "/%zz",
                        "/%2e%2e/p", "/p q", "/p\u00e9", "/p?x=1&y", "/a/../b", "/" + "a".repeat(600)}));
                d.tags.add("path");
            }
            case 10 -> {
                d.set(":scheme", pick(random, new String[] {"https", "ftp", "HTTP", ""}));
                d.tags.add("scheme");
            }
            case 11 -> {
                d.set(":authority", pick(random, new String[] {"", "u@localhost", "local host", "localhost:0",
                        "localhost:99999", "[::1]", "localhost.", "LOCALHOST", "a_b", "localhost:8080"}));
                d.tags.add("authority");
            }
            case 12 -> {
                switch (random.nextInt(3)) {
                    case 0 -> {
                        d.fields.add(new String[] {"host", d.index(":authority") >= 0 ? d.fields.get(d.index(":authority"))[1] : "h"});
                        d.tags.add("host.same");
                    }
                    case 1 -> {
                        d.fields.add(new String[] {"host", "other.example"});
                        d.tags.add(d.index(":authority") >= 0 ? "host.unlike" : "host.only");
                    }
                    default -> {
                        d.fields.add(new String[] {"host", "a.example"});
                        d.fields.add(new String[] {"host", random.nextBoolean() ? "a.example" : "b.example"});
                        d.tags.add("host.twice");
                    }
                }
            }
            case 13 -> {
                int length = d.body == null ? 0 : d.body.length();
                String[] values = {"+" + length, "-1", "abc", length + ", " + length, String.valueOf(length + 3),
                        String.valueOf(Math.max(1, length - 2)), "00" + length, "99999999999999999999"};
                int choice = random.nextInt(values.length + 2);
                if (choice == values.length) {
                    d.fields.add(new String[] {"content-length", String.valueOf(length)});
                    d.fields.add(new String[] {"content-length", String.valueOf(length)});
                    d.tags.add("length.repeat");
                } else if (choice == values.length + 1) {
                    d.fields.add(new String[] {"content-length", String.valueOf(length)});
                    d.fields.add(new String[] {"content-length", String.valueOf(length + 1)});
                    d.tags.add("length.two");
                } else {
                    d.set("content-length", values[choice]);
                    d.tags.add(choice == 3 ? "length.repeat" : "length.value");
                }
                if (length == 0) {
                    d.tags.add("length.without-body");
                }
            }
            case 14 -> {
                if (d.body != null) {
                    d.frames = 2 + random.nextInt(3);
                    d.tags.add("body.split");
                }
            }
            case 15 -> {
                if (d.body != null) {
                    List<List<String>> trailers = List.of(List.of("x-t", "1"), List.of("x-t", "1"), List.of(":path", "/x"),
                            List.of("content-length", "5"), List.of("X-T", "1"));
                    d.trailers = trailers.get(random.nextInt(trailers.size()));
                    d.tags.add("trailers");
                }
            }
            case 16 -> {
                d.fields.add(new String[] {"expect", random.nextBoolean() ? "100-continue" : "fancy"});
                d.tags.add("expect");
            }
            case 17 -> {
                d.fields.add(new String[] {"x-long", "v".repeat(600 + random.nextInt(600))});
                d.tags.add("limit.bytes");
            }
            case 18 -> {
                for (int i = 0, n = 8 + random.nextInt(12); i < n; i++) {
                    d.fields.add(new String[] {"x-f" + i, "v"});
                }
                d.tags.add("limit.count");
            }
            case 19 -> {
                d.framing = pick(random, new String[] {"frame.padded", "frame.priority", "frame.priority-self",
                        "frame.continuation", "frame.priority-frame", "frame.window-update", "frame.window-update-zero",
                        "frame.empty-data", "frame.data-padded"});
                d.tags.add(d.framing);
            }
            default -> {
                d.fields.add(new String[] {"cookie", "a=1"});
                d.fields.add(new String[] {"cookie", "b=2"});
                d.tags.add("cookie.split");
            }
        }
    }
}
