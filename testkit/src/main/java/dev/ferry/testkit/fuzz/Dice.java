package dev.ferry.testkit.fuzz;

import java.util.List;

/**
 * SplitMix64: a tiny random source whose sequence is fixed by this code alone, so that a seed
 * printed today replays the same case on any JDK.
 */
final class Dice {

    private static final long GOLDEN = 0x9e3779b97f4a7c15L;

    private long state;

    Dice(long seed) {
        this.state = seed;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The seed of case {@code index} of a run: case 0 is the run's seed itself, so any case seed replays alone. */
    static long caseSeed(long runSeed, int index) {
        return index == 0 ? runSeed : mix(runSeed + index * GOLDEN);
    }

    long next() {
        state += GOLDEN;
        return mix(state);
    }

    /** Returns 0 (inclusive) to {@code bound} (exclusive). */
    int below(int bound) {
        return (int) Math.floorMod(next(), (long) bound);
    }

    /** Returns {@code low} to {@code high}, both inclusive. */
    int between(int low, int high) {
        return low + below(high - low + 1);
    }

    boolean percent(int chance) {
        return below(100) < chance;
    }

    @SafeVarargs
    final <T> T pick(T... options) {
        return options[below(options.length)];
    }

    <T> T pick(List<T> options) {
        return options.get(below(options.size()));
    }
}
