package dev.ferry.tomcat.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.res.StringManager;

/**
 * Takes the place of Tomcat's error report valve on the host: every error Tomcat answers by itself
 * (malformed requests, limits its parser enforces, unmapped paths, a paused connector) gets Ferry's
 * plain-text error instead of an HTML page, with the status the contract asks for: a request line
 * too long for the header buffer is 414, headers too large are 431, an unknown transfer coding is 400.
 */
public final class ErrorValve extends ValveBase {

    private static final String TOO_LARGE = StringManager.getManager("org.apache.coyote.http11")
            .getString("iib.requestheadertoolarge.error");

    /** Creates the valve. */
    public ErrorValve() {
        super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        getNext().invoke(request, response);
        if (response.isCommitted()) {
            if (response.setErrorReported()) {
                AtomicBoolean ioAllowed = new AtomicBoolean(true);
                response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
                if (ioAllowed.get()) {
                    try {
                        response.flushBuffer();
                    } catch (IOException ignored) {
                        // the connection is closed next anyway
                    }
                    response.getCoyoteResponse().action(ActionCode.CLOSE_NOW,
                            request.getAttribute(RequestDispatcher.ERROR_EXCEPTION));
                }
            }
            return;
        }
        if (request.isAsync() && !request.isAsyncCompleting()) {
            return;
        }
        Throwable failure = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (!response.isError() && failure == null) {
            return;
        }
        int code = failure != null && response.getStatus() < 400 ? 500 : response.getStatus();
        if (code < 400 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        Status status = Status.of(contractStatus(code, failure, request));
        String message = status.reason();
        if (status.code() == 400 || code == 501) {
            HttpException refused = targetError(request.getCoyoteRequest());
            if (refused != null) {
                status = refused.status();
                message = refused.getMessage();
            }
        }
        response.setSuspended(false);
        response.resetBuffer();
        response.getCoyoteResponse().getMimeHeaders().recycle();
        response.setStatus(status.code());
        byte[] body = message.getBytes(StandardCharsets.UTF_8);
        response.getCoyoteResponse().setContentTypeNoCharset("text/plain; charset=utf-8");
        response.setContentLength(body.length);
        if (status.code() != 404 && status.code() != 405) {
            response.setHeader("Connection", "close");
        }
        try {
            response.getOutputStream().write(body);
            response.finishResponse();
        } catch (IOException ignored) {
            // the client went away
        }
    }

    /** Returns how Ferry itself refuses the request target Tomcat refused, so that the answer is the same. */
    private static HttpException targetError(org.apache.coyote.Request coyote) {
        if (coyote.requestURI().isNull()) {
            return null;
        }
        String query = coyote.queryString().isNull() ? "" : "?" + coyote.queryString();
        try {
            dev.ferry.Request.builder().target(coyote.requestURI().toString() + query).build();
            return null;
        } catch (HttpException e) {
            return e;
        }
    }

    private static int contractStatus(int code, Throwable failure, Request request) {
        org.apache.coyote.Request coyote = request.getCoyoteRequest();
        if (code == 400 && failure instanceof IllegalArgumentException && TOO_LARGE.equals(failure.getMessage())) {
            return coyote.requestURI().isNull() || coyote.method().isNull() ? 414 : 431;
        }
        if (code == 501 && coyote.getMimeHeaders().getHeader("Transfer-Encoding") != null) {
            return 400;
        }
        return code;
    }
}
