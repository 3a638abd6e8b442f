package dev.tokenbroker.credential;

import java.util.List;

/** What a credential mints, and which fields its secret must have. */
public enum CredentialType {
    /** An IBM Cloud API key that mints IAM access tokens; secret field {@code apikey}. */
    IAM_APIKEY("iam-apikey", List.of("apikey")),
    /** A WIoTP operator application key that mints short-lived app keys; fields {@code apikey} and {@code token}. */
    IOT_APP("iot-app", List.of("apikey", "token"));

    private final String id;
    private final List<String> requiredFields;

    CredentialType(String id, List<String> requiredFields) {
        this.id = id;
        this.requiredFields = requiredFields;
    }

    /** The id used in configuration and JSON, e.g. {@code iam-apikey}. */
    public String id() {
        return id;
    }

    /** The secret fields this type cannot work without. */
    public List<String> requiredFields() {
        return requiredFields;
    }
}
