package dev.ferry.testkit.fuzz;

import dev.ferry.server.ServerConfig;
import dev.ferry.testkit.fuzz.Draft.Chunk;
import dev.ferry.testkit.fuzz.Draft.Field;
import dev.ferry.testkit.fuzz.Draft.Framing;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The mutations, each named by a dotted tag whose first part is its family: what request smuggling and
 * parser bugs live on. Every mutation sets up what it needs (a body, a chunked body), so any subset of
 * a case's mutations still renders, which is what minimisation relies on.
 */
final class Mutators {

    /** Changes a draft, drawing its choices from its own dice. */
    interface Op {
        void apply(Draft draft, Dice dice);
    }

    record Mutator(String tag, Op op) {
    }

    static final String CONTROLS = "\u0000\u0001\u0008\u000b\u000c\u001b\u001f\u007f";

    private final List<Mutator> all = new ArrayList<>();
    private final ServerConfig limits;

    Mutators(ServerConfig limits) {
        this.limits = limits;
        contentLength();
        transferEncoding();
        chunks();
        whitespace();
        letterCase();
        lineEnds();
        limits();
        boundaries();
        pipelining();
        versions();
        targets();
        hosts();
        expectations();
        connections();
        fieldSyntax();
        methods();
        bodies();
    }

    List<Mutator> all() {
        return all;
    }

    private void add(String tag, Op op) {
        all.add(new Mutator(tag, op));
    }

    private void contentLength() {
        add("cl.sign", (d, x) -> {
            d.lengthField(x).value = x.pick("+", "-") + Draft.LENGTH;
        });
        add("cl.zeros", (d, x) -> {
            d.lengthField(x).value = "0".repeat(x.between(1, 3)) + Draft.LENGTH;
        });
        add("cl.padding", (d, x) -> {
            Field field = d.lengthField(x);
            field.before = x.pick("", "  ", "\t", " \t");
            field.after = x.pick("", " ", "\t", " \t ");
        });
        add("cl.inner-space", (d, x) -> {
            d.lengthField(x);
            int length = d.body().length();
            String digits = Integer.toString(length);
            d.lengthField(x).value = digits.length() > 1
                    ? digits.charAt(0) + x.pick(" ", "\t", "_", ",") + digits.substring(1) : digits + " " + digits;
        });
        add("cl.list", (d, x) -> {
            d.lengthField(x);
            int length = d.body().length();
            d.lengthField(x).value = x.pick(length + ", " + length, length + "," + length, length + ", " + (length + 1),
                    (length + 1) + ", " + length, length + ",", "," + length);
        });
        add("cl.duplicate", (d, x) -> {
            d.lengthField(x);
            int length = d.body().length();
            Field second = new Field(x.pick("Content-Length", "content-length"),
                    Integer.toString(x.pick(length, length, length + 1, Math.max(0, length - 1), 0)));
            d.fields.add(x.below(d.fields.size() + 1), second);
        });
        add("cl.empty", (d, x) -> {
            d.lengthField(x).value = x.pick("", " ", "\t");
        });
        add("cl.junk", (d, x) -> {
            d.lengthField(x);
            int length = d.body().length();
            d.lengthField(x).value = x.pick(length + "x", length + ".0", length + ";", length + " x", length + "e0",
                    "0x" + Integer.toHexString(length), length + "\u0000", "\"" + length + "\"", "five", length + "\u00a0");
        });
        add("cl.huge", (d, x) -> {
            d.lengthField(x);
            int length = d.body().length();
            d.lengthField(x).value = x.pick("99999999999999999999", "9223372036854775807", "9223372036854775808",
                    Long.toString(4294967296L + length), "18446744073709551616", "1" + "0".repeat(30));
        });
        add("cl.over", (d, x) -> {
            d.lengthField(x).value = Integer.toString(d.body().length() + x.pick(1, 2, 20, 60, 100));
        });
        add("cl.under", (d, x) -> {
            d.lengthField(x);
            int length = d.body().length();
            d.lengthField(x).value = Integer.toString(x.pick(0, length / 2, Math.max(0, length - 1)));
        });
        add("cl.name", (d, x) -> {
            d.lengthField(x).name = x.pick("content-length", "CONTENT-LENGTH", "Content-length", "cOnTeNt-LeNgTh",
                    "Content_Length", "Content-Length\u000b", "ContentLength", "Content-Lengths", "X-Content-Length");
        });
    }

