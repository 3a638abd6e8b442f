package dev.tokenbroker.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Workload JWTs shaped like Kubernetes projected service-account tokens ({@code iss}, {@code aud},
 * {@code sub=system:serviceaccount:NS:SA}, {@code kubernetes.io{namespace,serviceaccount{name,uid},pod{name,uid}}},
 * {@code iat}/{@code nbf}/{@code exp} from {@link TestBroker#CLOCK}), signed by test keys that the JWKS simulators of
 * {@link TestBroker} publish. Also the forgeries the broker must refuse.
 */
public final class TestJwts {

    /** The cluster issuer the broker trusts in tests. */
    public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

    /** A second trusted issuer whose keys rotate in a test. */
    public static final String ROTATING_ISSUER = "https://rotating.oidc.test";

    /** A third trusted issuer whose JWKS endpoint goes down in a test. */
    public static final String OUTAGE_ISSUER = "https://outage.oidc.test";

    /** The audience the broker expects. */
    public static final String AUDIENCE = "token-broker";

    /** The cluster's RSA key (RS256). */
    public static final RSAKey CLUSTER_RSA = rsa("cluster-rsa-1");

    /** The cluster's EC key (ES256). */
    public static final ECKey CLUSTER_EC = ec("cluster-ec-1");

    /** A key no JWKS publishes. */
    public static final RSAKey UNPUBLISHED = rsa("never-published");

    /** The rotating issuer's first and second keys. */
    public static final RSAKey ROTATING_OLD = rsa("rotating-1");

    public static final RSAKey ROTATING_NEW = rsa("rotating-2");

    /** The outage issuer's key. */
    public static final RSAKey OUTAGE_KEY = rsa("outage-1");

    private TestJwts() {}

    /** A projected token of service account {@code sa} in namespace {@code namespace}, valid for one hour. */
    public static Builder serviceAccount(String namespace, String sa) {
        return new Builder(namespace, sa);
    }

    /** The same claims as a valid token, with {@code alg: none} and no signature. */
    public static String unsigned(Builder builder) {
        return new PlainJWT(builder.claims()).serialize();
    }

    /**
     * The classic key-confusion forgery: HS256 with the cluster's RSA public key (its X.509 DER bytes) as the HMAC
     * secret, and the RSA key's {@code kid}.
     */
    public static String hs256WithPublicKey(Builder builder) {
        try {
            byte[] secret = CLUSTER_RSA.toRSAPublicKey().getEncoded();
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.HS256)
                            .keyID(CLUSTER_RSA.getKeyID())
                            .build(),
                    builder.claims());
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A validly signed token whose payload was then swapped for one naming another service account. */
    public static String tampered(String token) {
        String[] parts = token.split("\\.");
        JWTClaimsSet forged = serviceAccount("ml", "admin").claims();
        return parts[0] + "." + Base64URL.encode(forged.toString()) + "." + parts[2];
    }

    /** Builds one token. Not thread-safe; build and sign on one thread. */
    public static final class Builder {

        private final String namespace;
        private final String serviceAccount;
        private String issuer = ISSUER;
        private List<String> audiences = List.of(AUDIENCE);
        private Instant issuedAt = TestBroker.CLOCK.instant();
        private Instant notBefore = issuedAt;
        private Instant expiresAt = issuedAt.plus(Duration.ofHours(1));
        private JWK key = CLUSTER_RSA;
        private String jku;
        private String subject;
        private String keyId;

        private Builder(String namespace, String serviceAccount) {
            this.namespace = namespace;
            this.serviceAccount = serviceAccount;
        }

        public Builder issuer(String value) {
            this.issuer = value;
            return this;
        }

        public Builder audience(String... values) {
            this.audiences = List.of(values);
            return this;
        }

        /** Issued {@code ago} before now, living {@code lifetime}. */
        public Builder issued(Duration ago, Duration lifetime) {
            this.issuedAt = TestBroker.CLOCK.instant().minus(ago);
            this.notBefore = issuedAt;
            this.expiresAt = issuedAt.plus(lifetime);
            return this;
        }

        public Builder notBefore(Instant value) {
            this.notBefore = value;
            return this;
        }

        public Builder signedWith(JWK value) {
            this.key = value;
            return this;
        }

        /** Another {@code sub} than {@code system:serviceaccount:NS:SA}, e.g. one a hostile issuer would mint. */
        public Builder subject(String value) {
            this.subject = value;
            return this;
        }

        /** Another {@code kid} header than the signing key's own, e.g. one no key set knows. */
        public Builder keyId(String value) {
            this.keyId = value;
            return this;
        }

        /** Puts a {@code jku} header in, pointing wherever an attacker likes. */
        public Builder jku(String url) {
            this.jku = url;
            return this;
        }

        /** The compact serialization, signed with the key's algorithm (RS256 or ES256). */
        public String sign() {
            try {
                JWSAlgorithm algorithm = key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
                JWSHeader.Builder header =
                        new JWSHeader.Builder(algorithm).keyID(keyId == null ? key.getKeyID() : keyId);
                if (jku != null) {
                    header.jwkURL(java.net.URI.create(jku)).type(JOSEObjectType.JWT);
                }
                SignedJWT jwt = new SignedJWT(header.build(), claims());
                JWSSigner signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
                jwt.sign(signer);
                return jwt.serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }

        JWTClaimsSet claims() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            String pod = serviceAccount + "-" + Long.toHexString(random.nextLong() & 0xffffffL);
            return new JWTClaimsSet.Builder()
                    .issuer(issuer)
                    .audience(audiences)
                    .subject(subject == null ? "system:serviceaccount:" + namespace + ":" + serviceAccount : subject)
                    .issueTime(Date.from(issuedAt))
                    .notBeforeTime(Date.from(notBefore))
                    .expirationTime(Date.from(expiresAt))
                    .jwtID(new UUID(random.nextLong(), random.nextLong()).toString())
                    .claim(
                            "kubernetes.io",
                            Map.of(
                                    "namespace",
                                    namespace,
                                    "serviceaccount",
                                    Map.of("name", serviceAccount, "uid", uid(random)),
                                    "pod",
                                    Map.of("name", pod, "uid", uid(random))))
                    .build();
        }

        private static String uid(ThreadLocalRandom random) {
            return new UUID(random.nextLong(), random.nextLong()).toString();
        }
    }

    private static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256)
                    .keyID(kid)
                    .keyUse(KeyUse.SIGNATURE)
                    .generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
