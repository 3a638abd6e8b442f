package dev.tokenbroker.caller;

import java.util.Optional;

/** What a caller may be given for a credential. */
public enum Grant {
    /** IAM access tokens. */
    IAM_TOKEN("iam-token"),
    /** Short-lived WIoTP application keys. */
    IOT_KEY("iot-key");

    private final String id;

    Grant(String id) {
        this.id = id;
    }

    /** The id used in configuration, audit lines and metrics. */
    public String id() {
        return id;
    }

    private static final Grant[] ALL = values();

    /** The grant with that id, if any. A loop, not a stream: every audit line asks (request metrics). */
    public static Optional<Grant> fromId(String id) {
        for (Grant grant : ALL) {
            if (grant.id.equals(id)) {
                return Optional.of(grant);
            }
        }
        return Optional.empty();
    }
}
