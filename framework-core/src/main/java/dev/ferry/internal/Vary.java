package dev.ferry.internal;

import dev.ferry.Response;

/** Adds a field name to a response's {@code Vary} without repeating one it already lists. */
public final class Vary {

    private Vary() {
    }

    /** Returns the response with {@code name} listed in its Vary, unless it lists it or {@code *} already. */
    public static Response add(Response response, String name) {
        java.util.List<String> values = response.headers().all("Vary");
        for (String value : values) {
            for (String listed : value.split(",")) {
                String token = listed.strip();
                if (token.equals("*") || token.equalsIgnoreCase(name)) {
                    return response;
                }
            }
        }
        return response.withHeader("Vary", values.isEmpty() ? name : String.join(", ", values) + ", " + name);
    }
}
