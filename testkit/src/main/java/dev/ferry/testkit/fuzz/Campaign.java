package dev.ferry.testkit.fuzz;

import dev.ferry.server.Server;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** One fuzz run: the servers it started, the cases in flight, and the differences found so far. */
final class Campaign {

    private static final int MINIMISE_BUDGET = 40;
    private static final int MAX_KINDS = 300;

    private final List<Fuzzer.Subject> subjects;
    private final List<KnownGap> gaps;
    private final Fuzzer.Options options;
    private final Grammar grammar = Grammar.create(Fuzzer.config());
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Found> found = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger ran = new AtomicInteger();
    private final LongAdder unsorted = new LongAdder();
    private final LongAdder exchanges = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final Map<String, LongAdder> families = new ConcurrentHashMap<>();
    private volatile RuntimeException failure;

    Campaign(List<Fuzzer.Subject> subjects, List<KnownGap> gaps, Fuzzer.Options options) {
        this.subjects = List.copyOf(subjects);
        this.gaps = List.copyOf(gaps);
        this.options = options;
        if (subjects.stream().map(Fuzzer.Subject::name).distinct().count() != subjects.size()) {
            throw new IllegalArgumentException("subjects need distinct names: " + subjects);
        }
        if (subjects.size() < 2) {
            throw new IllegalArgumentException("a differential run needs at least two servers: " + subjects);
        }
    }

    /** The servers grouped by identical answers, and whether they are production servers that differ or the dev server apart from them. */
    record Verdict(List<List<String>> groups, boolean production) {
    }

    /** One kind of difference found, with its smallest request; counted as more cases show it. */
    private static final class Found {
        final Verdict verdict;
        final FuzzCase minimal;
        final Map<String, Observation> answers;
        final boolean reproduced;
        int cases = 1;

        Found(Verdict verdict, FuzzCase minimal, Map<String, Observation> answers, boolean reproduced) {
            this.verdict = verdict;
            this.minimal = minimal;
            this.answers = answers;
            this.reproduced = reproduced;
        }

        /** Whether a smaller case already found explains this one: same servers apart, and its mutations among this one's. */
        boolean explains(Verdict other, FuzzCase c) {
            List<String> mine = mutations(minimal);
            List<String> theirs = mutations(c);
            return verdict.equals(other) && theirs.containsAll(mine) && (!mine.isEmpty() || theirs.isEmpty());
        }

        private static List<String> mutations(FuzzCase c) {
            List<String> tags = new ArrayList<>(c.steps());
            tags.removeAll(FuzzCase.GRAMMAR_STEPS);
            return tags;
        }
    }

    FuzzReport run() {
        List<Server> started = new ArrayList<>();
        try {
            for (Fuzzer.Subject subject : subjects) {
                Server server = subject.provider().start(FuzzApp.handler(), Fuzzer.config());
                started.add(server);
                ports.put(subject.name(), server.port());
            }
            List<String> stale = witnesses();
            long start = System.nanoTime();
            long deadline = options.timeLimit().isZero() ? Long.MAX_VALUE : start + options.timeLimit().toNanos();
            List<Future<?>> drivers = new ArrayList<>();
            for (int i = 0; i < options.parallelism(); i++) {
                drivers.add(executor.submit(() -> drive(deadline)));
            }
            for (Future<?> driver : drivers) {
                join(driver);
            }
            if (failure != null) {
                throw failure;
            }
            return report(stale, Duration.ofNanos(System.nanoTime() - start));
        } finally {
            started.forEach(server -> server.stop(Duration.ofMillis(200)));
            executor.shutdownNow();
        }
    }

