package demo;

import dev.ferry.Handler;
import dev.ferry.Response;

/** An app class with one handler factory, as {@code Ferry.serve}'s caller would have. */
public final class HelloFactory {

    private HelloFactory() {
    }

    /** Returns the app. */
    public static Handler app() {
        return request -> Response.text("hello");
    }
}
