package dev.ferry.dev.internal;

import dev.ferry.Errors;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;

/**
 * The dev server's answer when a handler throws: a 500 page with the exception, its stack trace
 * with the app's own frames highlighted, and the request's method, path, query and headers. HTML
 * for clients that accept it, plain text otherwise. Production servers never use it: they answer
 * the dispatcher's generic 500.
 */
public final class DebugPage {

    private static final System.Logger LOG = System.getLogger("dev.ferry.dev");
    private static final int MAX_FRAMES = 256;

    private DebugPage() {
    }

    /**
     * Wraps an app so that an exception it throws becomes the debug page for a client on this machine.
     * {@link HttpException}s keep their status, and every exception of a request from another machine
     * becomes the generic 500, as on every server, so the page (the request's headers, cookies and
     * authorization included) never leaves the machine. It is the widest {@link Errors} mapping, so a
     * mapping of the app's own wins, and the filters inside the app see the page as a response.
     */
    public static Handler wrap(Handler app) {
        return Errors.builder().map(Throwable.class, (e, request) -> {
            LOG.log(System.Logger.Level.ERROR, "handler failed on " + request, dev.ferry.spi.Engine.loggable(e));
            java.net.InetAddress peer = request.remoteAddress().getAddress();
            if (peer == null || !peer.isLoopbackAddress()) {
                return Errors.render(request, Status.INTERNAL_SERVER_ERROR, null);
            }
            return render(request, e);
        }).build().then(app);
    }

    /** Returns the debug page for this failure, HTML when the request accepts it. */
    public static Response render(Request request, Throwable error) {
        boolean html = acceptsHtml(request.headers());
        String body = html ? html(request, error) : text(request, error);
        return Response.of(Status.INTERNAL_SERVER_ERROR,
                Headers.of("Content-Type", html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
                        "Cache-Control", "no-store"),
                dev.ferry.Body.of(body));
    }

    static boolean acceptsHtml(Headers headers) {
        for (String accept : headers.all("Accept")) {
            String lower = accept.toLowerCase(Locale.ROOT);
            if (lower.contains("text/html") || lower.contains("application/xhtml+xml")) {
                return true;
            }
        }
        return false;
    }

    /** Returns whether a frame belongs to the app rather than to the JDK or to Ferry itself. */
    static boolean isAppFrame(StackTraceElement frame) {
        String module = frame.getModuleName();
        if (module != null && (module.startsWith("java.") || module.startsWith("jdk.")
                || module.startsWith("dev.ferry."))) {
            return false;
        }
        String type = frame.getClassName();
        int dot = type.lastIndexOf('.');
        String pkg = dot < 0 ? "" : type.substring(0, dot);
        if (pkg.startsWith("java.") || pkg.startsWith("javax.") || pkg.startsWith("jdk.")
                || pkg.startsWith("sun.") || pkg.startsWith("com.sun.") || pkg.startsWith("org.junit.")) {
            return false;
        }
        return !isFerryPackage(pkg);
    }

    private static boolean isFerryPackage(String pkg) {
        return switch (pkg) {
            case "dev.ferry", "dev.ferry.routing", "dev.ferry.server", "dev.ferry.spi", "dev.ferry.internal" -> true;
            default -> pkg.equals("dev.ferry.dev") || pkg.startsWith("dev.ferry.dev.")
                    || pkg.startsWith("dev.ferry.undertow") || pkg.startsWith("dev.ferry.netty")
                    || pkg.startsWith("dev.ferry.tomcat");
        };
    }

