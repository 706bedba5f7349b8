package org.reverl.gateway.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Requests and responses made from a seed, with the mutations that request smuggling and response splitting are made
 * of: field names and values a byte off, odd whitespace, line endings, duplicate and conflicting fields, chunk sizes,
 * extensions and trailers, versions and status lines. A request is a POST-like request whose body holds a complete
 * second request, framed by Content-Length, chunked, both or neither, followed by a well-formed probe request on the
 * same connection; a response's body holds a complete second response. The same seed gives the same cases.
 */
final class FramingMutations {

    /** The request hidden in every body: a proxy that forwards it as a request of its own has been smuggled past. */
    static final String SMUGGLED_TARGET = "/smuggled";

    private static final String SMUGGLED = "GET " + SMUGGLED_TARGET + " HTTP/1.1\r\nHost: s\r\n\r\n";

    /**
     * One case.
     *
     * @param target the first request's target
     * @param probeTarget the probe's target
     * @param payload the body the client meant to send
     * @param bytes the request and the probe, as sent
     * @param split where the client splits its write in two (0: one write)
     * @param notes the mutations applied, for failure messages
     */
    record Case(String target, String probeTarget, String payload, byte[] bytes, int split, List<String> notes) {
        @Override
        public String toString() {
            return notes + ": " + StrictFraming.Printable.of(new String(bytes, StandardCharsets.ISO_8859_1));
        }
    }

    /**
     * A backend's response for one case, for a proxy to frame.
     *
     * @param bytes the response as the backend sends it, with a complete second response in its body
     * @param close whether the backend closes the connection after it
     * @param payload the body the backend meant to send
     * @param notes the mutations applied, for failure messages
     */
    record Reply(byte[] bytes, boolean close, String payload, List<String> notes) {
        @Override
        public String toString() {
            return notes + ": " + StrictFraming.Printable.of(new String(bytes, StandardCharsets.ISO_8859_1))
                    + (close ? " (then closed)" : "");
        }
    }

    /** The response hidden in every response body: a client that gets it as a response has been desynchronised. */
    private static final String SMUGGLED_RESPONSE =
            "HTTP/1.1 200 OK\r\ncontent-length: " + SMUGGLED_TARGET.length() + "\r\n\r\n" + SMUGGLED_TARGET;

    private final Random random;

    FramingMutations(long seed) {
        random = new Random(seed);
    }

