package dev.tokenbroker.credential;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The credentials the broker serves ({@code tokenbroker.credentials.{name}.*}).
 *
 * @param credentials by name
 */
@ConfigurationProperties("tokenbroker")
public record CredentialProperties(Map<String, Definition> credentials) {

    public CredentialProperties {
        credentials = credentials == null ? Map.of() : Map.copyOf(credentials);
    }

    /**
     * One credential. Which settings apply depends on the type; {@link CredentialRegistry} refuses the others at
     * start-up, one line per problem.
     *
     * @param type {@code iam-apikey}, {@code iot-app}, {@code iam-trusted-profile} or {@code iam-assume}
     * @param secret the vault secret; defaults to the credential's name ({@code iam-apikey}, {@code iot-app}); required
     *     for {@code iam-assume}; none for {@code iam-trusted-profile}
     * @param org the WIoTP organisation id ({@code iot-app})
     * @param ttl how long minted WIoTP keys live ({@code iot-app}; default 1h)
     * @param profileId the trusted profile's id ({@code iam-trusted-profile}, {@code iam-assume}; one of profile-id,
     *     profile-name, profile-crn)
     * @param profileName the trusted profile's name ({@code iam-trusted-profile}; {@code iam-assume} with
     *     {@code account})
     * @param profileCrn the trusted profile's CRN ({@code iam-trusted-profile}, {@code iam-assume})
     * @param account the account of a profile named by {@code profile-name} ({@code iam-assume} only)
     * @param crTokenFile the compute-resource token file ({@code iam-trusted-profile}); default: the first of
     *     {@code /var/run/secrets/tokens/vault-token}, {@code /var/run/secrets/tokens/sa-token} and
     *     {@code /var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token} that exists
     */
    public record Definition(
            String type,
            String secret,
            String org,
            @DefaultValue("1h") Duration ttl,
            String profileId,
            String profileName,
            String profileCrn,
            String account,
            String crTokenFile) {

        @ConstructorBinding
        public Definition {}

        /** A credential with a master key ({@code iam-apikey}, {@code iot-app}). */
        public Definition(String type, String secret, String org, Duration ttl) {
            this(type, secret, org, ttl, null, null, null, null, null);
        }
    }
}
