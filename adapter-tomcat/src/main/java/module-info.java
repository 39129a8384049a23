/** Ferry on Tomcat: {@code FerryServlet} for any Servlet 6.1 container, and an embedded Tomcat registered as {@code tomcat}. */
module dev.ferry.tomcat {
    requires transitive dev.ferry.core;
    requires transitive org.apache.tomcat.embed.core;
    requires org.apache.tomcat.embed.websocket;
    requires java.logging;
    exports dev.ferry.tomcat;
    provides dev.ferry.spi.ServerProvider with dev.ferry.tomcat.internal.TomcatProvider;
}
