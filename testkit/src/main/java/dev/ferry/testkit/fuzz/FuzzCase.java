package dev.ferry.testkit.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One generated request: the seed it grew from, the steps that made it (the grammar's own ones, such
 * as {@code base} or {@code body}, then mutations such as {@code cl.sign}), and its exact bytes.
 */
public final class FuzzCase {

    /** The grammar's steps that only build a valid request; every other step is a mutation. */
    static final List<String> GRAMMAR_STEPS = List.of("base", "fields", "query", "body");

    record Step(String tag, Mutators.Op op, long seed) {
    }

    private final long seed;
    private final List<Step> all;
    private final long kept;
    private final String request;

    FuzzCase(long seed, List<Step> all, long kept, String request) {
        this.seed = seed;
        this.all = List.copyOf(all);
        this.kept = kept;
        this.request = request;
    }

    /** Returns the seed that replays this case with {@code -Dferry.fuzz.seed=} and one case. */
    public long seed() {
        return seed;
    }

    /** Returns the tags of the steps this request was made of, in order. */
    public List<String> steps() {
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (keeps(i)) {
                tags.add(all.get(i).tag());
            }
        }
        return tags;
    }

    /** Returns the tags of the mutations only, joined with {@code " + "}, or {@code "no mutation"}. */
    public String kind() {
        List<String> mutations = new ArrayList<>(steps());
        mutations.removeAll(GRAMMAR_STEPS);
        return mutations.isEmpty() ? "no mutation" : String.join(" + ", mutations);
    }

    /** Returns the request, one char per octet. */
    public String request() {
        return request;
    }

    /** Returns the request's bytes. */
    public byte[] bytes() {
        return request.getBytes(StandardCharsets.ISO_8859_1);
    }

    List<Step> all() {
        return all;
    }

    long kept() {
        return kept;
    }

    boolean keeps(int step) {
        return (kept & (1L << step)) != 0;
    }

    @Override
    public String toString() {
        return "seed " + seed + " " + steps() + ": " + Text.escape(request);
    }
}
