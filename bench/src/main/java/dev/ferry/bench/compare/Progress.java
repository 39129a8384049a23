package dev.ferry.bench.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints where a run is: which target, which phase, and about how long is left, estimated from the
 * planned phase durations corrected by how long the finished phases really took.
 */
final class Progress {

    private record Step(String target, String phase, double plannedSeconds) {
    }

    private final PrintStream out;
    private final List<Step> plan = new ArrayList<>();
    private final long start = System.nanoTime();
    private int next;
    private double plannedDone;
    private String currentTarget = "";

    Progress(PrintStream out) {
        this.out = out;
    }

    /** Adds a phase to the plan, in the order the run will begin them. */
    void plan(String target, String phase, double seconds) {
        plan.add(new Step(target, phase, seconds));
    }

    /** Returns the planned duration of the whole run, in seconds. */
    double plannedSeconds() {
        return plan.stream().mapToDouble(Step::plannedSeconds).sum();
    }

    /** Announces the start of the next planned phase of this target; phases skipped on the way count as done. */
    void begin(String target, String phase) {
        int found = -1;
        for (int i = next; i < plan.size(); i++) {
            if (plan.get(i).target().equals(target) && plan.get(i).phase().equals(phase)) {
                found = i;
                break;
            }
        }
        double planned = 0;
        if (found >= 0) {
            for (int i = next; i < found; i++) {
                plannedDone += plan.get(i).plannedSeconds();
            }
            planned = plan.get(found).plannedSeconds();
            next = found + 1;
        }
        if (!target.equals(currentTarget)) {
            currentTarget = target;
            int index = targetIndex(target);
            out.printf(Locale.ROOT, "%n== %s (%d of %d)%n", target, index + 1, targets().size());
        }
        double elapsed = elapsed();
        out.printf(Locale.ROOT, "[%s] %-12s %-22s %s left%n", clock(elapsed), target, phase
                + (planned > 0 ? String.format(Locale.ROOT, " (~%.0f s)", planned) : ""), clock(left(elapsed)));
        out.flush();
        plannedDone += planned;
    }

    /** Prints a line of detail under the current phase. */
    void say(String message) {
        out.println("    " + message);
        out.flush();
    }

    double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }

    private double left(double elapsed) {
        double remaining = 0;
        for (int i = next; i < plan.size(); i++) {
            remaining += plan.get(i).plannedSeconds();
        }
        double current = next > 0 ? plan.get(next - 1).plannedSeconds() : 0;
        remaining += current;
        double pace = plannedDone > 10 ? Math.min(2.0, Math.max(0.7, elapsed / plannedDone)) : 1.1;
        return remaining * pace;
    }

    private List<String> targets() {
        List<String> names = new ArrayList<>();
        for (Step step : plan) {
            if (!names.contains(step.target())) {
                names.add(step.target());
            }
        }
        return names;
    }

    private int targetIndex(String target) {
        return targets().indexOf(target);
    }

    static String clock(double seconds) {
        long total = Math.round(Math.max(0, seconds));
        return String.format(Locale.ROOT, "%d:%02d", total / 60, total % 60);
    }
}
