package dev.tokenbroker.credential;

import java.util.List;

/** What a credential mints, and which fields its secret must have. */
public enum CredentialType {
    /** An IBM Cloud API key that mints IAM access tokens; secret field {@code apikey}. */
    IAM_APIKEY("iam-apikey", List.of("apikey")),
    /** A WIoTP operator application key that mints short-lived app keys; fields {@code apikey} and {@code token}. */
    IOT_APP("iot-app", List.of("apikey", "token")),
    /**
     * Keyless: IAM tokens of a trusted profile, for the compute-resource token the platform projects into the pod
     * ({@code cr-token-file}); no secret in the vault at all.
     */
    IAM_TRUSTED_PROFILE("iam-trusted-profile", List.of()),
    /** IAM tokens of a trusted profile, assumed with the token of a master key; secret field {@code apikey}. */
    IAM_ASSUME("iam-assume", List.of("apikey"));

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

    /** The secret fields this type cannot work without (none for a keyless type). */
    public List<String> requiredFields() {
        return requiredFields;
    }

    /** Whether it mints IAM access tokens (grant {@code iam-token}): every type but {@code iot-app}. */
    public boolean mintsIamTokens() {
        return this != IOT_APP;
    }

    /** Whether it mints for an IAM trusted profile ({@code iam-trusted-profile}, {@code iam-assume}). */
    public boolean forTrustedProfile() {
        return this == IAM_TRUSTED_PROFILE || this == IAM_ASSUME;
    }
}