    private void transferEncoding() {
        add("te.case", (d, x) -> {
            d.codingField(x).value = x.pick("Chunked", "CHUNKED", "cHuNkEd", "chunkeD");
        });
        add("te.padding", (d, x) -> {
            Field field = d.codingField(x);
            field.before = x.pick("", "  ", "\t", " \t");
            field.after = x.pick("", " ", "\t", "\u000b", "\u000c", "\u00a0");
        });
        add("te.list", (d, x) -> {
            d.codingField(x).value = x.pick("chunked, chunked", "gzip, chunked", "chunked, gzip", "identity, chunked",
                    "chunked,", ",chunked", "chunked , identity", "deflate,chunked", "chunked,,", "x, chunked");
        });
        add("te.duplicate", (d, x) -> {
            d.chunked(x);
            String[] pair = x.pick(new String[] {"chunked", "chunked"}, new String[] {"gzip", "chunked"},
                    new String[] {"chunked", "identity"}, new String[] {"identity", "chunked"}, new String[] {"chunked", ""});
            Field first = d.codingField(x);
            first.value = pair[0];
            d.fields.add(d.fields.indexOf(first) + 1, new Field("Transfer-Encoding", pair[1]));
        });
        add("te.unknown", (d, x) -> {
            d.codingField(x).value = x.pick("identity", "gzip", "x-chunked", "chunk", "chunked;q=1.0", "chunked;",
                    "\"chunked\"", "chunked\u0000", "chunked-false", "", "chunked\u00ff", "chunked chunked");
        });
        add("te.with-cl", (d, x) -> {
            d.chunked(x);
            Field length = new Field("Content-Length", x.pick(Draft.LENGTH, "0", "3", "5", "11", "40"));
            d.fields.add(x.below(d.fields.size() + 1), length);
        });
        add("te.http10", (d, x) -> {
            d.chunked(x);
            d.version = "HTTP/1.0";
        });
        add("te.name", (d, x) -> {
            d.codingField(x).name = x.pick("transfer-encoding", "TRANSFER-ENCODING", "Transfer_Encoding",
                    "Transfer-Encoding\u000b", "TransferEncoding", "X-Transfer-Encoding", "Transfer-Encodings");
        });
        add("te.on-get", (d, x) -> {
            d.chunked(x);
            d.method = x.pick("GET", "HEAD", "DELETE", "OPTIONS");
        });
    }

