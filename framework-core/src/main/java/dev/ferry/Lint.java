package dev.ferry;

import dev.ferry.internal.Fields;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A filter for development and tests that checks every response a handler returns and fails loudly
 * on what would be undefined or silently altered on the wire: a body on 1xx, 204 or 304, a
 * Content-Length that does not match the body, hop-by-hop headers set by the app, and header names or
 * values a server could not send. Servers would drop or rewrite such responses; the lint turns them
 * into a {@link Violation} that names the request and every problem found.
 *
 * <pre>{@code
 * Handler app = Lint.lint().then(router);
 * }</pre>
 */
public final class Lint {

    private static final List<String> HOP_BY_HOP = List.of("keep-alive", "transfer-encoding", "upgrade", "te", "trailer");

    private final boolean strictHead;

    private Lint(boolean strictHead) {
        this.strictHead = strictHead;
    }

    /**
     * Returns the lint filter. It lets a HEAD response carry a body, because the router answers HEAD
     * with the GET route and the server sends only the body's length; use {@link #strict()} for apps
     * that answer HEAD themselves and must never build a body for it.
     */
    public static Filter lint() {
        return new Lint(false)::wrap;
    }

    /** Returns the lint filter that also rejects any body on a HEAD response. */
    public static Filter strict() {
        return new Lint(true)::wrap;
    }

    /** Thrown when a handler returned a response that cannot be sent as it is. */
    public static final class Violation extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        /** Creates a violation with the request and the problems found. */
        public Violation(String message) {
            super(message);
        }
    }

    /**
     * Returns every problem with this response to a request of this method, or an empty list. The
     * body's length is compared with Content-Length only when it is known before sending.
     */
    public static List<String> check(Method method, Response response) {
        return new Lint(false).problems(method, response);
    }

    private Handler wrap(Handler next) {
        return request -> {
            Response response = next.handle(request);
            if (response == null) {
                throw new Violation(request + ": the handler returned no response");
            }
            List<String> problems = problems(request.method(), response);
            if (!problems.isEmpty()) {
                throw new Violation(request + " -> " + response.status() + ": " + String.join("; ", problems));
            }
            return guardLength(request, response);
        };
    }

    private List<String> problems(Method method, Response response) {
        List<String> problems = new ArrayList<>();
        Status status = response.status();
        Body body = response.body();
        Headers headers = response.headers();
        if (status.code() < 200) {
            problems.add("a handler cannot answer with an interim status " + status.code());
        }
        boolean noBodyStatus = status.forbidsBody();
        if (noBodyStatus && !(body instanceof Body.Empty)) {
            problems.add("status " + status.code() + " must not have a body, but has " + body);
        }
        if (strictHead && method.equals(Method.HEAD) && !(body instanceof Body.Empty)) {
            problems.add("a HEAD response must not have a body, but has " + body);
        }
        headers.forEach((name, value) -> {
            String problem = Fields.problem(name, value);
            if (problem != null) {
                problems.add(problem);
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || lower.startsWith("proxy-")) {
                problems.add("hop-by-hop header " + name + " is the server's to set");
            } else if (lower.equals("connection") && !value.trim().equalsIgnoreCase("close")) {
                problems.add("Connection: " + Fields.printable(value) + " is the server's to set; an app may only ask for 'close'");
            }
        });
        List<String> lengths = headers.all("Content-Length");
        if (lengths.size() > 1) {
            problems.add("Content-Length is set " + lengths.size() + " times");
        } else if (lengths.size() == 1) {
            String text = lengths.get(0).trim();
            long declared = -1;
            if (!text.isEmpty() && text.length() < 19 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                declared = Long.parseLong(text);
            } else {
                problems.add("Content-Length '" + Fields.printable(lengths.get(0)) + "' is not a number of bytes");
            }
            if (status.code() == 204 || status.code() < 200) {
                problems.add("status " + status.code() + " must not have a Content-Length");
            } else if (declared >= 0 && body.length() >= 0 && !noBodyStatus && !method.equals(Method.HEAD)
                    && body.length() != declared) {
                problems.add("Content-Length " + declared + " does not match the body's " + body.length() + " bytes");
            }
        }
        return problems;
    }

    /** Checks a declared Content-Length against a body whose length is only known once it is written. */
    private static Response guardLength(Request request, Response response) {
        String header = response.headers().firstOrNull("Content-Length");
        Body body = response.body();
        if (header == null || body.length() >= 0 || request.method().equals(Method.HEAD)
                || response.status().forbidsBody()) {
            return response;
        }
        long declared = Long.parseLong(header.trim());
        String where = request + " -> " + response.status();
        if (body instanceof Body.Streamed streamed) {
            return response.withBody(Body.streamed(out -> {
                Counting counting = new Counting(out);
                streamed.writer().writeTo(counting);
                counting.check(declared, where);
            }));
        }
        if (body instanceof Body.Stream) {
            return response.withBody(Body.streamed(out -> {
                Counting counting = new Counting(out);
                try (InputStream in = body.stream()) {
                    in.transferTo(counting);
                }
                counting.check(declared, where);
            }));
        }
        return response;
    }

    private static final class Counting extends FilterOutputStream {
        private long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            count += length;
        }

        void check(long declared, String where) {
            if (count != declared) {
                throw new Violation(where + ": Content-Length " + declared + " does not match the "
                        + count + " bytes written");
            }
        }
    }
}
