package dev.tokenbroker.ops;

import dev.tokenbroker.support.Secret;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * What {@code env} and {@code configprops} mask for ops callers (everyone else sees no value at all): only what can
 * hold a secret, so every harmless setting shows its value.
 *
 * <ul>
 *   <li>the broker's own secret-bearing properties, listed here: client-key hashes, the audit salt, the HashiCorp
 *       Vault token and AppRole ids;
 *   <li>for other properties, the defaults Spring Boot used to apply by name: a key ending in {@code password},
 *       {@code secret}, {@code key}, {@code token} or naming {@code credentials}, {@code vcap_services},
 *       {@code sun.java.command};
 *   <li>any value that is a {@link Secret} or contains a client key ({@code tbk_}), and the password of a URI with
 *       user info ({@code redis://user:password@host}).
 * </ul>
 *
 * Keys are compared without case, dashes or underscores, so the {@code configprops} form ({@code clientKeys}) and the
 * {@code env} form ({@code client-keys}) match alike.
 */
final class SecretProperties implements SanitizingFunction {

    private static final List<Pattern> BROKER_SECRETS = List.of(
            Pattern.compile("tokenbroker\\.callers\\.clientkeys(\\..*)?"),
            Pattern.compile("tokenbroker\\.audit\\.salt"),
            Pattern.compile("tokenbroker\\.vault\\.hashicorp\\.(authentication\\.)?token"),
            Pattern.compile("tokenbroker\\.vault\\.hashicorp\\.(authentication\\.)?approle\\.(roleid|secretid)"));

    private static final Pattern DEFAULT_SECRETS =
            Pattern.compile("(.*(password|secret|key|token)|.*credentials.*|vcapservices|sun\\.java\\.command)");

    @Override
    public SanitizableData apply(SanitizableData data) {
        Object value = data.getValue();
        if (value == null) {
            return data;
        }
        if (isSecretKey(data.getKey())
                || value instanceof Secret
                || value.toString().contains("tbk_")) {
            return data.withSanitizedValue();
        }
        String userInfoMasked = maskUserInfo(value.toString());
        return userInfoMasked == null ? data : data.withValue(userInfoMasked);
    }

    static boolean isSecretKey(String key) {
        String normal = key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        if (normal.startsWith("tokenbroker.")) {
            return BROKER_SECRETS.stream()
                    .anyMatch(secret -> secret.matcher(normal).matches());
        }
        return DEFAULT_SECRETS.matcher(normal).matches();
    }

    // A URI with user:password keeps its user and host and loses its password; anything else is left alone (null).
    private static String maskUserInfo(String value) {
        if (!value.contains("://") || !value.contains("@")) {
            return null;
        }
        try {
            URI uri = URI.create(value.trim());
            String userInfo = uri.getRawUserInfo();
            if (userInfo == null || !userInfo.contains(":")) {
                return null;
            }
            String user = userInfo.substring(0, userInfo.indexOf(':'));
            return value.replace(userInfo, user + ":" + SanitizableData.SANITIZED_VALUE);
        } catch (IllegalArgumentException notAUri) {
            return SanitizableData.SANITIZED_VALUE;
        }
    }
}