    private void chunks() {
        add("chunk.size-zeros", (d, x) -> {
            d.chunked(x);
            Chunk chunk = x.pick(d.chunks);
            chunk.size = "0".repeat(x.between(1, 20)) + chunk.size;
        });
        add("chunk.size-case", (d, x) -> {
            d.chunked(x);
            Chunk chunk = new Chunk("0123456789abcdefghijklmnopqrstuvwxyz!".repeat(x.between(1, 2)));
            chunk.size = x.percent(50) ? chunk.size.toUpperCase(Locale.ROOT) : chunk.size;
            d.chunks.add(x.below(d.chunks.size() + 1), chunk);
        });
        add("chunk.size-prefix", (d, x) -> {
            d.chunked(x);
            Chunk chunk = x.pick(d.chunks);
            chunk.size = x.pick("0x", "0X", "+", "-", " ", "\t", "x", "\u000b") + chunk.size;
        });
        add("chunk.size-suffix", (d, x) -> {
            d.chunked(x);
            Chunk chunk = x.pick(d.chunks);
            chunk.size = chunk.size + x.pick(" ", "\t", "z", "g", " z", "\u0000", "_", "h", "L", "  ");
        });
        add("chunk.size-overflow", (d, x) -> {
            d.chunked(x);
            Chunk chunk = x.pick(d.chunks);
            // 2^32 or 2^64 plus the real size: a parser that wraps reads the real size
            String hex = Integer.toHexString(chunk.data.length());
            chunk.size = x.pick("1" + "0".repeat(16), "f".repeat(16), "f".repeat(17), "1" + "0".repeat(8 - hex.length()) + hex,
                    "1" + "0".repeat(16 - hex.length()) + hex, "8000000000000000", "7fffffffffffffff");
        });
        add("chunk.size-wrong", (d, x) -> {
            d.chunked(x);
            Chunk chunk = x.pick(d.chunks);
            chunk.size = Integer.toHexString(Math.max(0, chunk.data.length() + x.pick(-2, -1, 1, 2, 30)));
        });
        add("chunk.size-empty", (d, x) -> {
            d.chunked(x);
            x.pick(d.chunks).size = x.pick("", " ", ";a=b");
        });
        add("chunk.ext", (d, x) -> {
            d.chunked(x);
            Chunk chunk = x.pick(d.chunks);
            chunk.ext = x.pick(";a", ";a=b", ";a=\"b c\"", "; a=b", " ;a", ";a=b;c", ";", ";=", ";a=\"unterminated", ";a\tb",
                    ";a=\"\\\"\"", "\t;a", ";a=b ", ";a==b", ";;", ";\u00e9");
        });
        add("chunk.ext-long", (d, x) -> {
            d.chunked(x);
            x.pick(d.chunks).ext = ";" + "e".repeat(x.pick(100, 500, 1100, 5000));
        });
        add("chunk.ext-control", (d, x) -> {
            d.chunked(x);
            x.pick(d.chunks).ext = ";a=" + CONTROLS.charAt(x.below(CONTROLS.length())) + x.pick("", "b");
        });
        add("chunk.ext-line-break", (d, x) -> {
            d.chunked(x);
            x.pick(d.chunks).ext = ";a=" + x.pick("\r", "\n", "\rb", "\nb", "\r\n");
        });
        add("chunk.line-end", (d, x) -> {
            d.chunked(x);
            x.pick(d.chunks).end = x.pick("\n", "\r", "\r\r\n", "\n\r", "", " \r\n", "\r\n\r\n");
        });
        add("chunk.data-end", (d, x) -> {
            d.chunked(x);
            x.pick(d.chunks).dataEnd = x.pick("\n", "\r", "", "xx\r\n", "\r\n\r\n", " \r\n", "\n\r");
        });
        add("chunk.last-missing", (d, x) -> {
            d.chunked(x);
            d.last = null;
        });
        add("chunk.last", (d, x) -> {
            d.chunked(x);
            d.last = x.pick("00", "0000000000000000000", "0x0", " 0", "0 ", "0;a=b", "0;", "0\t", "-0", "+0", "0;" + "e".repeat(600));
        });
        add("chunk.last-end", (d, x) -> {
            d.chunked(x);
            if (x.percent(50)) {
                d.lastEnd = x.pick("\n", "\r", "", "\r\r\n");
            } else {
                d.trailersEnd = x.pick("\n", "\r", "", "\r\r\n", "\r\n\r\n");
            }
        });
        add("chunk.zero-inside", (d, x) -> {
            d.chunked(x);
            Chunk zero = new Chunk("");
            zero.dataEnd = x.pick("", "\r\n");
            d.chunks.add(x.below(d.chunks.size()), zero);
        });
        add("chunk.trailer", (d, x) -> {
            d.chunked(x);
            String[] trailer = x.pick(new String[] {"X-Trailer", "1"}, new String[] {"Content-Length", "5"},
                    new String[] {"Transfer-Encoding", "chunked"}, new String[] {"Host", "other"},
                    new String[] {"X-Trailer ", "1"}, new String[] {"X-Trailer\u0000", "1"}, new String[] {"X-Trailer", "a\u0000b"},
                    new String[] {"Connection", "close"}, new String[] {"", "empty name"});
            d.trailers.add(new Field(trailer[0], trailer[1]));
        });
        add("chunk.trailer-syntax", (d, x) -> {
            d.chunked(x);
            Field field = new Field("X-Trailer", "1");
            switch (x.below(5)) {
                case 0 -> field.end = "\n";
                case 1 -> field.end = "\r";
                case 2 -> field.name = " X-Trailer";
                case 3 -> field.colon = "";
                default -> field.value = "a\r\n b";
            }
            d.trailers.add(field);
        });
        add("chunk.trailer-large", (d, x) -> {
            d.chunked(x);
            if (x.percent(50)) {
                d.trailers.add(new Field("X-Trailer", "t".repeat(limits.maxHeaderBytes() + x.between(-40, 200))));
            } else {
                for (int i = 0, n = limits.maxHeaderCount() + x.between(-1, 3); i < n; i++) {
                    d.trailers.add(new Field("X-T" + i, "1"));
                }
            }
        });
        add("chunk.many", (d, x) -> {
            d.chunked(x);
            StringBuilder data = new StringBuilder();
            d.chunks.forEach(chunk -> data.append(chunk.data));
            d.chunks.clear();
            for (char c : data.toString().toCharArray()) {
                d.chunks.add(new Chunk(String.valueOf(c)));
            }
        });
        add("chunk.over-limit", (d, x) -> {
            d.chunked(x);
            int size = (int) limits.maxRequestBody() + x.pick(-1, 0, 1, 100);
            d.chunks.clear();
            for (int at = 0; at < size; at += 200) {
                d.chunks.add(new Chunk("c".repeat(Math.min(200, size - at))));
            }
        });
    }

