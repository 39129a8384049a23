package demo;

import dev.ferry.Response;

/** App code outside Ferry's packages, whose frames the debug page highlights. */
public final class Failing {

    private Failing() {
    }

    /** Always throws. */
    public static Response fail() {
        throw new IllegalStateException("broken <b>app</b>");
    }
}
