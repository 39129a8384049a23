package dev.ferry.tomcat;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Dispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Enumeration;
import java.util.function.Supplier;

/**
 * A servlet that serves a Ferry app in any Servlet 6.1 container, at whatever context path and
 * mapping it is deployed under: the app sees the part of the path below them as its
 * {@link Request#path()} and the rest as its {@link Request#contextPath()}.
 *
 * <p>Create it with the app, or deploy it by class name with the init parameter {@value #APP_PARAMETER}
 * naming a public class with a no-argument constructor that is either a {@link Handler} or a
 * {@code Supplier<Handler>}. It enforces the request limits of its {@link ServerConfig} (the defaults
 * when none is given) on top of the container's own.
 */
public class FerryServlet extends HttpServlet {

    /** The init parameter that names the app class when the servlet is created by the container. */
    public static final String APP_PARAMETER = "ferry.app";

    private static final long serialVersionUID = 1L;
    private static final String SENDFILE = "org.apache.tomcat.sendfile.";

    private transient Handler app;
    private transient ServerConfig config;
    private transient Dispatcher dispatcher;
    private transient Container container = Container.SERVLET_API;
    private String canonicalContext = "";

    /** Creates a servlet that loads its app from the init parameter {@value #APP_PARAMETER}. */
    public FerryServlet() {
        this.config = ServerConfig.defaults();
    }

    /** Creates a servlet that serves the app under the default limits. */
    public FerryServlet(Handler app) {
        this(app, ServerConfig.defaults());
    }

    /** Creates a servlet that serves the app under the limits of {@code config}. */
    public FerryServlet(Handler app, ServerConfig config) {
        this.app = app;
        this.config = config;
        this.dispatcher = Dispatcher.create(app, config);
    }

    /** Sets what the servlet may do beyond the servlet API; the embedded server knows its Tomcat. */
    void container(Container container) {
        this.container = container;
    }

    /** What the servlet does through the container, where the servlet API alone falls short. */
    interface Container {
        /** Uses only the servlet API. */
        Container SERVLET_API = new Container() {
        };

        /** Sets the Content-Type, as exactly as the container allows. */
        default void contentType(HttpServletResponse response, String value) {
            response.setContentType(value);
        }

        /**
         * Returns whether the request head broke framing rules the container tolerates: bare LF line
         * ends, obs-fold, or (when {@code chunked}) a Content-Length it dropped for the Transfer-Encoding.
         */
        default boolean malformedHead(HttpServletRequest request, boolean chunked) {
            return false;
        }

        /**
         * Tells the container that the connection closes after this error response and its unread
         * body can be dropped (on Tomcat this marks the exchange as failed, hence errors only).
         */
        default void closing(HttpServletResponse response) {
        }

        /**
         * Makes the container answer an HTTP/0.9 request (a request line without a version) with a
         * status line and headers, so that it can be refused with 400; returns whether it can.
         */
        default boolean answerAsHttp11(HttpServletResponse response) {
            return false;
        }
    }

    @Override
    public void init() throws ServletException {
        if (app == null) {
            String name = getInitParameter(APP_PARAMETER);
            if (name == null) {
                throw new ServletException("FerryServlet needs the app: set the init parameter " + APP_PARAMETER);
            }
            app = load(name.trim());
            dispatcher = Dispatcher.create(app, config);
        }
        String context = getServletContext().getContextPath();
        canonicalContext = context.equals("/") ? "" : context;
    }

