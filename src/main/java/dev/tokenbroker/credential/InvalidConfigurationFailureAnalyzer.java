package dev.tokenbroker.credential;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints configuration problems one per line instead of a stack trace. */
class InvalidConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationException cause) {
        return new FailureAnalysis(
                "token-broker cannot start:\n  - " + String.join("\n  - ", cause.problems()),
                "Fix each line above in the tokenbroker.* configuration or in the vault.",
                cause);
    }
}
