package dev.ferry.tomcat.internal;

import dev.ferry.spi.Exchange;
import dev.ferry.spi.ResponseHead;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.apache.coyote.ActionCode;
import org.apache.coyote.Response;

/**
 * A servlet request's facts and the engine's response primitives, through the servlet API in any container and on
 * Ferry's embedded Tomcat also through the Tomcat response handed over as {@link #TOMCAT} (only then are its classes used).
 */
public record ServletExchange(String method, String target, String version, String scheme, String requestScheme, String contextPath,
                              InetSocketAddress remoteAddress, HttpServletRequest request, HttpServletResponse response,
                              Object tomcat, AtomicBoolean aborted) implements Exchange {

    /** The request attribute under which the embedded server hands over Tomcat's public {@code org.apache.coyote.Response}. */
    public static final String TOMCAT = "dev.ferry.tomcat.response";
    private static final String SENDFILE = "org.apache.tomcat.sendfile.";

    /** Returns the exchange for a request to a servlet whose context has this canonical path, {@code ""} at the root. */
    public static ServletExchange of(HttpServletRequest request, HttpServletResponse response, String context) {
        // the context path as deployed, then the path of a /prefix/* mapping if the raw target spells it as decoded
        String rest = request.getRequestURI().substring(request.getContextPath().length());
        String servletPath = request.getServletPath();
        boolean prefix = !servletPath.isEmpty() && rest.startsWith(servletPath) && request.getHttpServletMapping().getMappingMatch() == MappingMatch.PATH;
        String query = request.getQueryString();
        // on HTTP/2 the container takes its scheme from :scheme; the connection's is whether it is secure
        String scheme = request.getProtocol().equals("HTTP/2.0") ? request.isSecure() ? "https" : "http" : request.getScheme();
        return new ServletExchange(request.getMethod(), context + rest + (query == null ? "" : "?" + query), request.getProtocol(),
                scheme, request.getScheme(), prefix ? context + servletPath : context, new InetSocketAddress(request.getRemoteAddr(),
                request.getRemotePort()), request, response, request.getAttribute(TOMCAT), new AtomicBoolean());
    }

    /** Returns whether the request came on an HTTP/2 stream, as the container reports its protocol. */
    @Override
    public boolean http2() {
        return version.equals("HTTP/2.0");
    }

    /** Returns whether an HTTP/2 request without Content-Length has a body still to come: its stream has not ended. */
    @Override
    public boolean bodyFollows() {
        try {
            return http2() && request.getContentLengthLong() < 0 && !request.getInputStream().isFinished();
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    @Override
    public void headers(BiConsumer<String, String> action) {
        request.getHeaderNames().asIterator().forEachRemaining(name ->
                request.getHeaders(name).asIterator().forEachRemaining(value -> action.accept(name, value)));
        String name = request.getServerName();
        if (http2() && request.getHeader("Host") == null && name != null && !name.isEmpty()) {
            // :authority, which the container parses into the server's name and port (the scheme's default port left out)
            int port = request.getServerPort();
            boolean usual = port < 0 || port == (scheme.equals("https") ? 443 : 80); // a port of 0 is passed on, to be refused
            action.accept("Host", usual ? name : name + ":" + port);
        }
    }

    @Override
    public InputStream body() throws IOException {
        return new FilterInputStream(request.getInputStream()) {
            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                try {
                    return in.read(bytes, offset, length);
                } catch (IOException e) {
                    // the engine answers 408 for a read that timed out, which Tomcat wraps, and 400 for a chunk line that
                    // Tomcat refuses but the head check lets by (a size over 8 hex digits): exactly a BadRequestException
                    if (tomcat != null && e.getClass() == org.apache.coyote.BadRequestException.class) {
                        throw new dev.ferry.HttpException(dev.ferry.Status.BAD_REQUEST);
                    }
                    throw e.getCause() instanceof SocketTimeoutException timeout ? timeout : e;
                }
            }
        };
    }

    /** Does nothing: containers send {@code 100 Continue} on the first read of the body, when the engine asks. */
    @Override
    public void sendContinue() {
    }

    @Override
    public void writeHead(ResponseHead head) throws IOException {
        if (head.closes()) {
            if (tomcat != null) {
                // no reading an unread body before the close; it marks the exchange failed, the status set next overrides
                ((Response) tomcat).action(ActionCode.DISABLE_SWALLOW_INPUT, null);
            }
            response.addHeader("Connection", "close");
        }
        response.setStatus(head.status());
        head.forEachAppField((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Type")) {
                response.addHeader(name, value);
            } else if (tomcat != null) {
                // as written: the servlet API would turn "text/plain; charset=utf-8" into "text/plain;charset=utf-8"
                ((Response) tomcat).getMimeHeaders().addValue(name).setString(value);
            } else {
                response.setContentType(value);
            }
        });
        response.addHeader("Date", head.date());
        if (head.contentLength() >= 0) {
            response.setContentLengthLong(head.contentLength());
        } else if (head.framing() != ResponseHead.Framing.NONE) {
            // committed without a length, even a short body goes out chunked (or until the close) as told
            response.flushBuffer();
        }
    }

    @Override
    public void sendFile(ResponseHead head, Path file, long position, long count) throws IOException {
        // Tomcat sends the file once the servlet returns, but not on an exchange marked failed, as a closing one is
        if (head.closes() || !Boolean.TRUE.equals(request.getAttribute(SENDFILE + "support"))) {
            Exchange.super.sendFile(head, file, position, count);
            return;
        }
        writeHead(head);
        request.setAttribute(SENDFILE + "filename", file.toAbsolutePath().toString());
        request.setAttribute(SENDFILE + "start", position);
        request.setAttribute(SENDFILE + "end", position + count);
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        response.getOutputStream().write(bytes);
    }

    @Override
    public void flush() throws IOException {
        response.getOutputStream().flush();
    }

    @Override
    public void end() throws IOException {
        response.getOutputStream().close();
    }

    /** Cuts the connection on embedded Tomcat; elsewhere the servlet throws once the engine is done, as {@link #aborted} says. */
    /** Returns whether the container offers WebSocket support (Jakarta WebSocket's {@code ServerContainer}). */
    @Override
    public boolean webSockets() {
        try {
            return request.getServletContext().getAttribute(TomcatWebSocket.CONTAINER) instanceof jakarta.websocket.server.ServerContainer;
        } catch (LinkageError e) {
            return false; // a container without the Jakarta WebSocket API: the engine answers 501
        }
    }

    @Override
    public void upgrade(dev.ferry.spi.WebSocketUpgrade upgrade) throws IOException {
        if (tomcat != null) {
            CheckedChannel.upgraded(request); // Ferry's embedded Tomcat checks heads under Tomcat's parser
        }
        TomcatWebSocket.upgrade((jakarta.websocket.server.ServerContainer) request.getServletContext()
                .getAttribute(TomcatWebSocket.CONTAINER), request, response, upgrade);
    }

    @Override
    public void abort() {
        if (tomcat != null) {
            ((Response) tomcat).action(ActionCode.CLOSE_NOW, null);
        }
        aborted.set(true);
    }
}
