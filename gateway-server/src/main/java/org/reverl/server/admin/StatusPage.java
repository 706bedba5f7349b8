package org.reverl.server.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The status page's three files, read once from the class path: no CDN, nothing fetched from elsewhere. */
record StatusPage(byte[] html, byte[] script, byte[] style) {

    static StatusPage load() {
        return new StatusPage(read("status.html"), read("status.js"), read("status.css"));
    }

    private static byte[] read(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("status page: " + name + " missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