    static String text(Request request, Throwable error) {
        StringBuilder out = new StringBuilder(4096);
        out.append("500 Internal Server Error (Ferry dev server debug page; production servers answer a generic 500)\n\n");
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        String prefix = "";
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            out.append(prefix).append(t).append('\n');
            StackTraceElement[] frames = t.getStackTrace();
            for (int i = 0; i < frames.length && i < MAX_FRAMES; i++) {
                out.append(isAppFrame(frames[i]) ? ">>  at " : "    at ").append(frame(frames[i])).append('\n');
            }
            if (frames.length > MAX_FRAMES) {
                out.append("    ... ").append(frames.length - MAX_FRAMES).append(" more\n");
            }
            prefix = "Caused by: ";
        }
        out.append("\n(>> marks the app's own frames)\n\nRequest\n");
        out.append("  ").append(request.method()).append(' ').append(request.contextPath()).append(request.rawPath())
                .append(' ').append(request.version()).append('\n');
        out.append("  path:  ").append(request.contextPath()).append(request.path()).append('\n');
        out.append("  query: ").append(request.rawQuery()).append('\n');
        queryParameters(request).asMap().forEach((name, values) -> values.forEach(
                value -> out.append("    ").append(name).append(" = ").append(value).append('\n')));
        out.append("Headers\n");
        request.headers().forEach((name, value) -> out.append("  ").append(name).append(": ").append(value).append('\n'));
        return out.toString();
    }

    static String html(Request request, Throwable error) {
        StringBuilder out = new StringBuilder(8192);
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>500: ")
                .append(escape(error.getClass().getSimpleName())).append("</title><style>")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}")
                .append("h1{color:#b00020;font-size:1.4em}pre{background:#f6f6f6;padding:1em;overflow:auto}")
                .append(".app{background:#fff3b0;font-weight:bold}.frame{display:block}")
                .append("table{border-collapse:collapse}td{border:1px solid #ddd;padding:2px 8px;font-family:monospace}")
                .append("small{color:#666}</style></head><body>\n");
        out.append("<h1>").append(escape(error.getClass().getName())).append("</h1>\n<p>")
                .append(escape(String.valueOf(error.getMessage()))).append("</p>\n");
        out.append("<p><small>Ferry dev server debug page. Production servers answer a generic 500 and never show this.</small></p>\n");
        out.append("<h2>Stack trace</h2>\n<p><small>Highlighted: the app's own frames.</small></p>\n<pre>");
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        String prefix = "";
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            out.append("<strong>").append(escape(prefix + t)).append("</strong>\n");
            StackTraceElement[] frames = t.getStackTrace();
            for (int i = 0; i < frames.length && i < MAX_FRAMES; i++) {
                boolean app = isAppFrame(frames[i]);
                out.append(app ? "<span class=\"frame app\">" : "<span class=\"frame\">")
                        .append("    at ").append(escape(frame(frames[i]))).append("</span>");
            }
            if (frames.length > MAX_FRAMES) {
                out.append("    ... ").append(frames.length - MAX_FRAMES).append(" more\n");
            }
            prefix = "Caused by: ";
        }
        out.append("</pre>\n<h2>Request</h2>\n<table>");
        row(out, "method", request.method().name());
        row(out, "path", request.contextPath() + request.path());
        row(out, "raw path", request.contextPath() + request.rawPath());
        row(out, "query", request.rawQuery());
        row(out, "version", request.version());
        row(out, "remote address", String.valueOf(request.remoteAddress()));
        out.append("</table>\n<h2>Query parameters</h2>\n<table>");
        queryParameters(request).asMap().forEach((name, values) -> values.forEach(value -> row(out, name, value)));
        out.append("</table>\n<h2>Headers</h2>\n<table>");
        request.headers().forEach((name, value) -> row(out, name, value));
        out.append("</table>\n</body></html>\n");
        return out.toString();
    }

    private static dev.ferry.Parameters queryParameters(Request request) {
        try {
            return request.query();
        } catch (RuntimeException e) {
            return dev.ferry.Parameters.empty();
        }
    }

    private static void row(StringBuilder out, String name, String value) {
        out.append("<tr><td>").append(escape(name)).append("</td><td>").append(escape(value)).append("</td></tr>");
    }

    /** Formats a frame as {@code class.method(File.java:12)}, without the class loader and module prefix. */
    static String frame(StackTraceElement frame) {
        String where = frame.isNativeMethod() ? "Native Method"
                : frame.getFileName() == null ? "Unknown Source"
                : frame.getLineNumber() >= 0 ? frame.getFileName() + ":" + frame.getLineNumber() : frame.getFileName();
        return frame.getClassName() + "." + frame.getMethodName() + "(" + where + ")";
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
