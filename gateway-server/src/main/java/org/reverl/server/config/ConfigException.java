package org.reverl.server.config;

import java.util.List;

/** A configuration with errors: every one of them, each naming its path, value and what was expected. */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    /**
     * @param source where the configuration came from, e.g. its file name
     * @param errors one line each, e.g. {@code backends[2].address: "localhost:99999" (expected: port 1-65535)}
     */
    public ConfigException(String source, List<String> errors) {
        super(source + ": " + errors.size() + (errors.size() == 1 ? " error" : " errors") + ":\n  "
                + String.join("\n  ", errors));
        this.errors = List.copyOf(errors);
    }

    /** The errors, one line each. */
    public List<String> errors() {
        return errors;
    }
}
