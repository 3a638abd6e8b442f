package dev.tokenbroker.support;

/**
 * The services the broker depends on. {@link #tag()} is the one name each goes by in metrics ({@code upstream} tag),
 * health details, logs and error messages, so that one upstream never shows up under two names.
 */
public enum Upstream {
    /** IBM Cloud IAM, which mints access tokens from API keys. */
    IAM("iam"),
    /** Watson IoT Platform, which mints and revokes application keys. */
    WIOTP("wiotp"),
    /** The store of master keys (HashiCorp Vault; the file store has no network upstream). */
    VAULT("vault");

    private final String tag;

    Upstream(String tag) {
        this.tag = tag;
    }

    /** The low-cardinality name: {@code iam}, {@code wiotp}, {@code vault}. */
    public String tag() {
        return tag;
    }

    @Override
    public String toString() {
        return tag;
    }
}
