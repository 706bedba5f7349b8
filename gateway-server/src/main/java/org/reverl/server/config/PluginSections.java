package org.reverl.server.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reverl.gateway.core.ProviderRegistry;

/**
 * The parts of a configuration file that plugins read: a discovery source's options beside its name, and the options
 * of any plugin that name files, resolved against the file's directory. Errors go to the {@link TreeReader} with the
 * setting's path, like every other section's.
 */
final class PluginSections {

    private static final Pattern UNKNOWN_OPTION =
            Pattern.compile("option: '([^']*)' \\(expected: one of \\[(.*)\\]\\)");

    private PluginSections() {}

    /**
     * {@code discovery: { source: NAME, ...options }}: the source is checked against the plugins on the class path and
     * created (no I/O) to check its options, whose errors are reported at {@code discovery.<option>}.
     */
    static ReverlConfig.Discovery discovery(ProviderRegistry registry, TreeReader r, TreeReader.Obj top, Path baseDir) {
        if (!top.has("discovery")) {
            return null;
        }
        TreeReader.Obj d = top.obj("discovery");
        String source = d.requiredString("source", "a discovery source, one of " + registry.sourceNames());
        if (source == null) {
            return null;
        }
        if (!registry.sourceNames().contains(source)) {
            r.error(d.at("source"), '"' + source + '"', "one of " + registry.sourceNames());
            return null;
        }
        Map<String, String> options = withFilesResolved(
                d.remainingOptions(),
                registry.sourceProvider(source).orElseThrow().fileOptions(),
                baseDir);
        try {
            registry.newSource(source, options).close();
        } catch (IllegalArgumentException e) {
            String m = optionError(source, e.getMessage());
            int colon = m.indexOf(": ");
            if (colon > 0 && m.substring(0, colon).matches("[A-Za-z0-9_.]+")) {
                r.error(d.at(m.substring(0, colon)), m.substring(colon + 2));
            } else {
                r.error(d.path, m);
            }
            return null;
        }
        return new ReverlConfig.Discovery(source, options);
    }

    /**
     * {@code options} with the values of {@code fileOptions} (a plugin's {@code fileOptions()}) resolved against {@code
     * baseDir} where they are relative, as every other path in the file is; {@code options} itself when there is
     * nothing to resolve.
     */
    static Map<String, String> withFilesResolved(Map<String, String> options, Set<String> fileOptions, Path baseDir) {
        if (baseDir == null || fileOptions.isEmpty()) {
            return options;
        }
        Map<String, String> resolved = new LinkedHashMap<>(options);
        for (String key : fileOptions) {
            String value = options.get(key);
            if (value != null && !value.isEmpty()) {
                resolved.put(key, baseDir.resolve(value).toString());
            }
        }
        return resolved;
    }

    /** {@code discovery 'dns': port: 0 (expected: ...)} as {@code port: 0 (expected: ...)}, to follow {@code discovery.}. */
    private static String optionError(String source, String message) {
        String head = "discovery '" + source + "': ";
        String m = message.startsWith(head) ? message.substring(head.length()) : message;
        Matcher unknown = UNKNOWN_OPTION.matcher(m);
        if (unknown.matches()) {
            return unknown.group(1) + ": unknown key (expected: one of [source, " + unknown.group(2) + "])";
        }
        return m;
    }
}
