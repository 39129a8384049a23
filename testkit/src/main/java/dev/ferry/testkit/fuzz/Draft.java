package dev.ferry.testkit.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * One request under construction, kept in pieces (every separator and line ending its own string) so
 * that a mutation can change exactly one byte sequence of the wire form. Text is one char per octet.
 */
final class Draft {

    /** A Content-Length value that renders as the length of the rendered body. */
    static final String LENGTH = "\u0000length\u0000";

    enum Framing { NONE, LENGTH, CHUNKED }

    static final class Field {
        String name;
        String colon = ":";
        String before = " ";
        String value;
        String after = "";
        String end = "\r\n";

        Field(String name, String value) {
            this.name = name;
            this.value = value;
        }

        boolean is(String other) {
            return name.equalsIgnoreCase(other);
        }

        String render(String length) {
            return name + colon + before + value.replace(LENGTH, length) + after + end;
        }
    }

    static final class Chunk {
        String size;
        String ext = "";
        String end = "\r\n";
        String data;
        String dataEnd = "\r\n";

        Chunk(String data) {
            this.data = data;
            this.size = Integer.toHexString(data.length());
        }

        String render() {
            return size + ext + end + data + dataEnd;
        }
    }

    String prefix = "";
    String method = "GET";
    String sp1 = " ";
    String target = "/";
    String sp2 = " ";
    String version = "HTTP/1.1";
    String lineEnd = "\r\n";
    final List<Field> fields = new ArrayList<>();
    String headEnd = "\r\n";
    Framing framing = Framing.NONE;
    /** The body of a LENGTH or NONE framing. */
    String content = "";
    final List<Chunk> chunks = new ArrayList<>();
    /** The last chunk's line, without its line ending; null leaves the last chunk and trailers out. */
    String last = "0";
    String lastEnd = "\r\n";
    final List<Field> trailers = new ArrayList<>();
    String trailersEnd = "\r\n";
    String suffix = "";
    final List<UnaryOperator<String>> headEdits = new ArrayList<>();

    Field field(String name) {
        for (Field field : fields) {
            if (field.is(name)) {
                return field;
            }
        }
        return null;
    }

    Field add(String name, String value) {
        Field field = new Field(name, value);
        fields.add(field);
        return field;
    }

    void remove(String name) {
        fields.removeIf(field -> field.is(name));
    }

    /** Returns a random field, adding one when there is none. */
    Field anyField(Dice dice) {
        if (fields.isEmpty()) {
            return add("X-Fuzz", "1");
        }
        return dice.pick(fields);
    }

    /** Replaces the body and its framing headers. */
    void body(String data, Framing framing, Dice dice) {
        remove("Content-Length");
        remove("Transfer-Encoding");
        this.framing = framing;
        chunks.clear();
        trailers.clear();
        content = "";
        switch (framing) {
            case NONE -> content = data;
            case LENGTH -> {
                content = data;
                add("Content-Length", LENGTH);
            }
            case CHUNKED -> {
                add("Transfer-Encoding", "chunked");
                int at = 0;
                while (at < data.length()) {
                    int size = Math.min(data.length() - at, dice.between(1, 64));
                    chunks.add(new Chunk(data.substring(at, at + size)));
                    at += size;
                }
            }
        }
    }

    /** Makes the body chunked, with content, keeping what is there. */
    void chunked(Dice dice) {
        if (framing != Framing.CHUNKED) {
            body(content.isEmpty() ? "hello, chunked world" : content, Framing.CHUNKED, dice);
            if (method.equals("GET") || method.equals("HEAD")) {
                method = "POST";
            }
        }
        if (chunks.isEmpty()) {
            chunks.add(new Chunk("hello"));
        }
    }

    /** Makes the body Content-Length framed, with content, keeping what is there. */
    void sized(Dice dice) {
        if (framing != Framing.LENGTH) {
            body(content.isEmpty() ? chunkData() : content, Framing.LENGTH, dice);
            if (method.equals("GET") || method.equals("HEAD")) {
                method = "POST";
            }
        }
        if (content.isEmpty()) {
            content = "hello";
        }
    }

    /** Makes the body Content-Length framed and returns its Content-Length field, adding one if a mutation took it away. */
    Field lengthField(Dice dice) {
        sized(dice);
        Field field = field("Content-Length");
        return field != null ? field : add("Content-Length", LENGTH);
    }

    /** Makes the body chunked and returns its Transfer-Encoding field, adding one if a mutation took it away. */
    Field codingField(Dice dice) {
        chunked(dice);
        Field field = field("Transfer-Encoding");
        return field != null ? field : add("Transfer-Encoding", "chunked");
    }

    private String chunkData() {
        StringBuilder data = new StringBuilder();
        chunks.forEach(chunk -> data.append(chunk.data));
        return data.isEmpty() ? "hello" : data.toString();
    }

    String body() {
        if (framing != Framing.CHUNKED) {
            return content;
        }
        StringBuilder out = new StringBuilder();
        chunks.forEach(chunk -> out.append(chunk.render()));
        if (last != null) {
            out.append(last).append(lastEnd);
            trailers.forEach(field -> out.append(field.render("0")));
            out.append(trailersEnd);
        }
        return out.toString();
    }

    String render() {
        String body = body();
        String length = Integer.toString(body.length());
        StringBuilder head = new StringBuilder(prefix).append(method).append(sp1).append(target).append(sp2).append(version)
                .append(lineEnd);
        fields.forEach(field -> head.append(field.render(length)));
        head.append(headEnd);
        String text = head.toString();
        for (UnaryOperator<String> edit : headEdits) {
            text = edit.apply(text);
        }
        return text + body + suffix;
    }

    static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
