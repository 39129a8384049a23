package dev.ferry.internal;

import dev.ferry.Request;
import java.util.Map;

/** Lets other core packages reach package-private parts of the API without making them public. */
public final class Access {

    /** What the router needs from a request beyond its public API. */
    public interface Requests {
        /** Returns the request as seen by an app mounted {@code segments} path segments deeper, with these path parameters. */
        Request mounted(Request request, int segments, Map<String, String> pathParams);

        /** Returns every decoded path segment, the context path's included. */
        String[] segments(Request request);

        /** Returns the index of the first segment below the context path. */
        int first(Request request);

        /** Returns headers from alternating names and values that a server parsed and the contract checked. */
        dev.ferry.Headers parsedHeaders(String[] namesAndValues, int length);

        /** Returns whether every field of the headers was checked as it was added (a server's parsed ones were not). */
        boolean checked(dev.ferry.Headers headers);
    }

    private static volatile Requests requests;

    private Access() {
    }

    /** Installed once by {@link Request}'s class initialiser. */
    public static void install(Requests access) {
        requests = access;
    }

    /** Returns the request access, initialising {@link Request} if needed. */
    public static Requests requests() {
        Requests access = requests;
        if (access == null) {
            try {
                java.lang.invoke.MethodHandles.lookup().ensureInitialized(Request.class);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            access = requests;
        }
        return access;
    }
}
