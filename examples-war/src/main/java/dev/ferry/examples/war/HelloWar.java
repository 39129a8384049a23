package dev.ferry.examples.war;

import dev.ferry.Handler;
import dev.ferry.examples.hello.HelloApp;
import java.util.function.Supplier;

/** Gives the container's {@code FerryServlet} the hello app; {@code web.xml} names this class. */
public final class HelloWar implements Supplier<Handler> {

    /** Creates the supplier; the servlet calls it once at start. */
    public HelloWar() {
    }

    @Override
    public Handler get() {
        return HelloApp.app();
    }
}
