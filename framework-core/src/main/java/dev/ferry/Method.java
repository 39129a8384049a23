package dev.ferry;

import dev.ferry.internal.Fields;

/**
 * An HTTP request method. The standard ones are constants; any other token is representable, so an
 * app can route an extension method and a server can answer an unknown one with 501.
 *
 * @param name the method token, case-sensitive as HTTP defines it
 */
public record Method(String name) {

    /** GET. */
    public static final Method GET = new Method("GET");
    /** HEAD. */
    public static final Method HEAD = new Method("HEAD");
    /** POST. */
    public static final Method POST = new Method("POST");
    /** PUT. */
    public static final Method PUT = new Method("PUT");
    /** DELETE. */
    public static final Method DELETE = new Method("DELETE");
    /** PATCH. */
    public static final Method PATCH = new Method("PATCH");
    /** OPTIONS. */
    public static final Method OPTIONS = new Method("OPTIONS");
    /** TRACE. */
    public static final Method TRACE = new Method("TRACE");
    /** CONNECT. */
    public static final Method CONNECT = new Method("CONNECT");

    /** Checks that the name is an HTTP token. */
    public Method {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a method needs a name");
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Fields.isTokenChar(name.charAt(i))) {
                throw new IllegalArgumentException("not a method token: " + name);
            }
        }
    }

    /** Returns the method with this name, sharing the constant for the standard ones. */
    public static Method of(String name) {
        return switch (name) {
            case "GET" -> GET;
            case "HEAD" -> HEAD;
            case "POST" -> POST;
            case "PUT" -> PUT;
            case "DELETE" -> DELETE;
            case "PATCH" -> PATCH;
            case "OPTIONS" -> OPTIONS;
            case "TRACE" -> TRACE;
            case "CONNECT" -> CONNECT;
            default -> new Method(name);
        };
    }

    /** Returns whether this is one of the methods defined by the HTTP specifications (RFC 9110, RFC 5789). */
    public boolean isStandard() {
        return switch (name) {
            case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT" -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
