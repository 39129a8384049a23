package dev.ferry.bench.upload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The upload bar: for each server named in the arguments (default: dev undertow netty tomcat), starts
 * {@link UploadApp} in its own JVM with {@code -Xmx64m}, streams a multipart body holding one field and
 * one 1 GiB file part over a socket, and checks the answer: the part's size and SHA-256 as stored in
 * its temporary file equal what was sent, the heap peak stays under 64 MiB, and the temporary
 * directory is empty afterwards. Exits 1 when a check fails.
 *
 * <pre>
 * ./mvnw -pl bench -am package -DskipTests
 * java -cp bench/target/ferry-bench.jar dev.ferry.bench.upload.UploadBar [servers...] [--size BYTES]
 * </pre>
 */
public final class UploadBar {

    static final String BOUNDARY = "----FerryUploadBar0123456789";
    static final long HEAP_BAR = 64L * 1024 * 1024;

    private UploadBar() {
    }

    /** Runs the bar on the servers named in the arguments. */
    public static void main(String[] args) throws Exception {
        List<String> servers = new ArrayList<>();
        long size = 1L << 30;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--size")) {
                size = Long.parseLong(args[++i]);
            } else {
                servers.add(args[i]);
            }
        }
        if (servers.isEmpty()) {
            servers = List.of("dev", "undertow", "netty", "tomcat");
        }
        boolean ok = true;
        for (String server : servers) {
            ok &= run(server, size);
        }
        System.exit(ok ? 0 : 1);
    }

    static boolean run(String server, long size) throws Exception {
        Path temp = Files.createTempDirectory("ferry-upload-bar-");
        Path log = Files.createTempFile("ferry-upload-bar-" + server + "-", ".log");
        String javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(javaExecutable, "-Xmx64m", "-Dferry.server=" + server,
                "-cp", System.getProperty("java.class.path"), UploadApp.class.getName(), temp.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            String line;
            while ((line = out.readLine()) != null) {
                Files.writeString(log, line + "\n", StandardOpenOption.APPEND);
                if (line.startsWith("READY ")) {
                    port = Integer.parseInt(line.substring(6).trim());
                    break;
                }
            }
            if (port < 0) {
                System.out.println(server + ": the app did not start; see " + log);
                return false;
            }
            Thread.ofPlatform().daemon().start(() -> drain(out, log));
            try {
                return upload(server, port, size, temp);
            } catch (IOException e) {
                System.out.println(server + " FAIL: " + e + "; the server's output is in " + log);
                return false;
            }
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            try (Stream<Path> left = Files.list(temp)) {
                if (left.findAny().isEmpty()) {
                    Files.delete(temp);
                }
            }
        }
    }

    static boolean upload(String server, int port, long size, Path temp) throws Exception {
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nbig upload\r\n--" + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        long length = head.length + size + tail.length;
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long started = System.nanoTime();
        String answer;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY
                    + "\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(head);
            // pseudo-random content: 1 MiB windows of an 8 MiB random pool at a different offset each time,
            // so that no two blocks are alike and generating them costs nothing
            byte[] pool = new byte[8 << 20];
            new Random(42).nextBytes(pool);
            int window = 1 << 20;
            long block = 0;
            for (long sent = 0; sent < size; block++) {
                int offset = (int) (block * 1_048_573 % (pool.length - window));
                int n = (int) Math.min(window, size - sent);
                sha.update(pool, offset, n);
                out.write(pool, offset, n);
                sent += n;
            }
            out.write(tail);
            out.flush();
            InputStream in = socket.getInputStream();
            answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        String expected = HexFormat.of().formatHex(sha.digest());
        Matcher part = Pattern.compile("part file size=(\\d+) file=(-?\\d+) sha256=([0-9a-f]+)").matcher(answer);
        Matcher heap = Pattern.compile("peakHeapBytes=(\\d+)").matcher(answer);
        boolean ok = answer.startsWith("HTTP/1.1 200") && part.find() && heap.find()
                && Long.parseLong(part.group(1)) == size && Long.parseLong(part.group(2)) == size
                && part.group(3).equals(expected) && Long.parseLong(heap.group(1)) < HEAP_BAR;
        Matcher receive = Pattern.compile("receiveMillis=(\\d+)").matcher(answer);
        Matcher checksum = Pattern.compile("checksumMillis=(\\d+)").matcher(answer);
        String serverTimes = receive.find() && checksum.find()
                ? String.format(" (server: %.1f s to receive, parse and store, %.1f s more to checksum the stored file)",
                        Long.parseLong(receive.group(1)) / 1000.0,
                        (Long.parseLong(checksum.group(1)) - Long.parseLong(receive.group(1))) / 1000.0)
                : "";
        boolean clean;
        try (Stream<Path> left = Files.list(temp)) {
            clean = left.findAny().isEmpty();
        }
        System.out.printf("%-9s %s: %,d bytes in %.1f s (%.0f MiB/s), server -Xmx64m, heap peak %s, stored size %s, sha256 %s, temp dir %s%n",
                server, ok && clean ? "PASS" : "FAIL", length, seconds, length / seconds / (1 << 20),
                safeGroup(heap, 1, v -> String.format("%.1f MiB", Long.parseLong(v) / 1048576.0)),
                safeGroup(part, 2, v -> v), safeGroup(part, 3, v -> v.equals(expected) ? "matches" : "DIFFERS"),
                clean ? "empty afterwards" : "NOT EMPTY");
        System.out.println("          " + serverTimes.strip());
        if (!ok) {
            System.out.println(answer.length() > 2000 ? answer.substring(0, 2000) : answer);
        }
        return ok && clean;
    }

    private static String safeGroup(Matcher matcher, int group, java.util.function.Function<String, String> format) {
        try {
            return format.apply(matcher.group(group));
        } catch (IllegalStateException e) {
            return "?";
        }
    }

    private static void drain(BufferedReader out, Path log) {
        try {
            String line;
            while ((line = out.readLine()) != null) {
                Files.writeString(log, line + "\n", StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}