    private void whitespace() {
        add("ws.before-colon", (d, x) -> {
            Field field = x.percent(50) ? d.anyField(x) : framingOrHost(d, x);
            field.colon = x.pick(" ", "\t", "  ", "\u000b") + ":";
        });
        add("ws.around-value", (d, x) -> {
            Field field = x.percent(50) ? d.anyField(x) : framingOrHost(d, x);
            field.before = x.pick("", "\t", "   ", " \t ", "\u000b", "\u000c");
            field.after = x.pick("", " ", "\t", "  \t", "\u000b", "\u00a0");
        });
        add("ws.obs-fold", (d, x) -> {
            Field field = x.percent(50) ? d.anyField(x) : framingOrHost(d, x);
            String fold = "\r\n" + x.pick(" ", "\t", "  ");
            int cut = field.value.isEmpty() ? 0 : x.below(field.value.length() + 1);
            field.value = x.percent(30) ? fold + field.value : field.value.substring(0, cut) + fold + field.value.substring(cut);
        });
        add("ws.leading-field", (d, x) -> {
            Field field = d.fields.isEmpty() ? d.add("X-Fuzz", "1") : d.fields.get(0);
            field.name = x.pick(" ", "\t") + field.name;
        });
        add("ws.request-line", (d, x) -> {
            switch (x.below(4)) {
                case 0 -> d.sp1 = x.pick("  ", "\t", " \t", "\u000b", "\u00a0");
                case 1 -> d.sp2 = x.pick("  ", "\t", " \t", "\u000b");
                case 2 -> d.version = d.version + x.pick(" ", "\t", "  ");
                default -> d.method = x.pick(" ", "\t") + d.method;
            }
        });
        add("ws.empty-lines-before", (d, x) -> d.prefix = x.pick("\r\n", "\r\n\r\n", "\n", "\r\n".repeat(x.between(3, 300)), " \r\n"));
    }

