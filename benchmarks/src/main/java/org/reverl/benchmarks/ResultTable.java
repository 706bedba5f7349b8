package org.reverl.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints JMH CSV results ({@code -rf csv}, run with {@code -prof gc}) as one Markdown table: a row per benchmark and
 * parameters, with ns/op and B/op ({@code gc.alloc.rate.norm}) per thread count, and the ratio of the 2-thread to the
 * 1-thread time.
 *
 * <pre>{@code
 * java -cp benchmarks.jar org.reverl.benchmarks.ResultTable threads-1.csv threads-2.csv
 * }</pre>
 */
public final class ResultTable {

    private static final String ALLOC = ":gc.alloc.rate.norm";

    private ResultTable() {}

    /** One row of the table: a benchmark with one set of parameters. */
    static final class Row {
        final String benchmark;
        final String params;
        /** threads -> {score, error} */
        final Map<Integer, double[]> time = new TreeMap<>();
        /** threads -> bytes per operation */
        final Map<Integer, Double> alloc = new TreeMap<>();

        Row(String benchmark, String params) {
            this.benchmark = benchmark;
            this.params = params;
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: ResultTable <jmh-result.csv>...");
            System.exit(2);
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String file : args) {
            read(Files.readAllLines(Path.of(file), StandardCharsets.UTF_8), rows);
        }
        print(rows.values(), System.out);
    }

    static void read(List<String> lines, Map<String, Row> rows) {
        if (lines.isEmpty()) {
            return;
        }
        List<String> header = parseCsvLine(lines.get(0));
        int name = header.indexOf("Benchmark");
        int threads = header.indexOf("Threads");
        int score = header.indexOf("Score");
        int error = header.indexOf("Score Error (99.9%)");
        int unit = header.indexOf("Unit");
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> cells = parseCsvLine(line);
            String benchmark = shortName(cells.get(name));
            boolean isAlloc = benchmark.endsWith(ALLOC);
            if (benchmark.contains(":") && !isAlloc) {
                continue; // other secondary results (gc.count, gc.time, ...)
            }
            if (isAlloc) {
                benchmark = benchmark.substring(0, benchmark.length() - ALLOC.length());
            } else if (!cells.get(unit).equals("ns/op")) {
                continue;
            }
            StringBuilder params = new StringBuilder();
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).startsWith("Param: ")
                        && i < cells.size()
                        && !cells.get(i).isEmpty()) {
                    params.append(params.length() > 0 ? " " : "")
                            .append(header.get(i).substring("Param: ".length()))
                            .append('=')
                            .append(cells.get(i));
                }
            }
            String key = benchmark;
            Row row = rows.computeIfAbsent(key + '|' + params, k -> new Row(key, params.toString()));
            int t = Integer.parseInt(cells.get(threads));
            double value = Double.parseDouble(cells.get(score));
            if (isAlloc) {
                row.alloc.put(t, value);
            } else {
                row.time.put(t, new double[] {value, Double.parseDouble(cells.get(error))});
            }
        }
    }

    static void print(Iterable<Row> rows, PrintStream out) {
        out.println(
                "| benchmark | parameters | ns/op, 1 thread | ns/op, 2 threads | 2t/1t | B/op, 1 thread | B/op, 2 threads |");
        out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (Row r : rows) {
            double[] one = r.time.get(1);
            double[] two = r.time.get(2);
            out.printf(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %s | %s | %s |%n",
                    r.benchmark,
                    r.params,
                    time(one),
                    time(two),
                    one != null && two != null ? String.format(Locale.ROOT, "%.2f", two[0] / one[0]) : "",
                    bytes(r.alloc.get(1)),
                    bytes(r.alloc.get(2)));
        }
    }

    private static String time(double[] scoreAndError) {
        if (scoreAndError == null) {
            return "";
        }
        String score = String.format(Locale.ROOT, scoreAndError[0] < 10 ? "%.2f" : "%.1f", scoreAndError[0]);
        return Double.isNaN(scoreAndError[1]) ? score : score + String.format(Locale.ROOT, " ± %.1f", scoreAndError[1]);
    }

    private static String bytes(Double b) {
        return b == null ? "" : String.format(Locale.ROOT, "%.0f", b);
    }

    /** {@code org.reverl.gateway.core.internal.PickBenchmark.pick} -> {@code PickBenchmark.pick}. */
    static String shortName(String benchmark) {
        int colon = benchmark.indexOf(':');
        String method = colon < 0 ? benchmark : benchmark.substring(0, colon);
        int lastDot = method.lastIndexOf('.');
        int classDot = method.lastIndexOf('.', lastDot - 1);
        return benchmark.substring(classDot + 1);
    }

    static List<String> parseCsvLine(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }
}
