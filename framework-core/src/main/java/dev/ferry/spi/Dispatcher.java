package dev.ferry.spi;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.internal.BoundedInputStream;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part of serving a request that is the same on every server, so that every server answers the
 * same way: it builds the request, enforces the body limit, maps exceptions to error responses,
 * strips bodies that must not be sent, answers 503 once a shutdown has begun, and counts requests in
 * flight for a graceful stop.
 *
 * <p>A server calls {@link #dispatch} for each request and {@link #finished()} once the response is
 * written (or failed). It then writes the response as is: the {@code Content-Length} header when the
 * response has one, else the body's known length, else chunked; no body for HEAD, 1xx, 204 and 304;
 * and it closes the connection after the response when that carries {@code Connection: close}.
 */
public final class Dispatcher {

    private static final System.Logger LOG = System.getLogger("dev.ferry");

    private final Handler app;
    private final long maxRequestBody;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean shuttingDown;

    private Dispatcher(Handler app, ServerConfig config) {
        this.app = app;
        this.maxRequestBody = config.maxRequestBody();
    }

    /** Returns a dispatcher that runs the app under these settings. */
    public static Dispatcher create(Handler app, ServerConfig config) {
        return new Dispatcher(app, config);
    }

    /**
     * Builds the request and runs the app; never throws. Every call must be followed by one call of
     * {@link #finished()} when its response has been written or abandoned.
     */
    public Response dispatch(Request.Builder parsed) {
        inFlight.incrementAndGet();
        Request request;
        try {
            request = parsed.build();
        } catch (HttpException e) {
            return error(e).withHeader("Connection", "close");
        }
        return run(request);
    }

    /** Runs the app for an already built request; never throws. Must be followed by {@link #finished()}. */
    public Response dispatch(Request request) {
        inFlight.incrementAndGet();
        return run(request);
    }

    private Response run(Request request) {
        if (shuttingDown) {
            return Response.error(Status.SERVICE_UNAVAILABLE, "Service Unavailable").withHeader("Connection", "close");
        }
        Body body = request.body();
        long declared = body.length();
        if (declared > maxRequestBody) {
            return tooLarge();
        }
        if (body instanceof Body.Stream && declared != 0) {
            try {
                InputStream bounded = new BoundedInputStream(body.stream(), maxRequestBody);
                request = request.withBody(Body.of(bounded, declared));
            } catch (IOException e) {
                return error(new HttpException(Status.BAD_REQUEST, "Bad Request"));
            }
        }
        Response response;
        try {
            response = app.handle(request);
            if (response == null) {
                throw new IllegalStateException("the handler returned no response for " + request);
            }
        } catch (HttpException e) {
            return e.status().code() == 413 ? tooLarge() : error(e);
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(System.Logger.Level.ERROR, "handler failed on " + request, e);
            return Response.error(Status.INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        response = wireReady(request.method(), response);
        return shuttingDown ? response.withHeader("Connection", "close") : response;
    }

    private static Response wireReady(Method method, Response response) {
        Body body = response.body();
        if (response.status().forbidsBody()) {
            return body.length() == 0 ? response : discard(response).withBody(Body.empty());
        }
        Headers headers = response.headers();
        if (method.equals(Method.HEAD)) {
            long length = body.length();
            Response head = discard(response).withBody(Body.empty());
            if (length >= 0 && !headers.contains("Content-Length")) {
                head = head.withHeader("Content-Length", Long.toString(length));
            }
            return head;
        }
        if (body.length() >= 0 && headers.contains("Content-Length")) {
            return response.withHeaders(headers.without("Content-Length"));
        }
        return response;
    }

    private static Response discard(Response response) {
        if (response.body() instanceof Body.Stream stream) {
            try {
                stream.stream().close();
            } catch (IOException | IllegalStateException e) {
                // nothing was sent from it, so there is nothing to report
            }
        }
        return response;
    }

    private static Response error(HttpException e) {
        String message = e.getMessage() == null ? e.status().reason() : e.getMessage();
        return Response.error(e.status(), message);
    }

    private static Response tooLarge() {
        return Response.error(Status.CONTENT_TOO_LARGE, "Content Too Large").withHeader("Connection", "close");
    }

    /** Marks the end of one dispatched exchange. */
    public void finished() {
        inFlight.decrementAndGet();
    }

    /** Returns the number of exchanges dispatched and not yet finished. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Begins a shutdown: from now on every new request is answered 503 with {@code Connection: close}. */
    public void beginShutdown() {
        shuttingDown = true;
    }

    /** Returns whether a shutdown has begun. */
    public boolean shuttingDown() {
        return shuttingDown;
    }

    /**
     * Begins a shutdown and waits up to {@code grace} for the exchanges in flight; returns whether
     * they all finished. A server closes its listener before (or, to answer late arrivals with 503,
     * after) and force-closes its connections afterwards.
     */
    public boolean drain(Duration grace) {
        beginShutdown();
        try {
            if (awaitIdle(grace)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(System.Logger.Level.WARNING, inFlight() + " requests still running after the " + grace.toMillis()
                + " ms shutdown grace period; closing their connections");
        return false;
    }

    /** Waits until no exchange is in flight or the time is up; returns whether none is left. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        return true;
    }
}