    private void letterCase() {
        add("case.method", (d, x) -> d.method = x.percent(50) || d.method.isEmpty() ? Draft.lower(d.method)
                : d.method.charAt(0) + Draft.lower(d.method.substring(1)));
        add("case.version", (d, x) -> d.version = x.pick("http/1.1", "Http/1.1", "hTTP/1.1", "HTTP/1.1".replace('P', 'p')));
        add("case.field-name", (d, x) -> {
            Field field = x.percent(50) ? d.anyField(x) : framingOrHost(d, x);
            field.name = x.percent(50) ? field.name.toUpperCase(Locale.ROOT) : Draft.lower(field.name);
        });
    }

    private void lineEnds() {
        add("eol.request-line", (d, x) -> d.lineEnd = x.pick("\n", "\r", "\r\r\n", "\n\r", " \n"));
        add("eol.field", (d, x) -> (x.percent(50) ? d.anyField(x) : framingOrHost(d, x)).end = x.pick("\n", "\r", "\r\r\n", "\n\r"));
        add("eol.head-end", (d, x) -> d.headEnd = x.pick("\n", "\r", "\r\r\n", "\n\r\n", "\n\n"));
        add("eol.all-lf", (d, x) -> d.headEdits.add(head -> head.replace("\r\n", "\n")));
        add("eol.cr-in-value", (d, x) -> {
            Field field = x.percent(50) ? d.anyField(x) : framingOrHost(d, x);
            int cut = x.below(field.value.length() + 1);
            field.value = field.value.substring(0, cut) + x.pick("\r", "\rX-Injected: 1", "\r\n") + field.value.substring(cut);
        });
        add("eol.lf-in-value", (d, x) -> {
            Field field = x.percent(50) ? d.anyField(x) : framingOrHost(d, x);
            int cut = x.below(field.value.length() + 1);
            field.value = field.value.substring(0, cut) + x.pick("\n", "\nX-Injected: 1") + field.value.substring(cut);
        });
    }

    private void limits() {
        add("limit.request-line", (d, x) -> {
            int line = d.method.length() + d.sp1.length() + d.target.length() + d.sp2.length() + d.version.length();
            int pad = Math.max(4, limits.maxRequestLine() - line + x.pick(-2, -1, 0, 1, 2, 200));
            d.target = d.target + (d.target.contains("?") ? "a".repeat(pad) : "?q=" + "a".repeat(pad - 3));
        });
        add("limit.header-bytes", (d, x) -> {
            int used = 0;
            for (Field field : d.fields) {
                used += field.render("0").length();
            }
            int pad = limits.maxHeaderBytes() - used - "X-Big: \r\n".length() + x.pick(-2, 0, 1, 2, 100, 3000);
            d.add("X-Big", "b".repeat(Math.max(1, pad)));
        });
        add("limit.header-count", (d, x) -> {
            int n = limits.maxHeaderCount() - d.fields.size() + x.pick(-1, 0, 1, 2, 50);
            for (int i = 0; i < n; i++) {
                d.add("X-H" + i, "v");
            }
        });
        add("limit.body", (d, x) -> {
            String data = "b".repeat((int) limits.maxRequestBody() + x.pick(-1, 0, 1, 100));
            d.body(data, x.percent(70) ? Framing.LENGTH : Framing.CHUNKED, x);
            if (d.method.equals("GET") || d.method.equals("HEAD")) {
                d.method = "POST";
            }
        });
        add("limit.declared-body", (d, x) -> {
            d.lengthField(x).value = Long.toString(limits.maxRequestBody() + x.pick(1, 1000, 1_000_000));
        });
    }

