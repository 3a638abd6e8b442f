package dev.tokenbroker.credential;

import java.util.List;

/** The configuration cannot work; start-up fails with one line per problem. Never carries a secret value. */
public final class InvalidConfigurationException extends RuntimeException {

    private final List<String> problems;

    public InvalidConfigurationException(List<String> problems) {
        super("invalid token-broker configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
