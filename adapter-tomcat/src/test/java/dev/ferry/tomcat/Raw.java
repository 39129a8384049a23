package dev.ferry.tomcat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Sends raw bytes to a server and reads what comes back until the server closes or goes quiet. */
final class Raw {

    private Raw() {
    }

    static String exchange(int port, String request) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), 3000);
    }

    static String exchange(int port, byte[] request, int quietMillis) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(quietMillis);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return readAll(socket.getInputStream());
        }
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0;) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            got.write("<<timeout>>".getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            got.write(("<<" + e.getMessage() + ">>").getBytes(StandardCharsets.ISO_8859_1));
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }
}
