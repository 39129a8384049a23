package dev.ferry.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Measures what each server adds to an app: its module's jar and its runtime dependencies beyond
 * ferry-core, resolved by Maven for that module alone ({@code dependency:build-classpath}).
 */
final class Footprint {

    static final String OUTPUT = "target/ferry-runtime-classpath.txt";

    private Footprint() {
    }

    /** Returns the module directory of a server by the project's naming: server-dev, adapter-NAME. */
    static String module(String server) {
        return server.equals("dev") ? "server-dev" : "adapter-" + server;
    }

    /**
     * Resolves the runtime class path of each server's module with one offline Maven run from the
     * project root, and returns the footprint per server; servers whose module is not found are left out.
     */
    static Map<String, Figures.Footprint> measure(Path root, List<String> servers, List<String> notes) {
        Map<String, Figures.Footprint> result = new LinkedHashMap<>();
        List<String> modules = new ArrayList<>();
        for (String server : servers) {
            if (Files.isRegularFile(root.resolve(module(server)).resolve("pom.xml"))) {
                modules.add(module(server));
            } else {
                notes.add("size of " + server + " not measured: no module " + module(server) + " under " + root);
            }
        }
        if (modules.isEmpty()) {
            return result;
        }
        Path wrapper = root.resolve("mvnw");
        List<String> command = List.of(wrapper.toString(), "-q", "-o", "-f", root.resolve("pom.xml").toString(),
                "-pl", String.join(",", modules), "-am", "dependency:build-classpath",
                "-Dmdep.outputFile=" + OUTPUT, "-DincludeScope=runtime");
        Tools.Result run = Tools.run(command, 240);
        if (run.exitCode() != 0) {
            notes.add("sizes not measured: " + String.join(" ", command) + " failed: "
                    + run.output().lines().limit(5).reduce("", (a, b) -> a + " " + b).trim());
            return result;
        }
        for (String server : servers) {
            Path module = root.resolve(module(server));
            Path classPath = module.resolve(OUTPUT);
            if (!Files.isRegularFile(classPath)) {
                continue;
            }
            try {
                List<Path> entries = new ArrayList<>();
                ownArtifact(module).ifPresent(entries::add);
                for (String entry : Files.readString(classPath).trim().split(java.io.File.pathSeparator)) {
                    if (!entry.isBlank()) {
                        entries.add(Path.of(entry));
                    }
                }
                result.put(server, of(entries));
            } catch (IOException e) {
                notes.add("size of " + server + " not measured: " + e.getMessage());
            }
        }
        return result;
    }

    /** Sums the entries that are not ferry-core: jars by their size, class directories by their files. */
    static Figures.Footprint of(List<Path> entries) throws IOException {
        long bytes = 0;
        List<String> files = new ArrayList<>();
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (name.startsWith("ferry-core") || entry.toString().contains("framework-core")) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                try (Stream<Path> walk = Files.walk(entry)) {
                    bytes += walk.filter(Files::isRegularFile).mapToLong(Footprint::size).sum();
                }
            } else if (Files.isRegularFile(entry)) {
                bytes += Files.size(entry);
            } else {
                continue;
            }
            files.add(name);
        }
        return new Figures.Footprint(files.size(), bytes, files);
    }

    private static java.util.Optional<Path> ownArtifact(Path module) throws IOException {
        Path target = module.resolve("target");
        if (!Files.isDirectory(target)) {
            return java.util.Optional.empty();
        }
        try (Stream<Path> list = Files.list(target)) {
            java.util.Optional<Path> jar = list.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("ferry-") && n.endsWith(".jar") && !n.endsWith("-sources.jar") && !n.endsWith("-javadoc.jar");
            }).findFirst();
            if (jar.isPresent()) {
                return jar;
            }
        }
        Path classes = target.resolve("classes");
        return Files.isDirectory(classes) ? java.util.Optional.of(classes) : java.util.Optional.empty();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
