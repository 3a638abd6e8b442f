package dev.tokenbroker.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Raw HTTP/1.1 over loopback sockets, for what a well-behaved client library will not send: partial heads, bodies
 * shorter than announced, bad chunk sizes, missing {@code Host}, bytes trickled slowly. Sockets are plain
 * {@link Socket}s: close them (try-with-resources).
 */
public final class TestSockets {

    private TestSockets() {}

    /** A connection to the broker on loopback. */
    public static Socket open(int port) {
        try {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes these bytes (ISO-8859-1, so that any byte can be sent) and flushes. */
    public static void send(Socket socket, String bytes) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether the broker closed the connection within {@code bound}: a read returns end of stream or the connection
     * is reset. Whatever the broker sends before closing is read and dropped. False when the bound passes first.
     */
    public static boolean closedWithin(Socket socket, Duration bound) {
        return receivedUntilClosed(socket, bound) != null;
    }

    /**
     * What the broker sent (ISO-8859-1) until it closed the connection, or {@code null} if the connection is still
     * open after {@code bound}. A reset counts as closed.
     */
    public static String receivedUntilClosed(Socket socket, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) left);
                int read = in.read(buffer);
                if (read < 0) {
                    return received.toString(StandardCharsets.ISO_8859_1);
                }
                received.write(buffer, 0, read);
            }
        } catch (SocketTimeoutException stillOpen) {
            return null;
        } catch (SocketException reset) {
            return received.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code bytes} one at a time, one every {@code every}, until the connection fails or the returned
     * executor is shut down; a slowloris client that is never idle.
     */
    public static ScheduledExecutorService trickle(Socket socket, String bytes, Duration every) {
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        byte[] all = bytes.getBytes(StandardCharsets.ISO_8859_1);
        int[] next = {0};
        writer.scheduleAtFixedRate(
                () -> {
                    try {
                        socket.getOutputStream().write(all[next[0]++ % all.length]);
                        socket.getOutputStream().flush();
                    } catch (IOException closed) {
                        writer.shutdown();
                    }
                },
                0,
                every.toMillis(),
                TimeUnit.MILLISECONDS);
        return writer;
    }

    /**
     * Reads one response: status, headers and a {@code Content-Length} or chunked body (or, without either, up to
     * the end of the stream). Fails when nothing complete arrives within {@code bound}.
     */
    public static Response read(Socket socket, Duration bound) {
        try {
            socket.setSoTimeout((int) bound.toMillis());
            InputStream in = socket.getInputStream();
            String statusLine = line(in);
            if (statusLine == null) {
                return null;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.put(
                        header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        header.substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int size = Integer.parseInt(line(in), 16); size > 0; size = Integer.parseInt(line(in), 16)) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
            } else {
                body.write(in.readAllBytes());
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
        } catch (SocketTimeoutException | SocketException none) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) c);
        }
        return line.length() == 0 ? null : line.toString();
    }

    /**
     * One response as read off the wire.
     *
     * @param status the status code
     * @param headers header names in lower case
     * @param body the body as text
     */
    public record Response(int status, Map<String, String> headers, String body) {}
}
