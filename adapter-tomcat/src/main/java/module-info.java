/**
 * Ferry on Tomcat: {@link dev.ferry.tomcat.FerryServlet} serves a Ferry app in any Servlet 6.1
 * container, and {@link dev.ferry.tomcat.TomcatServer} runs apps on an embedded Tomcat, registered as
 * the server {@code tomcat}.
 */
module dev.ferry.tomcat {
    requires transitive dev.ferry.core;
    requires transitive org.apache.tomcat.embed.core;
    requires java.logging;

    exports dev.ferry.tomcat;

    provides dev.ferry.spi.ServerProvider with dev.ferry.tomcat.internal.TomcatProvider;
}