    private void drive(long deadline) {
        try {
            int index;
            while (failure == null && System.nanoTime() < deadline && (index = next.getAndIncrement()) < options.cases()) {
                FuzzCase c = grammar.generate(Dice.caseSeed(options.seed(), index));
                for (String tag : c.steps()) {
                    families.computeIfAbsent(tag.split("\\.")[0], k -> new LongAdder()).increment();
                }
                Map<String, Observation> answers = observe(c.request());
                Verdict verdict = judge(answers);
                if (verdict != null) {
                    record(c, verdict, answers);
                }
                ran.incrementAndGet();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private void record(FuzzCase c, Verdict verdict, Map<String, Observation> first) {
        synchronized (found) {
            for (Found f : found) {
                if (f.explains(verdict, c)) {
                    f.cases++;
                    return;
                }
            }
            if (found.size() >= MAX_KINDS) {
                unsorted.increment();
                return;
            }
        }
        Map<String, Observation> again = observe(c.request());
        retries.add(subjects.size());
        boolean reproduced = verdict.equals(judge(again));
        FuzzCase minimal = c;
        Map<String, Observation> answers = again;
        if (reproduced) {
            int budget = MINIMISE_BUDGET;
            boolean progress = true;
            while (progress && budget > 0) {
                progress = false;
                for (int i = minimal.all().size() - 1; i >= 0 && budget > 0; i--) {
                    if (!minimal.keeps(i)) {
                        continue;
                    }
                    FuzzCase smaller = Grammar.without(minimal, i);
                    if (smaller.request().equals(minimal.request())) {
                        minimal = smaller;
                        continue;
                    }
                    budget--;
                    Map<String, Observation> seen = observe(smaller.request());
                    retries.add(subjects.size());
                    if (verdict.equals(judge(seen))) {
                        minimal = smaller;
                        answers = seen;
                        progress = true;
                    }
                }
            }
        } else {
            answers = first;
        }
        synchronized (found) {
            for (Found f : found) {
                if (f.verdict.equals(verdict) && f.minimal.kind().equals(minimal.kind())) {
                    f.cases++;
                    return;
                }
            }
            found.add(new Found(verdict, minimal, answers, reproduced));
        }
    }

    /** Sends the request with the probe behind it to every server at once. */
    Map<String, Observation> observe(String request) {
        byte[] bytes = (request + Fuzzer.PROBE).getBytes(StandardCharsets.ISO_8859_1);
        Map<String, Future<Observation>> futures = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(ports.keySet());
        for (String name : names.subList(0, names.size() - 1)) {
            int port = ports.get(name);
            futures.put(name, executor.submit(() -> Observation.exchange(port, bytes, options.timeout())));
        }
        String last = names.get(names.size() - 1);
        Observation inline = Observation.exchange(ports.get(last), bytes, options.timeout());
        Map<String, Observation> answers = new LinkedHashMap<>();
        futures.forEach((name, future) -> answers.put(name, join(future)));
        answers.put(last, inline);
        exchanges.add(answers.size());
        answers.values().forEach(answer -> {
            if (answer.end() == Observation.End.TIMEOUT) {
                timeouts.increment();
            }
        });
        return answers;
    }

    /** Returns the difference these answers show, or null when they agree as they must. */
    Verdict judge(Map<String, Observation> answers) {
        Map<String, List<String>> productionKeys = new TreeMap<>();
        Map<String, List<String>> devKeys = new TreeMap<>();
        for (Fuzzer.Subject subject : subjects) {
            String key = answers.get(subject.name()).key(options.exactStatus());
            (subject.production() ? productionKeys : devKeys).computeIfAbsent(key, k -> new ArrayList<>()).add(subject.name());
        }
        if (productionKeys.size() > 1) {
            return verdict(productionKeys, true);
        }
        if (productionKeys.isEmpty()) {
            return null;
        }
        String agreed = productionKeys.keySet().iterator().next();
        List<String> devApart = new ArrayList<>();
        devKeys.forEach((key, names) -> {
            if (!key.equals(agreed)) {
                devApart.addAll(names);
            }
        });
        if (devApart.isEmpty()) {
            return null;
        }
        Map<String, List<String>> groups = new TreeMap<>();
        groups.put(agreed, productionKeys.get(agreed));
        devKeys.forEach((key, names) -> {
            if (!key.equals(agreed)) {
                groups.put(key, names);
            }
        });
        return verdict(groups, false);
    }

    private static Verdict verdict(Map<String, List<String>> byKey, boolean production) {
        List<Map.Entry<String, List<String>>> entries = new ArrayList<>(byKey.entrySet());
        entries.forEach(entry -> entry.getValue().sort(null));
        entries.sort(Comparator.comparing(entry -> entry.getValue().get(0)));
        return new Verdict(entries.stream().map(Map.Entry::getValue).toList(), production);
    }

    private List<String> witnesses() {
        List<String> stale = new ArrayList<>();
        for (KnownGap gap : gaps) {
            boolean named = subjects.stream().anyMatch(s -> s.production() && s.name().equals(gap.server()));
            if (!named) {
                stale.add(gap.server() + " / " + gap.kind() + ": names no production server of this run");
                continue;
            }
            Map<String, Observation> answers = observe(gap.witness());
            Verdict verdict = judge(answers);
            if (verdict == null || !verdict.production() || !gap.apart(verdict.groups())) {
                StringBuilder seen = new StringBuilder();
                answers.forEach((name, answer) -> seen.append("; ").append(name).append(": ").append(answer.text()));
                stale.add(gap.server() + " / " + gap.kind() + ": its witness no longer sets " + gap.server() + " apart ("
                        + gap.reason() + ")" + seen);
            }
        }
        return stale;
    }

    private FuzzReport report(List<String> stale, Duration elapsed) {
        List<FuzzReport.Difference> production = new ArrayList<>();
        List<FuzzReport.Difference> covered = new ArrayList<>();
        List<FuzzReport.Difference> dev = new ArrayList<>();
        List<Found> all;
        synchronized (found) {
            all = new ArrayList<>(found);
        }
        all.sort(Comparator.comparingInt((Found f) -> -f.cases).thenComparing(f -> f.minimal.kind()));
        for (Found f : all) {
            Map<String, String> answers = new LinkedHashMap<>();
            f.answers.forEach((name, answer) -> answers.put(name, answer.text()));
            FuzzReport.Difference difference = new FuzzReport.Difference(f.minimal.kind(), f.verdict.groups(), f.minimal.seed(),
                    f.minimal.request(), answers, f.cases, f.reproduced, "");
            if (!f.verdict.production()) {
                dev.add(difference);
                continue;
            }
            KnownGap gap = gaps.stream().filter(g -> g.covers(difference)).findFirst().orElse(null);
            if (gap == null) {
                production.add(difference);
            } else {
                covered.add(new FuzzReport.Difference(difference.kind(), difference.groups(), difference.seed(), difference.request(),
                        difference.answers(), difference.cases(), difference.reproduced(), gap.server() + " / " + gap.kind()));
            }
        }
        String text = ReportText.write(this, production, covered, dev, stale, elapsed);
        return new FuzzReport(options.seed(), options.cases(), ran.get(), elapsed, production, covered, dev, stale, text);
    }

    List<Fuzzer.Subject> subjects() {
        return subjects;
    }

    Fuzzer.Options options() {
        return options;
    }

    int ran() {
        return ran.get();
    }

    long unsorted() {
        return unsorted.sum();
    }

    /** Returns the exchanges made in all, those made again to reproduce and minimise, and those that reached the timeout. */
    long[] exchanges() {
        return new long[] {exchanges.sum(), retries.sum(), timeouts.sum()};
    }

    Map<String, Long> families() {
        Map<String, Long> counts = new TreeMap<>();
        families.forEach((family, count) -> counts.put(family, count.sum()));
        return counts;
    }

    List<String> mutations() {
        return grammar.mutations();
    }

    private static <T> T join(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a fuzz task failed", e.getCause());
        }
    }
}