    Case next(int n) {
        List<String> notes = new ArrayList<>();
        String target = "/c" + n;
        String probeTarget = target + "-probe";
        String payload = pick(notes, "payload", SMUGGLED, SMUGGLED, "", "a=1&b=2", word() + SMUGGLED);
        String framing = pick(notes, "framing", "none", "cl", "cl", "chunked", "chunked", "chunked", "cl+chunked");
        String method = often(notes, "method", "POST", "PUT", "GET", "post", "P(ST", "");
        String version =
                often(notes, "version", "HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "http/1.1", "HTTP/2.0", "HTTP/1.1 ");
        String sp = often(notes, "separator", " ", "  ", "\t");

        StringBuilder head = new StringBuilder(method + sp + target + sp + version + eol(notes));
        String host = often(notes, "host", "Host: x", "", "Host: x" + eol(notes) + "Host: y", "Host : x", "Host:x");
        if (!host.isEmpty()) {
            head.append(host).append(eol(notes));
        }
        if (random.nextInt(10) == 0) {
            head.append("X-Note: ").append(word()).append(eol(notes));
        }
        byte[] body = payload.getBytes(StandardCharsets.ISO_8859_1);
        String chunkedBody = null;
        if (framing.contains("chunked")) {
            head.append(transferEncoding(notes));
            chunkedBody = chunked(notes, payload);
        }
        if (framing.startsWith("cl")) {
            int length = framing.equals("cl") ? body.length : chunkedBody.length();
            head.append(contentLength(notes, length));
        }
        head.append(often(notes, "blank line", "\r\n", "\n", "\r\r\n"));
        String requestBody = chunkedBody != null ? chunkedBody : framing.equals("cl") ? payload : "";
        if (framing.equals("none") && random.nextInt(4) == 0) {
            notes.add("payload after a request without a body");
            requestBody = payload;
        }
        String probe = "GET " + probeTarget + " HTTP/1.1\r\nHost: p\r\n\r\n";
        byte[] bytes = (head + requestBody + probe).getBytes(StandardCharsets.ISO_8859_1);
        int split = random.nextInt(3) == 0 ? 1 + random.nextInt(bytes.length - 1) : 0;
        return new Case(target, probeTarget, payload, bytes, split, notes);
    }

    /**
     * A response framed by Content-Length, chunked, both, or neither (then to the close, or with the connection left
     * open), with the same mutations as requests, and status lines that carry no body (204, 304) or do not parse.
     */
    Reply response() {
        List<String> notes = new ArrayList<>();
        String payload =
                pick(notes, "payload", SMUGGLED_RESPONSE, SMUGGLED_RESPONSE, "", "hello", word() + SMUGGLED_RESPONSE);
        String framing = pick(notes, "framing", "cl", "cl", "chunked", "chunked", "cl+chunked", "to the close", "none");
        String status = often(
                notes,
                "status line",
                "HTTP/1.1 200 OK",
                "HTTP/1.1 200",
                "HTTP/1.0 200 OK",
                "HTTP/1.1 2000 OK",
                "http/1.1 200 OK",
                "HTTP/1.1  200 OK",
                "HTTP/1.1 204 No Content",
                "HTTP/1.1 304 Not Modified",
                "HTTP/1.1 200 OK\u0000");
        StringBuilder head = new StringBuilder(status + eol(notes));
        if (random.nextInt(4) == 0) {
            head.append("Server: ").append(word()).append(eol(notes));
        }
        String chunkedBody = null;
        if (framing.contains("chunked")) {
            head.append(transferEncoding(notes));
            chunkedBody = chunked(notes, payload);
        }
        if (framing.startsWith("cl")) {
            int length = framing.equals("cl") ? payload.length() : chunkedBody.length();
            head.append(contentLength(notes, length));
        }
        head.append(often(notes, "blank line", "\r\n", "\n", "\r\r\n"));
        String body = chunkedBody != null ? chunkedBody : payload;
        boolean close = framing.equals("to the close") || random.nextInt(8) == 0;
        byte[] bytes = (head + body).getBytes(StandardCharsets.ISO_8859_1);
        return new Reply(bytes, close, payload, notes);
    }

    private String transferEncoding(List<String> notes) {
        String name = often(
                notes,
                "te name",
                "Transfer-Encoding",
                "transfer-encoding",
                "Transfer-Encoding ",
                "Transfer_Encoding",
                "Transfer-Encoding\t",
                " Transfer-Encoding",
                "X-Transfer-Encoding");
        String value = often(
                notes,
                "te value",
                "chunked",
                "Chunked",
                " chunked",
                "chunked ",
                "\tchunked",
                "chunked, chunked",
                "identity, chunked",
                "gzip, chunked",
                "chunked, gzip",
                "xchunked",
                "chunked;q=1",
                "chunk",
                "chunked\u000b",
                "\"chunked\"",
                "chunked,",
                "\r\n chunked");
        String line = name + ":" + (value.startsWith("\r\n") ? value : " " + value) + eol(notes);
        if (random.nextInt(20) == 0) {
            line += pick(notes, "second te", "Transfer-Encoding: chunked", "Transfer-Encoding: identity") + eol(notes);
        }
        return line;
    }

    private String contentLength(List<String> notes, int length) {
        int n = length + often(notes, "cl off by", 0, -1, 1, 2, -length);
        String v = String.valueOf(n);
        String name = often(
                notes,
                "cl name",
                "Content-Length",
                "content-length",
                "Content-Length ",
                "Content_Length",
                "CONTENT-LENGTH");
        String value = often(
                notes,
                "cl value",
                v,
                "0" + v,
                " " + v,
                v + " ",
                "+" + v,
                v + ", " + v,
                v + "," + (n + 1),
                v + "\u000b",
                "0x" + Integer.toHexString(n),
                v + "\t",
                "\t" + v);
        String line = name + ": " + value + eol(notes);
        if (random.nextInt(20) == 0) {
            line += pick(notes, "second cl", "Content-Length: " + v, "Content-Length: " + (n + 1)) + eol(notes);
        }
        return line;
    }

    /** {@code payload} in one to three chunks, with the mutations of sizes, extensions, data ends and trailers. */
    private String chunked(List<String> notes, String payload) {
        StringBuilder b = new StringBuilder();
        int parts = payload.isEmpty() ? 0 : 1 + random.nextInt(Math.min(3, payload.length()));
        int from = 0;
        for (int i = 0; i < parts; i++) {
            // at least one byte for each chunk after this one
            int to = i == parts - 1
                    ? payload.length()
                    : from + 1 + random.nextInt(payload.length() - from - (parts - i - 1));
            String data = payload.substring(from, to);
            from = to;
            int size = data.length() + often(notes, "chunk size off by", 0, 1, -1);
            String hex = Integer.toHexString(size);
            hex = often(notes, "chunk size form", hex, hex.toUpperCase(), "00" + hex, " " + hex, hex + " ", "0x" + hex);
            String ext = often(notes, "chunk ext", "", ";a=b", "; a", ";a=\"q\"", ";a=\"\\\"\"", " ;a", ";", ";a=b c");
            b.append(hex).append(ext).append(eol(notes)).append(data);
            b.append(often(notes, "chunk data end", "\r\n", "", "\n", "x\r\n"));
        }
        b.append(often(notes, "last chunk", "0", "00", "0;e=1", "0 ", "")).append(eol(notes));
        if (random.nextInt(10) == 0) {
            b.append(pick(notes, "trailer", "T: v", "Content-Length: 5", "bad trailer"))
                    .append(eol(notes));
        }
        b.append(often(notes, "final crlf", "\r\n", "", "\n"));
        return b.toString();
    }

    private String eol(List<String> notes) {
        return often(notes, "line end", "\r\n", "\n", "\r", " \r\n");
    }

    private String word() {
        StringBuilder b = new StringBuilder();
        for (int i = 1 + random.nextInt(8); i > 0; i--) {
            b.append((char) ('a' + random.nextInt(26)));
        }
        return b.toString();
    }

    /** The first choice nine times in ten, else one of the others, noted. */
    @SafeVarargs
    private <T> T often(List<String> notes, String what, T usual, T... others) {
        if (random.nextInt(10) != 0 || others.length == 0) {
            return usual;
        }
        T t = others[random.nextInt(others.length)];
        notes.add(what + "=" + StrictFraming.Printable.of(String.valueOf(t)));
        return t;
    }

    /** One of the choices, each as likely, noted. */
    @SafeVarargs
    private <T> T pick(List<String> notes, String what, T... choices) {
        T t = choices[random.nextInt(choices.length)];
        notes.add(what + "=" + StrictFraming.Printable.of(String.valueOf(t)));
        return t;
    }

    /** The bytes of {@code c} as the client writes them: one or two writes. */
    static List<byte[]> writes(Case c) {
        if (c.split() == 0) {
            return List.of(c.bytes());
        }
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        first.write(c.bytes(), 0, c.split());
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        second.write(c.bytes(), c.split(), c.bytes().length - c.split());
        return List.of(first.toByteArray(), second.toByteArray());
    }
}
