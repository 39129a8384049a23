package dev.ferry.dev;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A raw HTTP/1.1 client over one socket: sends bytes as given and parses responses strictly. */
public final class Raw implements AutoCloseable {

    /** A parsed response. */
    public record Reply(String statusLine, List<String[]> headers, byte[] body, boolean chunked) {
        public int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public int count(String name) {
            int n = 0;
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    n++;
                }
            }
            return n;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    public Raw(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public Raw send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public Reply get(String path) throws IOException {
        return send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").read(false);
    }

    /** Reads one response; {@code head} says it answers a HEAD request, so it has no body. */
    public Reply read(boolean head) throws IOException {
        String status = line();
        List<String[]> headers = new ArrayList<>();
        String line;
        while (!(line = line()).isEmpty()) {
            int colon = line.indexOf(':');
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
        }
        Reply shell = new Reply(status, headers, new byte[0], false);
        int code = shell.status();
        if (head || code == 204 || code == 304 || code < 200) {
            return shell;
        }
        String te = shell.header("Transfer-Encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    return new Reply(status, headers, body.toByteArray(), true);
                }
                body.write(in.readNBytes(size));
                if (!line().isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
        }
        String length = shell.header("Content-Length");
        if (length != null) {
            byte[] body = in.readNBytes(Integer.parseInt(length));
            return new Reply(status, headers, body, false);
        }
        return new Reply(status, headers, in.readAllBytes(), false);
    }

    /** Reads one chunk of a chunked body, returning its bytes as text. */
    String chunk() throws IOException {
        int size = Integer.parseInt(line().trim(), 16);
        String text = new String(in.readNBytes(size), StandardCharsets.UTF_8);
        line();
        return text;
    }

    String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("connection closed after: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            line.write(c);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        if (!text.endsWith("\r")) {
            throw new IOException("bare LF in response: " + text);
        }
        return text.substring(0, text.length() - 1);
    }

    /** Returns whether the server closed the connection (EOF or reset) within the timeout. */
    boolean closedWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
