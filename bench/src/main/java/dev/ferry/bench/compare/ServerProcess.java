package dev.ferry.bench.compare;

import dev.ferry.bench.AbRatio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test in its own JVM, pinned to its CPUs, with its output in a log file: started,
 * timed to its first successful response, sampled through {@code /proc}, and stopped.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern ERROR_LINE = Pattern.compile("(?m)^.*(Exception|Error:|ERROR|SEVERE).*$");

    final String name;
    final int port;
    final Process process;
    final Path log;
    final double startupMillis;

    private ServerProcess(String name, int port, Process process, Path log, double startupMillis) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
        this.startupMillis = startupMillis;
    }

    /**
     * Starts {@code mainClass} with these JVM flags and system properties on a free port and waits for
     * the first 2xx answer to {@code path}; the start-up time runs from launching the JVM to that answer.
     */
    static ServerProcess start(String name, String mainClass, List<String> properties, String classPath,
            List<String> jvmFlags, String cpus, String path) throws IOException, InterruptedException {
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmFlags);
        command.add("-Dferry.port=" + port);
        command.add("-Dferry.host=127.0.0.1");
        command.addAll(properties);
        command.addAll(List.of("-cp", classPath, mainClass));
        Path log = Files.createTempFile("ferry-compare-" + name + "-", ".log");
        long start = System.nanoTime();
        Process process = new ProcessBuilder(Tools.pinned(cpus, command)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = start + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ": " + tail(log));
            }
            if (Probe.get(port, path, 1000) >= 0) {
                double millis = (System.nanoTime() - start) / 1e6;
                return new ServerProcess(name, port, process, log, millis);
            }
            Thread.sleep(5);
        }
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException(name + " did not answer " + path + " within 60 s: " + tail(log));
    }

    /** Returns the resident memory of the server in MiB (VmRSS), or null when /proc cannot tell. */
    Double rssMiB() {
        OptionalLong kib = status("VmRSS");
        return kib.isPresent() ? kib.getAsLong() / 1024.0 : null;
    }

    /** Returns the number of threads of the server process (platform threads), or null. */
    Integer threads() {
        OptionalLong threads = status("Threads");
        return threads.isPresent() ? (int) threads.getAsLong() : null;
    }

    private OptionalLong status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith(field + ":")) {
                    return OptionalLong.of(Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]));
                }
            }
        } catch (IOException | RuntimeException unavailable) {
            // not Linux, or the process is gone
        }
        return OptionalLong.empty();
    }

    /** Counts lines of the server's output that report an exception or an error. */
    int errorLines() {
        try {
            Matcher matcher = ERROR_LINE.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
            int count = 0;
            while (matcher.find()) {
                count++;
            }
            return count;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Returns the last lines the server printed. */
    String tail() {
        return tail(log);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        AbRatio.stop(process);
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temporary file
        }
    }

    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