    /** Line ends split across the buffer sizes servers and checks read in: the CR as byte 255, 511 or 1023 of the connection. */
    private void boundaries() {
        add("buffer.field-crlf", (d, x) -> {
            int before = d.prefix.length() + d.method.length() + d.sp1.length() + d.target.length() + d.sp2.length()
                    + d.version.length() + d.lineEnd.length();
            int pad = x.pick(256, 512, 1024) - 1 - before - "X-Pad: ".length() + x.pick(0, 0, -1, 1);
            d.fields.add(0, new Field("X-Pad", "p".repeat(Math.max(1, pad))));
        });
        add("buffer.pipelined-crlf", (d, x) -> {
            String line = "GET /second HTTP/1.1";
            d.suffix = line + "\r\nHost: localhost\r\n\r\n" + d.suffix;
            if (d.method.equals("GET") || d.method.equals("HEAD")) {
                d.method = "POST";
            }
            int target = x.pick(256, 512) - 1 + x.pick(0, 0, -1, 1);
            String data = "";
            // the Content-Length's digits grow with the body, so settle in a few steps
            for (int step = 0; step < 4; step++) {
                d.body(data, Framing.LENGTH, x);
                int cr = d.render().indexOf(line + "\r") + line.length();
                data = "b".repeat(Math.max(0, data.length() + target - cr));
            }
            d.body(data, Framing.LENGTH, x);
        });
    }

