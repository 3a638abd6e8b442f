package dev.tokenbroker.sink;

import java.util.Locale;

/** What a file sink holds. */
public enum SinkFormat {
    /** The access token alone, UTF-8, without a trailing newline: {@code Authorization: Bearer $(cat file)}. */
    RAW,
    /** The JSON body {@code POST /v1/credentials/{name}/iam-token} answers, without a trailing newline. */
    JSON;

    /** The id used in configuration, e.g. {@code raw}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
