package dev.ferry.dev;

import dev.ferry.Response;
import dev.ferry.dev.internal.JdkServerAccess;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.time.Duration;

/** Runs a dev server with short timeouts in its own JVM (the JDK reads them once per JVM) and prints its port. */
public final class TimeoutsServer {

    private TimeoutsServer() {
    }

    /** Serves until standard input closes. */
    public static void main(String[] args) throws Exception {
        Server server = JdkServerAccess.start(request -> Response.text("ok"), ServerConfig.builder().port(0)
                .requestHeaderTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(1)).maxConnections(3).build());
        System.out.println("port=" + server.port());
        System.out.flush();
        System.in.read();
        server.stop(Duration.ZERO);
    }
}
