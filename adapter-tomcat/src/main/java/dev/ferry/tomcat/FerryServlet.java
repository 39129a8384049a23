package dev.ferry.tomcat;

import dev.ferry.Handler;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.tomcat.internal.ServletExchange;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * A servlet that serves a Ferry app through the {@link Engine} in any Servlet 6.1 container, under the limits
 * of its {@link ServerConfig}: the app sees the path below the context path (and below a {@code /prefix/*}
 * mapping) as its {@link dev.ferry.Request#path()}. Create it with the app, or name a {@link Handler} or
 * {@code Supplier<Handler>} class with a public no-argument constructor in the init parameter {@value #APP_PARAMETER}.
 */
public class FerryServlet extends HttpServlet {

    /** The init parameter that names the app class when the servlet is created by the container. */
    public static final String APP_PARAMETER = "ferry.app";

    private transient Engine engine;
    private String context = "";

    /** Creates a servlet that loads its app from the init parameter {@value #APP_PARAMETER}. */
    public FerryServlet() {
    }

    /** Creates a servlet that serves the app under the default limits. */
    public FerryServlet(Handler app) {
        this(app, ServerConfig.defaults());
    }

    /** Creates a servlet that serves the app under the limits of {@code config}. */
    public FerryServlet(Handler app, ServerConfig config) {
        this.engine = Engine.create(app, config);
    }

    FerryServlet(Engine engine) {
        this.engine = engine;
    }

    @Override
    public void init() throws ServletException {
        if (engine == null) {
            engine = Engine.create(load(getInitParameter(APP_PARAMETER)), ServerConfig.defaults());
        }
        String path = getServletContext().getContextPath();
        context = path.equals("/") ? "" : path;
    }

    private static Handler load(String name) throws ServletException {
        try {
            Object made = Class.forName(name.trim(), true, Thread.currentThread().getContextClassLoader())
                    .getConstructor().newInstance();
            return (Handler) (made instanceof Supplier<?> supplier ? supplier.get() : made);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            throw new ServletException("the init parameter " + APP_PARAMETER + " names no public Handler or Supplier<Handler> class: " + name, e);
        }
    }

    /** Answers 503 with {@code Connection: close} from now on; the container has let the requests in flight finish. */
    @Override
    public void destroy() {
        if (!engine.stopping()) {
            engine.stop(java.time.Duration.ZERO, () -> { }, () -> { });
        }
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        ServletExchange exchange = ServletExchange.of(req, resp, context);
        engine.serve(exchange);
        if (exchange.aborted().get() && exchange.tomcat() == null) {
            // the servlet API's way to cut a response off: a container never ends one cleanly after an exception
            throw new IOException("the response was cut off");
        }
    }
}
