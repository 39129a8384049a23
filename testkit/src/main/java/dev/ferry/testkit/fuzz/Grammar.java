package dev.ferry.testkit.fuzz;

import dev.ferry.server.ServerConfig;
import dev.ferry.testkit.fuzz.Draft.Framing;
import java.util.ArrayList;
import java.util.List;

/**
 * Grows requests from a grammar of valid HTTP/1.1 requests (method, origin-form target, query, ordinary
 * fields, a body sized or chunked) and then applies zero to four mutations. The same seed always
 * gives the same bytes; a case's steps can be left out one by one to find the smallest request that
 * still shows a difference.
 *
 * <pre>{@code
 * Grammar grammar = Grammar.create(Fuzzer.config());
 * FuzzCase c = grammar.generate(42);
 * client.send(c.bytes());
 * }</pre>
 */
public final class Grammar {

    private static final String[] METHODS = {"GET", "GET", "GET", "GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
        "HEAD"};
    private static final String[] SEGMENTS = {"a", "users", "42", "file.txt", "x-y", "~me", "a_b", "%41", "caf%C3%A9", "with%20space",
        "v1", "."};
    private static final String[][] FIELDS = {{"User-Agent", "ferry-fuzz/1"}, {"Accept", "*/*"}, {"Accept-Encoding", "gzip"},
        {"Cookie", "a=b; c=d"}, {"X-Request-Id", "7"}, {"Content-Type", "text/plain"}, {"Connection", "keep-alive"},
        {"Cache-Control", "no-cache"}, {"X-Forwarded-For", "10.0.0.1"}, {"Referer", "http://localhost/"}};

    private final Mutators mutators;

    private Grammar(ServerConfig limits) {
        this.mutators = new Mutators(limits);
    }

    /** Returns a grammar whose limit mutations aim at these limits, just below, at and above each. */
    public static Grammar create(ServerConfig limits) {
        return new Grammar(limits);
    }

    /** Returns the tags of every mutation this grammar can apply. */
    public List<String> mutations() {
        return mutators.all().stream().map(Mutators.Mutator::tag).toList();
    }

    /** Returns the case that grows from this seed. */
    public FuzzCase generate(long seed) {
        Dice dice = new Dice(seed);
        List<FuzzCase.Step> steps = new ArrayList<>();
        steps.add(new FuzzCase.Step("base", Grammar::base, dice.next()));
        if (dice.percent(40)) {
            steps.add(new FuzzCase.Step("fields", Grammar::fields, dice.next()));
        }
        if (dice.percent(25)) {
            steps.add(new FuzzCase.Step("query", Grammar::query, dice.next()));
        }
        if (dice.percent(45)) {
            steps.add(new FuzzCase.Step("body", Grammar::body, dice.next()));
        }
        int roll = dice.below(100);
        int count = roll < 8 ? 0 : roll < 50 ? 1 : roll < 80 ? 2 : roll < 95 ? 3 : 4;
        for (int i = 0; i < count; i++) {
            Mutators.Mutator mutator = dice.pick(mutators.all());
            steps.add(new FuzzCase.Step(mutator.tag(), mutator.op(), dice.next()));
        }
        return render(seed, steps, (1L << steps.size()) - 1);
    }

    /** Returns the case with one more of its steps left out. */
    static FuzzCase without(FuzzCase c, int step) {
        return render(c.seed(), c.all(), c.kept() & ~(1L << step));
    }

    private static FuzzCase render(long seed, List<FuzzCase.Step> steps, long kept) {
        Draft draft = new Draft();
        draft.add("Host", "localhost");
        for (int i = 0; i < steps.size(); i++) {
            if ((kept & (1L << i)) != 0) {
                steps.get(i).op().apply(draft, new Dice(steps.get(i).seed()));
            }
        }
        return new FuzzCase(seed, steps, kept, draft.render());
    }

    private static void base(Draft d, Dice x) {
        d.method = x.pick(METHODS);
        StringBuilder target = new StringBuilder();
        for (int i = 0, n = x.between(1, 3); i < n; i++) {
            target.append('/').append(x.pick(SEGMENTS));
        }
        if (x.percent(15)) {
            target.append('/');
        }
        d.target = target.toString();
        if (x.percent(10)) {
            d.version = "HTTP/1.0";
        }
        d.field("Host").value = x.pick("localhost", "localhost", "localhost:8080", "example.com", "127.0.0.1");
    }

    private static void fields(Draft d, Dice x) {
        for (int i = 0, n = x.between(1, 4); i < n; i++) {
            String[] field = x.pick(FIELDS);
            d.add(field[0], field[1]);
        }
    }

    private static void query(Draft d, Dice x) {
        StringBuilder query = new StringBuilder();
        for (int i = 0, n = x.between(1, 3); i < n; i++) {
            query.append(i == 0 ? '?' : '&').append(x.pick("a", "b", "q", "x%20y")).append('=').append(x.pick("1", "x+y", "%E2%82%AC", ""));
        }
        d.target = d.target + query;
    }

    private static void body(Draft d, Dice x) {
        if (d.method.equals("GET") || d.method.equals("HEAD")) {
            d.method = x.pick("POST", "PUT", "PATCH", d.method);
        }
        StringBuilder data = new StringBuilder();
        int length = x.pick(0, 1, 5, 20, 100, 300);
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 {}\":,=&";
        for (int i = 0; i < length; i++) {
            data.append(alphabet.charAt(x.below(alphabet.length())));
        }
        // chunked is HTTP/1.1 only: an HTTP/1.0 request with Transfer-Encoding is malformed, which is a mutation's job
        boolean chunked = x.percent(40) && !d.version.equals("HTTP/1.0");
        d.body(data.toString(), chunked ? Framing.CHUNKED : Framing.LENGTH, x);
    }
}
