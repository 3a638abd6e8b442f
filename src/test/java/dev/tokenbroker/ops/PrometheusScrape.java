package dev.tokenbroker.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text exposition: every sample by metric name and labels. */
final class PrometheusScrape {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String text;
    private final Map<String, Map<Map<String, String>, Double>> samples = new TreeMap<>();

    private PrometheusScrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line.trim());
            if (!sample.matches()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            samples.computeIfAbsent(sample.group(1), name -> new LinkedHashMap<>())
                    .put(labels, Double.parseDouble(sample.group(4)));
        }
    }

    static PrometheusScrape parse(String text) {
        return new PrometheusScrape(text);
    }

    String text() {
        return text;
    }

    Set<String> names() {
        return new TreeSet<>(samples.keySet());
    }

    /** The value of the one sample of {@code name} whose labels include {@code labels} (key, value, ...); 0 if none. */
    double value(String name, String... labels) {
        double sum = 0;
        boolean found = false;
        for (Map.Entry<Map<String, String>, Double> sample :
                samples.getOrDefault(name, Map.of()).entrySet()) {
            if (matches(sample.getKey(), labels)) {
                sum += sample.getValue();
                found = true;
            }
        }
        return found ? sum : 0;
    }

    /** How much the samples of {@code name} with these labels grew from {@code before} to {@code after}. */
    static double delta(PrometheusScrape before, PrometheusScrape after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }

    /** The label sets of every sample of {@code name} (empty when there is none). */
    Set<Map<String, String>> series(String name) {
        return samples.getOrDefault(name, Map.of()).keySet();
    }

    /** Whether a sample of {@code name} with these labels exists at all. */
    boolean has(String name, String... labels) {
        return samples.getOrDefault(name, Map.of()).keySet().stream().anyMatch(sample -> matches(sample, labels));
    }

    private static boolean matches(Map<String, String> sample, String... labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(sample.get(labels[i]))) {
                return false;
            }
        }
        return true;
    }
}
