package dev.ferry.testkit;

import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Replays one corpus of raw requests, well-formed and malformed, against servers and compares what
 * they answer after normalising what may legitimately differ: the Date header, the order of
 * differently named headers and the reason phrase (optional in HTTP/1.1). Each case runs on its own
 * connection and records every response, then whether the server closed the connection.
 *
 * <pre>{@code
 * List<BehaviourDiff.Outcome> outcomes = providers.stream().map(BehaviourDiff::run).toList();
 * BehaviourDiff.Report report = BehaviourDiff.compare(outcomes);
 * Files.writeString(Path.of("target/behaviour-diff.md"), report.text());
 * }</pre>
 */
public final class BehaviourDiff {

    private static final String H = "Host: localhost\r\n";

    private BehaviourDiff() {
    }

    /**
     * One raw exchange of the corpus.
     *
     * @param name a short name
     * @param request the exact bytes to send, one character per octet
     * @param responses how many responses a conforming server sends before it closes or waits
     */
    public record Case(String name, String request, int responses) {
    }

    /**
     * What one server answered to each case.
     *
     * @param server the server's name
     * @param production whether it is a production server
     * @param answers the normalised answer of each case, by case name, in corpus order
     */
    public record Outcome(String server, boolean production, Map<String, String> answers) {
    }

    /**
     * The comparison of several outcomes.
     *
     * @param text a readable Markdown report
     * @param productionDifferences the cases on which two production servers differ, with their answers
     * @param devDifferences the cases on which the dev server differs from the production servers
     */
    public record Report(String text, List<String> productionDifferences, List<String> devDifferences) {
    }

    /** Returns the settings the corpus assumes: the hardening tier's small limits. */
    public static ServerConfig config() {
        return ServerConfig.builder().host("127.0.0.1").port(0).maxRequestLine(1024).maxHeaderBytes(4096)
                .maxHeaderCount(32).maxRequestBody(64 * 1024).requestHeaderTimeout(Duration.ofSeconds(3))
                .idleTimeout(Duration.ofSeconds(5)).shutdownGrace(Duration.ofMillis(500)).build();
    }