    private Handler load(String name) throws ServletException {
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Object made = Class.forName(name, true, loader == null ? getClass().getClassLoader() : loader)
                    .getConstructor().newInstance();
            if (made instanceof Handler handler) {
                return handler;
            }
            if (made instanceof Supplier<?> supplier && supplier.get() instanceof Handler handler) {
                return handler;
            }
            throw new ServletException(name + " is neither a dev.ferry.Handler nor a Supplier<Handler>");
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new ServletException("cannot create the Ferry app " + name + ": " + e, e);
        }
    }

    /** Returns the dispatcher that runs the app, for a graceful stop. */
    Dispatcher dispatcher() {
        return dispatcher;
    }

    /** Answers 503 with {@code Connection: close} to every request from now on. */
    @Override
    public void destroy() {
        if (dispatcher != null) {
            dispatcher.beginShutdown();
        }
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (req.getProtocol().isEmpty()) {
            if (container.answerAsHttp11(resp)) {
                write(req, resp, closing(Status.BAD_REQUEST));
            }
            return;
        }
        Dispatcher running = dispatcher;
        Response response;
        try {
            response = running.dispatch(parse(req));
        } catch (Refused refused) {
            write(req, resp, closing(refused.status));
            return;
        }
        try {
            write(req, resp, response);
        } finally {
            running.finished();
        }
    }

    /** A request the server answers itself, before the app: over a limit or malformed. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Status status;

        Refused(Status status) {
            super(status.reason(), null, false, false);
            this.status = status;
        }
    }

    static Response closing(Status status) {
        return Response.error(status, status.reason()).withHeader("Connection", "close");
    }

    /** Collects the request, checking the line and header limits and the framing on the way. */
    private Request.Builder parse(HttpServletRequest req) throws IOException, Refused {
        String uri = req.getRequestURI();
        String query = req.getQueryString();
        String method = req.getMethod();
        String protocol = req.getProtocol();
        long line = method.length() + uri.length() + protocol.length() + 2 + (query == null ? 0 : query.length() + 1);
        if (line > config.maxRequestLine()) {
            throw new Refused(Status.URI_TOO_LONG);
        }
        Headers.Builder headers = Headers.builder();
        boolean chunked = false;
        boolean declared = false;
        long bytes = 0;
        int count = 0;
        for (Enumeration<String> names = req.getHeaderNames(); names.hasMoreElements();) {
            String name = names.nextElement();
            chunked |= name.equalsIgnoreCase("Transfer-Encoding");
            declared |= name.equalsIgnoreCase("Content-Length");
            for (Enumeration<String> values = req.getHeaders(name); values.hasMoreElements();) {
                String value = values.nextElement();
                headers.add(name, value);
                bytes += name.length() + value.length() + 4;
                count++;
            }
        }
        if (count > config.maxHeaderCount() || bytes > config.maxHeaderBytes()) {
            throw new Refused(Status.REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
        if (chunked && declared || container.malformedHead(req, chunked)) {
            throw new Refused(Status.BAD_REQUEST);
        }
        long length = req.getContentLengthLong();
        Body body = length > 0 || (length < 0 && chunked) ? Body.of(req.getInputStream(), length) : Body.empty();
        Request.Builder builder = Request.builder()
                .method(Method.of(method))
                .version(protocol)
                .scheme(req.getScheme())
                .headers(headers.build())
                .body(body)
                .remoteAddress(new InetSocketAddress(req.getRemoteAddr(), req.getRemotePort()));
        String rawContext = req.getContextPath();
        boolean prefixMapped = !req.getServletPath().isEmpty()
                && req.getHttpServletMapping().getMappingMatch() == MappingMatch.PATH;
        if (!rawContext.isEmpty() || prefixMapped) {
            String rest = uri.startsWith(rawContext) ? uri.substring(rawContext.length()) : uri;
            int mapped = prefixMapped ? end(rest, segments(req.getServletPath())) : 0;
            builder.contextPath(canonicalContext + rest.substring(0, mapped));
            uri = canonicalContext + rest;
        }
        return builder.target(query == null ? uri : uri + "?" + query);
    }

    private static int segments(String path) {
        int count = 0;
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                count++;
            }
        }
        return count;
    }

    /** Returns where the first {@code count} non-empty segments of a raw path end. */
    private static int end(String path, int count) {
        int at = 0;
        while (count > 0 && at < path.length()) {
            int next = path.indexOf('/', at + 1);
            next = next < 0 ? path.length() : next;
            if (next > at + 1) {
                count--;
            }
            at = next;
        }
        return at;
    }

    private void write(HttpServletRequest req, HttpServletResponse resp, Response response) throws IOException {
        resp.setStatus(response.status().code());
        Body body = response.body();
        long length = body.length();
        boolean[] hasLength = {false};
        response.headers().forEach((name, value) -> {
            if (name.equalsIgnoreCase("Content-Length")) {
                hasLength[0] = true;
                resp.setContentLengthLong(Long.parseLong(value.trim()));
            } else if (name.equalsIgnoreCase("Content-Type")) {
                container.contentType(resp, value);
            } else {
                if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")
                        && response.status().code() >= 400) {
                    container.closing(resp);
                }
                resp.addHeader(name, value);
            }
        });
        if (body instanceof Body.Empty) {
            return;
        }
        if (!hasLength[0] && length >= 0) {
            resp.setContentLengthLong(length);
        }
        if (body instanceof Body.File file && Boolean.TRUE.equals(req.getAttribute(SENDFILE + "support"))) {
            req.setAttribute(SENDFILE + "filename", file.path().toAbsolutePath().toString());
            req.setAttribute(SENDFILE + "start", 0L);
            req.setAttribute(SENDFILE + "end", length);
            return;
        }
        ServletOutputStream out = resp.getOutputStream();
        if (length < 0 && !hasLength[0]) {
            // commit the head now: a body of unknown length goes out chunked, as on every other server,
            // even when it would fit Tomcat's buffer and so get a Content-Length
            try {
                resp.flushBuffer();
            } catch (IOException gone) {
                // the client is gone; the body is still produced, so that it ends (its writes fail) and cleans up
            }
        }
        if (body instanceof Body.Streamed streamed) {
            streamed.writer().writeTo(new Unclosable(out));
        } else {
            body.writeTo(out);
        }
    }

    /** Lets a streaming writer flush to the client but not close the servlet's stream under the container. */
    private static final class Unclosable extends OutputStream {
        private final ServletOutputStream out;

        Unclosable(ServletOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
