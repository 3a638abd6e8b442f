package dev.tokenbroker.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for the TLS tests, shaped like what cert-manager's CA issuer writes into a {@code kubernetes.io/tls}
 * Secret: a test CA ({@code ca.crt}) and server certificates it signs ({@code tls.crt}, one leaf) with an ECDSA P-256
 * key in PKCS#8 ({@code tls.key}, the encoding the chart asks cert-manager for). Validity follows the system clock,
 * which is what TLS clients check. Bouncy Castle builds the certificates: the JDK has no public API to sign one.
 */
public final class TestCertificates {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestCertificates() {}

    /** A new certificate authority, like a cert-manager CA {@code ClusterIssuer}. */
    public static Authority authority() {
        KeyPair keys = ecKeys();
        X500Name name = new X500Name("CN=token-broker test CA");
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            name, serial(), validFrom(now), validUntil(now), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new Authority(keys, sign(builder, keys.getPrivate()));
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A trust store holding the certificates of a PEM file (a {@code ca.crt}, a trust-manager bundle), read the way a
     * caller of the broker reads its cluster's CA, and the trust manager over it.
     */
    public static X509TrustManager trustManager(String caPem) {
        try {
            KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
            trustStore.load(null, null);
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
            int index = 0;
            for (Certificate certificate : certificates) {
                trustStore.setCertificateEntry("ca-" + index++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trustStore);
            return (X509TrustManager) factory.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TLS client context that trusts what {@code trustManager} trusts and nothing else. */
    public static SSLContext sslContext(X509TrustManager trustManager) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new X509TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    private static Date validFrom(Instant now) {
        return Date.from(now.minus(Duration.ofHours(1)));
    }

    private static Date validUntil(Instant now) {
        return Date.from(now.plus(Duration.ofDays(1)));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static String pem(X509Certificate certificate) {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A test CA. Its key stays inside; {@link #toString()} names the CA only. */
    public static final class Authority {

        private final KeyPair keys;

        private final X509Certificate certificate;

        private Authority(KeyPair keys, X509Certificate certificate) {
            this.keys = keys;
            this.certificate = certificate;
        }

        /** {@code ca.crt}: the CA certificate, PEM. */
        public String certificatePem() {
            return pem(certificate);
        }

        /**
         * A server certificate for {@code dnsNames}, plus {@code localhost} and {@code 127.0.0.1} (where the tests
         * call), with a new key and a new serial number each time.
         */
        public Issued issue(String... dnsNames) {
            KeyPair serverKeys = ecKeys();
            Instant now = Instant.now();
            GeneralName[] names = new GeneralName[dnsNames.length + 2];
            names[0] = new GeneralName(GeneralName.dNSName, "localhost");
            names[1] = new GeneralName(
                    GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress());
            for (int i = 0; i < dnsNames.length; i++) {
                names[i + 2] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
            }
            try {
                JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
                PublicKey publicKey = serverKeys.getPublic();
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                                certificate,
                                serial(),
                                validFrom(now),
                                validUntil(now),
                                new X500Name("CN=token-broker"),
                                publicKey)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(
                                Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
                        .addExtension(
                                Extension.authorityKeyIdentifier,
                                false,
                                extensions.createAuthorityKeyIdentifier(certificate))
                        .addExtension(
                                Extension.subjectKeyIdentifier,
                                false,
                                extensions.createSubjectKeyIdentifier(publicKey));
                return new Issued(sign(builder, keys.getPrivate()), serverKeys.getPrivate());
            } catch (GeneralSecurityException | CertIOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String toString() {
            return "Authority[" + certificate.getSubjectX500Principal() + "]";
        }
    }

    /** A server certificate and its key, as the two files of a {@code kubernetes.io/tls} Secret. */
    public static final class Issued {

        private final X509Certificate certificate;

        private final PrivateKey key;

        private Issued(X509Certificate certificate, PrivateKey key) {
            this.certificate = certificate;
            this.key = key;
        }

        /** The certificate itself. */
        public X509Certificate certificate() {
            return certificate;
        }

        /** {@code tls.crt}. */
        public String certificatePem() {
            return pem(certificate);
        }

        /** {@code tls.key}: PKCS#8 ({@code PRIVATE KEY}). */
        public String privateKeyPem() {
            return pem("PRIVATE KEY", key.getEncoded());
        }

        @Override
        public String toString() {
            return "Issued[serial " + certificate.getSerialNumber().toString(16) + "]";
        }
    }
}
