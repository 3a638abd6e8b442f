package dev.tokenbroker.caller;

import java.util.Arrays;
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

    /** The grant with that id, if any. */
    public static Optional<Grant> fromId(String id) {
        return Arrays.stream(values()).filter(grant -> grant.id.equals(id)).findFirst();
    }
}
