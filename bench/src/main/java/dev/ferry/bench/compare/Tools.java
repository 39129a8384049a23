package dev.ferry.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The external programs the comparison drives, found on the PATH or installed from Debian packages when root. */
final class Tools {

    /** The output and exit code of a finished command; exit code -1 when it was stopped at its time limit. */
    record Result(int exitCode, String output) {
    }

    private static final Map<String, String> PACKAGES = new LinkedHashMap<>();

    static {
        PACKAGES.put("taskset", "util-linux");
        PACKAGES.put("wrk", "wrk");
        PACKAGES.put("slowhttptest", "slowhttptest");
        PACKAGES.put("h2load", "nghttp2-client");
        PACKAGES.put("openssl", "openssl");
    }

    private Tools() {
    }

    /**
     * Makes sure every tool is there: installs the missing ones with apt-get when running as root and
     * allowed to, and returns the ones still missing mapped to how to install them.
     */
    static Map<String, String> ensure(boolean install, Progress progress) {
        Map<String, String> missing = new LinkedHashMap<>();
        for (var tool : PACKAGES.entrySet()) {
            if (!present(tool.getKey())) {
                missing.put(tool.getKey(), tool.getValue());
            }
        }
        if (!missing.isEmpty() && install && isRoot()) {
            progress.say("installing " + String.join(" ", missing.values()) + " with apt-get");
            List<String> command = new ArrayList<>(List.of("apt-get", "install", "-y", "-q"));
            command.addAll(new java.util.LinkedHashSet<>(missing.values()));
            Result result = run(command, 300);
            if (result.exitCode() != 0) {
                run(List.of("apt-get", "update", "-q"), 300);
                run(command, 300);
            }
            missing.keySet().removeIf(Tools::present);
        }
        Map<String, String> advice = new LinkedHashMap<>();
        missing.forEach((tool, pkg) -> advice.put(tool, "apt-get install -y " + pkg));
        return advice;
    }

    static boolean present(String tool) {
        return run(List.of("sh", "-c", "command -v " + tool), 10).exitCode() == 0;
    }

    static boolean isRoot() {
        Result id = run(List.of("id", "-u"), 10);
        return id.exitCode() == 0 && id.output().trim().equals("0");
    }

    /** Runs a command to its end or its time limit, with standard error merged into the output. */
    static Result run(List<String> command, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("ferry-compare-", ".out");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
                if (!finished) {
                    process.destroy();
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
                String output = Files.readString(out, StandardCharsets.ISO_8859_1);
                return new Result(finished ? process.exitValue() : -1, output);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    private static Boolean taskset;

    private static synchronized boolean tasksetPresent() {
        if (taskset == null) {
            taskset = present("taskset");
        }
        return taskset;
    }

    /** Prefixes a command with taskset pinning it to the given CPU list, when taskset is there. */
    static List<String> pinned(String cpus, List<String> command) {
        if (cpus == null || cpus.isEmpty() || !tasksetPresent()) {
            return command;
        }
        List<String> full = new ArrayList<>(List.of("taskset", "-c", cpus));
        full.addAll(command);
        return full;
    }
}
