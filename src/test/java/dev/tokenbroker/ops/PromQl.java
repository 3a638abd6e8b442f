package dev.tokenbroker.ops;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a PromQL expression reads, for checking dashboards and alert rules against a scrape: its vector selectors
 * (metric name and label matchers) and the labels it groups or matches by. A tokenizer, not a regex over the text:
 * strings (which may hold braces, parentheses and {@code $}), range and subquery brackets, {@code offset} durations,
 * {@code @} modifiers, numbers with exponents, Grafana variables ({@code $namespace}, {@code $__rate_interval}),
 * function calls, aggregations with their {@code by}/{@code without} clause before or after the body, and binary
 * operators with {@code on}/{@code ignoring}/{@code group_left}/{@code group_right} are told apart from selectors.
 */
final class PromQl {

    private static final Set<String> AGGREGATIONS = Set.of(
            "sum",
            "min",
            "max",
            "avg",
            "group",
            "stddev",
            "stdvar",
            "count",
            "count_values",
            "bottomk",
            "topk",
            "quantile",
            "limitk",
            "limit_ratio");
    private static final Set<String> LABEL_LIST_KEYWORDS =
            Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of("bool", "offset", "and", "or", "unless", "atan2", "inf", "nan");
    private static final Pattern NUMBER =
            Pattern.compile("(?:0[xX][0-9a-fA-F]+|[0-9]*\\.?[0-9]+(?:[eE][+-]?[0-9]+)?)(?:[0-9]*(?:ms|[smhdwy]))*");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{[^}]*}|[a-zA-Z0-9_]+)");

    private PromQl() {}

    /**
     * What one expression reads.
     *
     * @param selectors its vector selectors, in order
     * @param groupingLabels the labels named in its {@code by}, {@code without}, {@code on}, {@code ignoring},
     *     {@code group_left} and {@code group_right} clauses
     */
    record Query(List<Selector> selectors, Set<String> groupingLabels) {

        Set<String> metricNames() {
            Set<String> names = new TreeSet<>();
            selectors.forEach(selector -> names.add(selector.name()));
            return names;
        }
    }

    /** A vector selector: a metric name and label matchers ({@code __name__} taken as the name). */
    record Selector(String name, List<LabelMatcher> matchers) {}

    /** {@code label op "value"}, with PromQL's fully anchored regular expressions. */
    record LabelMatcher(String label, String operator, String value) {

        /** Whether a series with this label value (null: the label is absent, which PromQL reads as "") matches. */
        boolean matches(String actual) {
            String present = actual == null ? "" : actual;
            return switch (operator) {
                case "=" -> present.equals(value);
                case "!=" -> !present.equals(value);
                case "=~" -> present.matches(value);
                case "!~" -> !present.matches(value);
                default -> throw new IllegalArgumentException("not a label matcher operator: " + operator);
            };
        }

        /** Whether the value is a Grafana variable to be filled in by the dashboard. */
        boolean templated() {
            return value.contains("$");
        }
    }

    /** The metric names an expression reads. */
    static Set<String> metricNames(String expression) {
        return parse(expression).metricNames();
    }

    static Query parse(String expression) {
        List<Token> tokens = tokenize(expression);
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (token.is(Kind.IDENTIFIER)) {
                String word = token.text();
                Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : Token.END;
                if (LABEL_LIST_KEYWORDS.contains(word)) {
                    if (next.is(Kind.OPEN_PAREN)) {
                        i = labelList(tokens, i + 2, grouping);
                    }
                } else if (KEYWORDS.contains(word.toLowerCase())) {
                    continue;
                } else if (next.is(Kind.OPEN_PAREN)
                        || (AGGREGATIONS.contains(word) && next.is(Kind.IDENTIFIER) && isGroupingClause(next))) {
                    continue; // a function or an aggregation
                } else if (next.is(Kind.OPEN_BRACE)) {
                    List<LabelMatcher> matchers = new ArrayList<>();
                    i = matchers(tokens, i + 2, matchers, new StringBuilder());
                    selectors.add(new Selector(word, matchers));
                } else {
                    selectors.add(new Selector(word, List.of()));
                }
            } else if (token.is(Kind.OPEN_BRACE)) {
                List<LabelMatcher> matchers = new ArrayList<>();
                StringBuilder quotedName = new StringBuilder();
                i = matchers(tokens, i + 1, matchers, quotedName);
                String name = quotedName.length() > 0 ? quotedName.toString() : nameMatcher(matchers, expression);
                selectors.add(new Selector(
                        name,
                        matchers.stream()
                                .filter(matcher -> !matcher.label().equals("__name__"))
                                .toList()));
            }
        }
        return new Query(List.copyOf(selectors), grouping);
    }

    private static boolean isGroupingClause(Token token) {
        return token.text().equals("by") || token.text().equals("without");
    }

    private static String nameMatcher(List<LabelMatcher> matchers, String expression) {
        return matchers.stream()
                .filter(matcher ->
                        matcher.label().equals("__name__") && matcher.operator().equals("="))
                .map(LabelMatcher::value)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("a selector without a metric name in: " + expression));
    }

    // From just after "(": label names up to ")". Returns the index of ")".
    private static int labelList(List<Token> tokens, int from, Set<String> labels) {
        int i = from;
        while (i < tokens.size() && !tokens.get(i).is(Kind.CLOSE_PAREN)) {
            Token token = tokens.get(i);
            if (token.is(Kind.IDENTIFIER) || token.is(Kind.STRING)) {
                labels.add(token.text());
            }
            i++;
        }
        return i;
    }

    // From just after "{": matchers up to "}"; a lone string is a quoted metric name. Returns the index of "}".
    private static int matchers(List<Token> tokens, int from, List<LabelMatcher> matchers, StringBuilder quotedName) {
        int i = from;
        while (i < tokens.size() && !tokens.get(i).is(Kind.CLOSE_BRACE)) {
            Token token = tokens.get(i);
            if ((token.is(Kind.IDENTIFIER) || token.is(Kind.STRING))
                    && i + 2 < tokens.size()
                    && tokens.get(i + 1).is(Kind.OPERATOR)
                    && tokens.get(i + 2).is(Kind.STRING)) {
                matchers.add(new LabelMatcher(
                        token.text(),
                        tokens.get(i + 1).text(),
                        tokens.get(i + 2).text()));
                i += 3;
            } else {
                if (token.is(Kind.STRING)) {
                    quotedName.append(token.text());
                }
                i++;
            }
        }
        return i;
    }

    private enum Kind {
        IDENTIFIER,
        STRING,
        NUMBER,
        OPERATOR,
        OPEN_PAREN,
        CLOSE_PAREN,
        OPEN_BRACE,
        CLOSE_BRACE,
        OTHER,
        END
    }

    private record Token(Kind kind, String text) {

        static final Token END = new Token(Kind.END, "");

        boolean is(Kind wanted) {
            return kind == wanted;
        }
    }

    private static List<Token> tokenize(String expression) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int length = expression.length();
        while (i < length) {
            char c = expression.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < length && expression.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"' || c == '\'' || c == '`') {
                int end = stringEnd(expression, i);
                tokens.add(new Token(Kind.STRING, unquote(expression.substring(i + 1, end), c)));
                i = end + 1;
            } else if (c == '[') {
                // A range or a subquery: durations and Grafana variables, nothing that names a series.
                int end = expression.indexOf(']', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed [ in: " + expression);
                }
                i = end + 1;
            } else if (c == '$') {
                Matcher variable = VARIABLE.matcher(expression).region(i, length);
                if (!variable.lookingAt()) {
                    throw new IllegalArgumentException("a lone $ in: " + expression);
                }
                tokens.add(new Token(Kind.NUMBER, variable.group()));
                i = variable.end();
            } else if (Character.isDigit(c)
                    || (c == '.' && i + 1 < length && Character.isDigit(expression.charAt(i + 1)))) {
                Matcher number = NUMBER.matcher(expression).region(i, length);
                if (!number.lookingAt()) {
                    throw new IllegalArgumentException("not a number at " + i + " in: " + expression);
                }
                tokens.add(new Token(Kind.NUMBER, number.group()));
                i = number.end();
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                Matcher identifier = IDENTIFIER.matcher(expression).region(i, length);
                identifier.lookingAt();
                tokens.add(new Token(Kind.IDENTIFIER, identifier.group()));
                i = identifier.end();
            } else if (c == '(') {
                tokens.add(new Token(Kind.OPEN_PAREN, "("));
                i++;
            } else if (c == ')') {
                tokens.add(new Token(Kind.CLOSE_PAREN, ")"));
                i++;
            } else if (c == '{') {
                tokens.add(new Token(Kind.OPEN_BRACE, "{"));
                i++;
            } else if (c == '}') {
                tokens.add(new Token(Kind.CLOSE_BRACE, "}"));
                i++;
            } else if (expression.startsWith("=~", i)
                    || expression.startsWith("!~", i)
                    || expression.startsWith("!=", i)) {
                tokens.add(new Token(Kind.OPERATOR, expression.substring(i, i + 2)));
                i += 2;
            } else if (expression.startsWith("==", i)
                    || expression.startsWith(">=", i)
                    || expression.startsWith("<=", i)) {
                tokens.add(new Token(Kind.OTHER, expression.substring(i, i + 2)));
                i += 2;
            } else if (c == '=') {
                tokens.add(new Token(Kind.OPERATOR, "="));
                i++;
            } else {
                tokens.add(new Token(Kind.OTHER, String.valueOf(c)));
                i++;
            }
        }
        return tokens;
    }

    private static int stringEnd(String expression, int start) {
        char quote = expression.charAt(start);
        for (int i = start + 1; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (c == '\\' && quote != '`') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed string in: " + expression);
    }

    private static String unquote(String body, char quote) {
        if (quote == '`') {
            return body;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length()) {
                char escaped = body.charAt(++i);
                text.append(
                        switch (escaped) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            default -> escaped;
                        });
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }
}