    /** Returns the corpus. */
    public static List<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("get", "GET /hello HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("head", "HEAD /hello HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("head of a streamed body", "HEAD /stream-bytes/5000 HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("not found", "GET /nothing HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("method not allowed", "DELETE /hello HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("unknown method", "BREW /hello HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("options", "OPTIONS /method HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("extension method", "PURGE /method HTTP/1.1\r\n" + H + "Content-Length: 0\r\n\r\n", 1));
        cases.add(new Case("post", "POST /echo HTTP/1.1\r\n" + H + "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", 1));
        cases.add(new Case("post chunked", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n1;x=y\r\n!\r\n0\r\nX-T: 1\r\n\r\n", 1));
        cases.add(new Case("pipelined", "GET /path/a HTTP/1.1\r\n" + H + "\r\nHEAD /hello HTTP/1.1\r\n" + H
                + "\r\nGET /path/b HTTP/1.1\r\n" + H + "\r\n", 3));
        cases.add(new Case("connection close", "GET /hello HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n", 1));
        cases.add(new Case("http/1.0", "GET /hello HTTP/1.0\r\n\r\n", 1));
        cases.add(new Case("http/1.0 streamed", "GET /stream-bytes/100 HTTP/1.0\r\n\r\n", 1));
        cases.add(new Case("query", "GET /query?a=1&b=x+y&c=%E2%82%AC&a=2 HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("encoded slash", "GET /path/a%2Fb HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("non-ascii path", "GET /path/%C3%A9t%C3%A9 HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("absolute form", "GET http://localhost/hello HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("mounted", "GET /admin/users/7 HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("headers", "GET /headers HTTP/1.1\r\n" + H + "X-A: 1\r\nx-a: 2\r\n\r\n", 1));
        cases.add(new Case("cookies", "GET /cookies HTTP/1.1\r\n" + H + "Cookie: session=abc; theme=dark\r\n\r\n", 1));
        cases.add(new Case("no content", "GET /no-content HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("not modified", "GET /not-modified HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("empty body", "GET /empty HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("known length", "GET /bytes/100 HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("unknown length", "GET /stream-bytes/100 HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("handler exception", "GET /fail HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("http exception", "GET /refuse/403 HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("unread body", "POST /ignore HTTP/1.1\r\n" + H + "Content-Length: 10\r\n\r\n0123456789"
                + "GET /hello HTTP/1.1\r\n" + H + "\r\n", 2));
        cases.add(new Case("bad escape in path", "GET /path/%zz HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("request line too long", "GET /hello?q=" + "a".repeat(2048) + " HTTP/1.1\r\n" + H + "\r\n", 1));
        cases.add(new Case("header too large", "GET /hello HTTP/1.1\r\n" + H + "X-Big: " + "b".repeat(5000) + "\r\n\r\n", 1));
        cases.add(new Case("too many headers", "GET /hello HTTP/1.1\r\n" + H + "X-H: v\r\n".repeat(40) + "\r\n", 1));
        cases.add(new Case("body too large", "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 1000000\r\n\r\n", 1));
        cases.add(new Case("content-length and chunked", "POST /echo HTTP/1.1\r\n" + H
                + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 1));
        cases.add(new Case("duplicate content-length", "POST /echo HTTP/1.1\r\n" + H
                + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 1));
        cases.add(new Case("invalid content-length", "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 5x\r\n\r\nhello", 1));
        cases.add(new Case("unknown transfer coding", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: bogus\r\n\r\nhello", 1));
        cases.add(new Case("bare LF", "GET /hello HTTP/1.1\n" + H.replace("\r\n", "\n") + "\n", 1));
        cases.add(new Case("bare CR", "GET /hello HTTP/1.1\r\n" + H + "X-A: 1\r2\r\n\r\n", 1));
        cases.add(new Case("obs-fold", "GET /hello HTTP/1.1\r\n" + H + "X-A: 1\r\n 2\r\n\r\n", 1));
        cases.add(new Case("space before colon", "GET /hello HTTP/1.1\r\nHost : localhost\r\n\r\n", 1));
        cases.add(new Case("missing host", "GET /hello HTTP/1.1\r\n\r\n", 1));
        cases.add(new Case("duplicate host", "GET /hello HTTP/1.1\r\n" + H + "Host: other\r\n\r\n", 1));
        cases.add(new Case("bad chunk size", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 1));
        cases.add(new Case("chunk extension too long", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n5;"
                + "e".repeat(16000) + "\r\nhello\r\n0\r\n\r\n", 1));
        cases.add(new Case("malformed request line", "GET /hello\r\n" + H + "\r\n", 1));
        cases.add(new Case("http/2.0 version", "GET /hello HTTP/2.0\r\n" + H + "\r\n", 1));
        cases.add(new Case("garbage", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003\r\n\r\n", 1));
        return cases;
    }

    /** Starts the conformance app on the provider's server, replays the corpus and stops the server. */
    public static Outcome run(ServerProvider provider) {
        ConformanceApp app = new ConformanceApp();
        Server server = provider.start(app.handler(), config());
        try {
            return new Outcome(provider.name(), provider.production(), replay(server.port(), corpus()));
        } finally {
            app.releaseAll();
            server.stop(Duration.ofMillis(500));
        }
    }

    /** Replays the cases against a server on 127.0.0.1 and returns each normalised answer. */
    public static Map<String, String> replay(int port, List<Case> cases) {
        Map<String, String> answers = new LinkedHashMap<>();
        for (Case c : cases) {
            answers.put(c.name(), replay(port, c));
        }
        return answers;
    }

    private static String replay(int port, Case c) {
        StringBuilder answer = new StringBuilder();
        try (RawClient client = RawClient.connect(port).timeout(Duration.ofSeconds(5))) {
            client.send(c.request());
            boolean head = c.request().startsWith("HEAD ");
            for (int i = 0; i < c.responses(); i++) {
                boolean thisHead = head || c.name().equals("pipelined") && i == 1;
                RawResponse response;
                try {
                    response = client.read(thisHead);
                    while (response.interim()) {
                        response = client.read(thisHead);
                    }
                } catch (SocketTimeoutException e) {
                    return answer.append("no response within 5 s").toString();
                } catch (IOException e) {
                    return answer.append(answer.isEmpty() ? "closed without a response" : "closed").toString();
                }
                answer.append(normalise(response)).append('\n');
            }
            boolean closed = client.closedWithin(Duration.ofMillis(300));
            byte[] extra = client.discarded();
            if (extra.length > 0) {
                answer.append("then sent ").append(extra.length).append(" more bytes: ")
                        .append(printable(new String(extra, 0, Math.min(80, extra.length), StandardCharsets.ISO_8859_1))).append('\n');
            }
            answer.append(closed ? "then closed" : "then kept open");
        } catch (IOException e) {
            answer.append("connection failed: ").append(e.getClass().getSimpleName());
        }
        return answer.toString();
    }

    /** Returns the response as text without what may legitimately differ between servers. */
    public static String normalise(RawResponse response) {
        StringBuilder text = new StringBuilder().append(response.status());
        List<Map.Entry<String, String>> fields = new ArrayList<>(response.fields());
        fields.removeIf(field -> field.getKey().equalsIgnoreCase("Date"));
        fields.sort(Comparator.comparing(field -> field.getKey().toLowerCase(Locale.ROOT)));
        for (Map.Entry<String, String> field : fields) {
            text.append(" | ").append(field.getKey().toLowerCase(Locale.ROOT)).append(": ").append(field.getValue());
        }
        text.append(" | ").append(response.framing().name().toLowerCase(Locale.ROOT));
        if (response.body().length > 0) {
            String body = new String(response.body(), StandardCharsets.UTF_8);
            text.append(" | body ").append(response.body().length).append(" bytes: ")
                    .append(printable(body.length() > 60 ? body.substring(0, 60) + "..." : body));
        }
        return text.toString();
    }

    /**
     * Compares outcomes case by case: a difference between two production servers is a failure, one
     * between the dev server and the production servers is reported.
     */
    public static Report compare(List<Outcome> outcomes) {
        List<String> production = new ArrayList<>();
        List<String> dev = new ArrayList<>();
        StringBuilder text = new StringBuilder("# Behaviour diff\n\nServers: ");
        outcomes.forEach(o -> text.append(o.server()).append(o.production() ? " (production) " : " (development) "));
        text.append("\n\nEach case is sent on a new connection; answers are normalised (no Date, headers sorted by name,"
                + " no reason phrase). Settings: ").append(config()).append("\n\n");
        Set<String> names = new LinkedHashSet<>();
        outcomes.forEach(o -> names.addAll(o.answers().keySet()));
        Map<String, Case> cases = new LinkedHashMap<>();
        corpus().forEach(c -> cases.put(c.name(), c));
        for (String name : names) {
            Set<String> productionAnswers = new LinkedHashSet<>();
            Set<String> allAnswers = new LinkedHashSet<>();
            for (Outcome o : outcomes) {
                String answer = o.answers().get(name);
                allAnswers.add(answer);
                if (o.production()) {
                    productionAnswers.add(answer);
                }
            }
            String verdict = productionAnswers.size() > 1 ? "PRODUCTION SERVERS DIFFER"
                    : allAnswers.size() > 1 ? "dev server differs" : "same";
            if (productionAnswers.size() > 1) {
                production.add(name);
            } else if (allAnswers.size() > 1) {
                dev.add(name);
            }
            text.append("## ").append(name).append(" - ").append(verdict).append("\n\n```\n");
            Case c = cases.get(name);
            if (c != null) {
                String request = printable(c.request());
                text.append("> ").append(request.length() > 200 ? request.substring(0, 200) + "..." : request).append('\n');
            }
            for (Outcome o : outcomes) {
                text.append(o.server()).append(":\n  ").append(o.answers().get(name).replace("\n", "\n  ")).append('\n');
            }
            text.append("```\n\n");
        }
        String summary = "Cases: " + names.size() + "; production servers differ on " + production.size() + production
                + "; the dev server differs on " + dev.size() + dev + "\n\n";
        int at = text.indexOf("Servers: ");
        text.insert(at, summary);
        return new Report(text.toString(), List.copyOf(production), List.copyOf(dev));
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            switch (c) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                default -> out.append(c < 0x20 || c >= 0x7F ? String.format("\\x%02X", (int) c) : String.valueOf(c));
            }
        }
        return out.toString();
    }
}
