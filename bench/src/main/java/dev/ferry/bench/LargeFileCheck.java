package dev.ferry.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Shows that a large file streams out of a server whose heap is far smaller than the file: for each
 * server it creates a sparse file (1 GiB by default, with an 8-byte marker every 64 MiB and at the
 * end, so it fills no disk), starts {@link StaticFilesApp} on that server in a JVM of its own with
 * {@code -Xmx64m -XX:+ExitOnOutOfMemoryError}, downloads the file through a socket counting and
 * checking every byte, then asks for a range near the end, and reports the time and the server's peak
 * resident memory.
 *
 * <pre>
 * java -cp bench/target/ferry-bench.jar dev.ferry.bench.LargeFileCheck [--servers dev,undertow,netty,tomcat] [--mib 1024] [--heap 64m]
 * </pre>
 */
public final class LargeFileCheck {

    private static final long MARK_EVERY = 64L * 1024 * 1024;
    private static final long DEADLINE_SECONDS = 60;

    private LargeFileCheck() {
    }

    /** What one server did. */
    public record Result(String server, long bytes, long millis, long peakRssKib, String heap) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-9s %,d bytes checked in %.1f s (%.0f MiB/s) with %s, server peak RSS %,d KiB",
                    server, bytes, millis / 1000.0, bytes / 1048576.0 / (millis / 1000.0), heap, peakRssKib);
        }
    }

    /** Runs the check on each server named, printing one line per server; exits 1 when one fails. */
    public static void main(String[] args) throws Exception {
        String servers = "dev,undertow,netty,tomcat";
        long mib = 1024;
        String heap = "64m";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--servers" -> servers = args[i + 1];
                case "--mib" -> mib = Long.parseLong(args[i + 1]);
                case "--heap" -> heap = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        boolean failed = false;
        for (String server : servers.split(",")) {
            try {
                System.out.println(check(server, mib * 1024 * 1024, heap, System.getProperty("java.class.path")));
            } catch (IOException | AssertionError | IllegalStateException e) {
                failed = true;
                System.out.println(server + " FAILED: " + e.getMessage());
            }
        }
        System.exit(failed ? 1 : 0);
    }

    /**
     * Serves a sparse file of {@code size} bytes from {@code server} in a JVM with this maximum heap,
     * started with this class path, downloads and checks it.
     *
     * @throws AssertionError when a byte, the length or the range is wrong
     * @throws IllegalStateException when the server exits (such as on an OutOfMemoryError) or is too slow
     */
    public static Result check(String server, long size, String heap, String classPath) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ferry-large-");
        Path file = dir.resolve("large.bin");
        Path log = dir.resolve("server.log");
        Process process = null;
        try {
            try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
                sparse.setLength(size);
                for (long at : marks(size)) {
                    sparse.seek(at);
                    sparse.writeLong(at);
                }
            }
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-Dferry.server=" + server, "-Dferry.port=" + port,
                    "-Dferry.host=127.0.0.1", "-Dbench.static.dir=" + dir, "-cp", classPath, StaticFilesApp.class.getName()));
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            awaitListening(process, port, deadline, log);
            long start = System.nanoTime();
            long checked = download(port, size, deadline);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            checkRange(port, size, deadline);
            if (!process.isAlive()) {
                throw new IllegalStateException(server + " exited: " + Files.readString(log));
            }
            return new Result(server, checked, millis, peakRss(process.pid()), "-Xmx" + heap);
        } finally {
            if (process != null) {
                AbRatio.stop(process);
            }
            Files.deleteIfExists(file);
            Files.deleteIfExists(log);
            Files.deleteIfExists(dir);
        }
    }

    private static List<Long> marks(long size) {
        List<Long> marks = new ArrayList<>();
        for (long at = 0; at + 8 <= size; at += MARK_EVERY) {
            marks.add(at);
        }
        if (size >= 8) {
            marks.add(size - 8);
        }
        return marks;
    }

    /** Returns the byte the sparse file holds at this position. */
    private static byte expected(long position, long size) {
        long block = position - position % MARK_EVERY;
        long base = position - block < 8 ? block : position >= size - 8 ? size - 8 : -1;
        if (base < 0 || base + 8 > size) {
            return 0;
        }
        return (byte) (base >>> (8 * (7 - (position - base))));
    }

    private static void awaitListening(Process process, int port, long deadline, Path log) throws IOException, InterruptedException {
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited: " + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("the server did not listen in time: " + Files.readString(log));
    }

    private static long download(int port, long size, long deadline) throws IOException {
        try (Socket socket = open(port, deadline)) {
            send(socket, "GET /static/large.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            InputStream in = socket.getInputStream();
            String head = head(in);
            require(head.startsWith("HTTP/1.1 200"), "status 200: " + head);
            require(head.toLowerCase(Locale.ROOT).contains("\r\ncontent-length: " + size + "\r\n"), "Content-Length " + size + ": " + head);
            return body(in, 0, size, size, deadline);
        }
    }

    private static void checkRange(int port, long size, long deadline) throws IOException {
        long from = size - MARK_EVERY / 2 - 3;
        try (Socket socket = open(port, deadline)) {
            send(socket, "GET /static/large.bin HTTP/1.1\r\nHost: localhost\r\nRange: bytes=" + from + "-\r\nConnection: close\r\n\r\n");
            InputStream in = socket.getInputStream();
            String head = head(in);
            require(head.startsWith("HTTP/1.1 206"), "status 206: " + head);
            // the JDK's server sends field names as "Content-range"
            require(head.toLowerCase(Locale.ROOT).contains("\r\ncontent-range: bytes " + from + "-" + (size - 1) + "/" + size + "\r\n"),
                    "Content-Range: " + head);
            body(in, from, size - from, size, deadline);
        }
    }

    private static Socket open(int port, long deadline) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout((int) Math.max(1000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        return socket;
    }

    private static void send(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed in the head: " + head);
            }
            head.append((char) b);
            require(head.length() < 16384, "a head under 16 KiB");
        }
        return head.toString();
    }

    /** Reads {@code count} bytes that should be the file's from {@code from}, checking each; returns the count. */
    private static long body(InputStream in, long from, long count, long size, long deadline) throws IOException {
        byte[] buffer = new byte[1 << 20];
        long position = from;
        long end = from + count;
        while (position < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("slower than " + DEADLINE_SECONDS + " s: " + (position - from) + " of " + count + " bytes");
            }
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, end - position));
            if (n < 0) {
                throw new EOFException("the body ended after " + (position - from) + " of " + count + " bytes");
            }
            for (int i = 0; i < n; i++) {
                byte want = expected(position + i, size);
                if (buffer[i] != want) {
                    throw new AssertionError("byte " + (position + i) + " is " + buffer[i] + ", not " + want);
                }
            }
            position += n;
        }
        require(in.read() < 0, "nothing after the body");
        return count;
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("expected " + what);
        }
    }

    /** Returns the peak resident set of a process in KiB ({@code VmHWM}), or -1 where /proc is not there. */
    static long peakRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }
}