    private void pipelining() {
        add("pipe.second", (d, x) -> d.suffix = x.pick("GET /second HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "POST /second HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc",
                "POST /second HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                "HEAD /second HTTP/1.1\r\nHost: localhost\r\n\r\n") + d.suffix);
        add("pipe.request-in-body", (d, x) -> {
            String inner = x.pick("GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n",
                    "GET /smuggled HTTP/1.1\r\nHost: localhost\r\nX: ", "POST /smuggled HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n");
            d.body(inner, x.percent(50) ? Framing.LENGTH : Framing.CHUNKED, x);
            if (d.method.equals("GET") || d.method.equals("HEAD")) {
                d.method = "POST";
            }
        });
        add("pipe.junk-after", (d, x) -> d.suffix = x.pick("\r\n", "junk\r\n", "\r\n\r\n", "X", "\u0000", " ") + d.suffix);
    }

    private void versions() {
        add("version.other", (d, x) -> d.version = x.pick("HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "HTTP/1.10", "HTTP/01.1",
                "HTTP/1", "HTTP/1.1.1", "HTTPS/1.1", "HTTP/ 1.1", "HTTP 1.1", "HTTP/3.0", "HTTP/9.9", "HTTP/1.1x", "HTTP/\u0661.\u0661",
                "HTTP/2", "HTTP/1.01", "HTTP/-1.1", "\u0000HTTP/1.1"));
        add("version.missing", (d, x) -> {
            d.sp2 = x.pick("", " ");
            d.version = "";
        });
    }

    private void targets() {
        add("target.absolute", (d, x) -> d.target = x.pick("http://localhost", "http://LOCALHOST:80", "HTTP://localhost",
                "https://localhost", "http://localhost:80", "http://user@localhost", "http://localhost?q", "ftp://localhost")
                + (d.target.startsWith("/") ? d.target : "/"));
        add("target.absolute-other-host", (d, x) -> {
            d.target = "http://" + x.pick("other.example", "127.0.0.1:1", "[::1]", "a b", "") + (d.target.startsWith("/") ? d.target : "/");
        });
        add("target.asterisk", (d, x) -> {
            d.target = "*";
            if (x.percent(60)) {
                d.method = "OPTIONS";
            }
        });
        add("target.escape", (d, x) -> insertInPath(d, x, x.pick("%2F", "%2f", "%5C", "%5c", "%00", "%2e%2e", "%2E%2E/", "%2e",
                "%252F", "%", "%z", "%zz", "%C0%AF", "%e2%82%ac", "%20", "%0a", "%0d%0a", "%7F", "%ff", "%3F", "%23", "%3B")));
        add("target.dots", (d, x) -> d.target = x.pick("/..", "/.", "/a/../b", "/../..", "/./a", "/.%2e/a", "/..;/a", "/a/..",
                "/a/./b/", "/.../a", "/a/%2e%2e/b", "/a\\..\\b", "/..\\a"));
        add("target.empty-segment", (d, x) -> insertInPath(d, x, x.pick("/", "//", "///")));
        add("target.raw-byte", (d, x) -> insertInPath(d, x, x.pick("\\", "\u00e9", "\u0080", "\"", "<", ">", "{", "|", "^", "`",
                "#frag", "\u0000", "\t", "\u007f", "\u00ff", "[", "]", ";a=b", "@", "'")));
        add("target.no-slash", (d, x) -> d.target = x.pick("a/b", "?q", "localhost:80", "//host/path", "", ".", "-", "%2F"));
        add("target.query", (d, x) -> d.target = d.target + x.pick("?a=%zz", "?=&&", "??", "?a=b#c", "?%00", "?a=b?c", "?a=%2F",
                "?a=\u00e9", "?a b", "?a=%", "#?a"));
    }

    private void hosts() {
        add("host.missing", (d, x) -> d.remove("Host"));
        add("host.twice", (d, x) -> {
            if (d.field("Host") == null) {
                d.add("Host", "localhost");
            }
            d.fields.add(x.below(d.fields.size() + 1), new Field(x.pick("Host", "host"), x.pick("localhost", "other.example", "")));
        });
        add("host.value", (d, x) -> {
            Field host = d.field("Host") != null ? d.field("Host") : d.add("Host", "localhost");
            host.value = x.pick("", "a b", "a/b", "a@b", "[::1]", "localhost:", "localhost:99999", "localhost:abc", "_", "a\\b",
                    "x\u00e9", "localhost.", "LOCALHOST", "localhost:80:80", "[::1", "-", "a,b", "%41", "localhost:0");
        });
        add("host.http10", (d, x) -> {
            d.version = "HTTP/1.0";
            if (x.percent(50)) {
                d.remove("Host");
            }
        });
        add("host.absolute-differs", (d, x) -> {
            d.target = "http://" + x.pick("other.example", "localhost:1", "127.0.0.2") + (d.target.startsWith("/") ? d.target : "/");
            if (d.field("Host") == null) {
                d.add("Host", "localhost");
            }
        });
    }

    private void expectations() {
        add("expect.continue", (d, x) -> {
            if (x.percent(80)) {
                if (x.percent(50)) {
                    d.sized(x);
                } else {
                    d.chunked(x);
                }
            }
            d.add("Expect", x.pick("100-continue", "100-Continue", "100-CONTINUE"));
        });
        add("expect.other", (d, x) -> {
            d.sized(x);
            d.add("Expect", x.pick("200-ok", "100-continue, foo", "", "100-continue;a=b", "continue", " 100-continue"));
        });
        add("expect.http10", (d, x) -> {
            d.sized(x);
            d.version = "HTTP/1.0";
            d.add("Expect", "100-continue");
        });
    }

    private void connections() {
        add("conn.close", (d, x) -> d.add("Connection", x.pick("close", "Close", "CLOSE")));
        add("conn.keep-alive", (d, x) -> {
            d.add("Connection", x.pick("keep-alive", "Keep-Alive"));
            if (x.percent(50)) {
                d.version = "HTTP/1.0";
            }
        });
        add("conn.tokens", (d, x) -> d.add("Connection", x.pick("close, keep-alive", "keep-alive, close", "Upgrade", "TE", "x-foo",
                "close, close", ", close", "close,", "Content-Length", "Transfer-Encoding", "Host", "clos", "close;")));
        add("conn.duplicate", (d, x) -> {
            d.add("Connection", x.pick("keep-alive", "close"));
            d.add("Connection", x.pick("close", "keep-alive", "upgrade"));
        });
        add("conn.upgrade", (d, x) -> {
            if (x.percent(50)) {
                d.add("Connection", "Upgrade, HTTP2-Settings");
                d.add("Upgrade", "h2c");
                d.add("HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA");
            } else {
                d.add("Connection", "Upgrade");
                d.add("Upgrade", "websocket");
                d.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
                d.add("Sec-WebSocket-Version", "13");
            }
        });
    }

    private void fieldSyntax() {
        add("field.control", (d, x) -> {
            Field field = x.percent(50) ? d.anyField(x) : framingOrHost(d, x);
            int cut = x.below(field.value.length() + 1);
            field.value = field.value.substring(0, cut) + CONTROLS.charAt(x.below(CONTROLS.length())) + field.value.substring(cut);
        });
        add("field.obs-text", (d, x) -> d.add("X-Text", x.pick("caf\u00e9", "\u0080\u00ff", "\u00c3\u00a9", "a\u00a0b")));
        add("field.bad-name", (d, x) -> d.add(x.pick("X A", "X@A", "X(A)", "X\"A", "X/A", "X[A]", "X{A}", "\u00e9", "X\u0000A", "X=A",
                "X\u007fA", "X,A", "X;A", "X\\A", "X?A"), "1"));
        add("field.no-colon", (d, x) -> {
            Field field = d.add(x.pick("XFOO", "X-Fuzz 1", "Host localhost", "\u0000"), "");
            field.colon = "";
            field.before = "";
        });
        add("field.empty-name", (d, x) -> d.add("", x.pick("value", "")));
        add("field.double-colon", (d, x) -> {
            Field field = x.percent(50) ? d.anyField(x) : framingOrHost(d, x);
            field.colon = x.pick("::", ": :");
        });
    }

    private void methods() {
        add("method.unknown", (d, x) -> d.method = x.pick("BREW", "PURGE", "PROPFIND", "M-SEARCH", "X".repeat(40), "GET2", "A!#$%&'*+.^_`|~"));
        add("method.bad", (d, x) -> d.method = x.pick("G ET", "GET\u0000", "GE(T", "GET/", "G\u00e9T", "", "GET:", "\"GET\"",
                "GE\u007fT", "GET;", "GET,"));
        add("method.special", (d, x) -> {
            switch (x.below(4)) {
                case 0 -> {
                    d.method = "CONNECT";
                    d.target = x.pick("localhost:80", "/", "localhost");
                }
                case 1 -> d.method = "TRACE";
                case 2 -> {
                    // the HTTP/2 preface's request line with fields after it: an HTTP/1.1 request, not the
                    // preface (a connection opening with the preface is HTTP/2, the Http2 tier's subject)
                    d.method = "PRI";
                    d.target = "*";
                    d.version = "HTTP/2.0";
                }
                default -> d.method = x.pick("HEAD", "OPTIONS", "DELETE", "PATCH");
            }
        });
    }

    private void bodies() {
        add("body.unframed", (d, x) -> {
            String data = d.framing == Framing.NONE && !d.content.isEmpty() ? d.content : x.pick("hello", "GET /x HTTP/1.1\r\n\r\n", "\r\n");
            d.body(data, Framing.NONE, x);
        });
        add("body.binary", (d, x) -> {
            StringBuilder data = new StringBuilder();
            for (int i = 0, n = x.between(1, 80); i < n; i++) {
                data.append((char) x.below(256));
            }
            data.append(x.pick("\r\n", "\r\n\r\n", "0\r\n\r\n", ""));
            d.body(data.toString(), x.percent(50) ? Framing.LENGTH : Framing.CHUNKED, x);
        });
    }

    private static Field framingOrHost(Draft d, Dice x) {
        return switch (x.below(3)) {
            case 0 -> d.lengthField(x);
            case 1 -> d.codingField(x);
            default -> d.field("Host") != null ? d.field("Host") : d.add("Host", "localhost");
        };
    }

    private static void insertInPath(Draft d, Dice x, String piece) {
        String target = d.target.startsWith("/") ? d.target : "/";
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        String rest = query < 0 ? "" : target.substring(query);
        int cut = x.between(1, path.length());
        d.target = path.substring(0, cut) + piece + path.substring(cut) + rest;
    }
}
