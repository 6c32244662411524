package dev.ephemera.adapters.pki;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.KeyType;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.spi.Health;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues everything one cluster needs so that a K3s server trusts our certificates from its first
 * boot, and so that CI can reach it with an admin client certificate.
 *
 * <p>Five CAs (server, client, request-header, etcd server, etcd peer) and the service-account
 * signing key are written where K3s looks for them, {@code server/tls/} of its data directory; K3s
 * then makes its own leaf certificates from our CA keys instead of new CAs (k3s-io/k3s
 * {@code pkg/daemons/control/deps/deps.go}: {@code createSigningCertKey} returns early when the
 * pair exists). K3s derives {@code service.current.key} from {@code service.key} on every start
 * ({@code genServiceAccount}), so we do not write it.
 *
 * <p>Keys of the K3s tree are PEM in the forms K3s writes itself, SEC 1 ({@code EC PRIVATE KEY})
 * and PKCS #1 ({@code RSA PRIVATE KEY}): K3s passes {@code service.key} to the API server as
 * {@code --service-account-key-file} ({@code pkg/daemons/control/server.go}), read with client-go's
 * {@code keyutil.ParsePublicKeysPEM}, which does not read an EC key wrapped in PKCS #8. The
 * stand-alone {@code apiserver.key} and {@code admin.key} are PKCS #8 ({@code PRIVATE KEY}), which
 * Go, OpenSSL and the JDK all read without help.
 *
 * <p>ECDSA keys are made and used through a private BouncyCastle provider instance (never
 * registered globally): on Java 17 its P-256 code generates and signs about six times faster than
 * SunEC, which is what keeps a bundle under the 5 ms target. RSA stays with the JDK's providers,
 * which are as fast for key generation and faster at signing. Safe for concurrent use.
 */
public final class BouncyCastleCertificateAuthority implements CertificateAuthority {
    /** The names K3s puts on its own serving certificate, so ours is accepted wherever K3s's would be. */
    static final List<String> KUBERNETES_DNS_NAMES = List.of("kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local", "localhost");
    /** Loopback and the K3s default service IP of {@code kubernetes.default} (first address of 10.43.0.0/16). */
    static final List<String> KUBERNETES_IPS = List.of("127.0.0.1", "::1", "10.43.0.1");
    static final String ADMIN_COMMON_NAME = "ephemera-admin";
    static final String ADMIN_GROUP = "system:masters";

    private static final String K3S = PkiBundle.K3S_TLS_PREFIX;
    /** Made once: building the provider's algorithm table takes a noticeable fraction of a second. */
    private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

    private final PkiSettings settings;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public BouncyCastleCertificateAuthority(PkiSettings settings) {
        this(settings, Clock.systemUTC());
    }

    BouncyCastleCertificateAuthority(PkiSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public PkiBundle issue(PkiRequest request) {
        KeyType keyType = request.requestedKeyType().orElse(settings.keyType());
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant notBefore = now.minus(settings.backdate());
        Instant caNotAfter = now.plus(request.requestedCaValidity().orElse(settings.caValidity()));
        Instant leafNotAfter = min(now.plus(request.requestedLeafValidity().orElse(settings.leafValidity())), caNotAfter);
        // K3s stamps its CA names with the time of issue the same way, which keeps two CAs of
        // one cluster name from sharing a subject.
        String stamp = "@" + now.getEpochSecond();
        String cluster = request.clusterName();

        try {
            Issuing issuing = new Issuing(keyType, notBefore, caNotAfter, leafNotAfter);
            Issued serverCa = issuing.ca(caName(cluster, "server-ca" + stamp));
            Issued clientCa = issuing.ca(caName(cluster, "client-ca" + stamp));
            Issued requestHeaderCa = issuing.ca(caName(cluster, "request-header-ca" + stamp));
            Issued etcdServerCa = issuing.ca(caName(cluster, "etcd-server-ca" + stamp));
            Issued etcdPeerCa = issuing.ca(caName(cluster, "etcd-peer-ca" + stamp));
            KeyPair serviceAccount = issuing.keyPair();

            X500Name apiServerName = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, "ephemera").addRDN(BCStyle.OU, cluster).addRDN(BCStyle.CN, "kube-apiserver").build();
            Issued apiServer = issuing.leaf(serverCa, apiServerName, KeyPurposeId.id_kp_serverAuth, apiServerSans(request));
            X500Name adminName = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, ADMIN_GROUP).addRDN(BCStyle.CN, ADMIN_COMMON_NAME).build();
            Issued admin = issuing.leaf(clientCa, adminName, KeyPurposeId.id_kp_clientAuth, null);

            List<BundleFile> files = new ArrayList<>(19);
            files.add(cert(PkiBundle.SERVER_CA, serverCa));
            files.add(cert(PkiBundle.CLIENT_CA, clientCa));
            files.add(cert(PkiBundle.APISERVER_CERT, apiServer));
            files.add(key(PkiBundle.APISERVER_KEY, pkcs8(apiServer.keys())));
            files.add(cert(PkiBundle.ADMIN_CERT, admin));
            files.add(key(PkiBundle.ADMIN_KEY, pkcs8(admin.keys())));
            addK3sPair(files, "server-ca", serverCa);
            addK3sPair(files, "client-ca", clientCa);
            addK3sPair(files, "request-header-ca", requestHeaderCa);
            addK3sPair(files, "etcd/server-ca", etcdServerCa);
            addK3sPair(files, "etcd/peer-ca", etcdPeerCa);
            files.add(key(K3S + "service.key", traditional(serviceAccount)));
            return new PkiBundle(files);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new EphemeraException(ErrorCode.INTERNAL, "could not issue the PKI bundle for cluster '" + cluster
                    + "' with " + keyType + ": " + e.getMessage() + "; check the JDK's security providers", e);
        }
    }

    @Override
    public Health health() {
        return Health.up("issues in-process; default key type " + settings.keyType());
    }

    private static X500Name caName(String cluster, String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "ephemera").addRDN(BCStyle.OU, cluster).addRDN(BCStyle.CN, commonName).build();
    }

    private static GeneralNames apiServerSans(PkiRequest request) {
        Set<String> dns = new LinkedHashSet<>(request.dnsNames());
        dns.addAll(KUBERNETES_DNS_NAMES);
        Set<String> ips = new LinkedHashSet<>(request.ipAddresses());
        ips.addAll(KUBERNETES_IPS);
        List<GeneralName> names = new ArrayList<>(dns.size() + ips.size());
        dns.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
        ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private void addK3sPair(List<BundleFile> files, String base, Issued ca) throws IOException {
        files.add(cert(K3S + base + ".crt", ca));
        files.add(key(K3S + base + ".key", traditional(ca.keys())));
    }

    private static BundleFile cert(String path, Issued issued) throws IOException {
        return new BundleFile(path, Secret.of(pem("CERTIFICATE", issued.certificate().getEncoded())), false);
    }

    private static BundleFile key(String path, String pem) {
        return new BundleFile(path, Secret.of(pem), true);
    }

    private static String pkcs8(KeyPair keys) {
        return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
    }

    /** SEC 1 for EC (with the curve and public key, which Go insists on) or PKCS #1 for RSA. */
    private static String traditional(KeyPair keys) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        if (keys.getPrivate() instanceof java.security.interfaces.ECPrivateKey ec) {
            ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
            SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
            var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(ec.getParams().getOrder().bitLength(), ec.getS(),
                    publicKey.getPublicKeyData(), curve);
            return pem("EC PRIVATE KEY", sec1.getEncoded());
        }
        return pem("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** A certificate with its key pair. */
    private record Issued(X509CertificateHolder certificate, KeyPair keys) {
    }

    /** One bundle's issuing: key type and validity window fixed, helpers not shared between threads. */
    private final class Issuing {
        private final KeyType keyType;
        private final Date notBefore;
        private final Date caNotAfter;
        private final Date leafNotAfter;
        private final JcaX509ExtensionUtils extensions;
        private final KeyPairGenerator generator;

        Issuing(KeyType keyType, Instant notBefore, Instant caNotAfter, Instant leafNotAfter) throws GeneralSecurityException {
            this.keyType = keyType;
            this.notBefore = Date.from(notBefore);
            this.caNotAfter = Date.from(caNotAfter);
            this.leafNotAfter = Date.from(leafNotAfter);
            this.extensions = new JcaX509ExtensionUtils();
            this.generator = switch (keyType) {
                case ECDSA_P256 -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC", BOUNCY_CASTLE);
                    g.initialize(new ECGenParameterSpec("secp256r1"), random);
                    yield g;
                }
                case RSA_2048, RSA_4096 -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(keyType == KeyType.RSA_2048 ? 2048 : 4096, random);
                    yield g;
                }
            };
        }

        KeyPair keyPair() {
            return generator.generateKeyPair();
        }

        /** A self-signed CA that may sign leaves only (path length 0). */
        Issued ca(X500Name name) throws GeneralSecurityException, OperatorCreationException, CertIOException {
            KeyPair keys = keyPair();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), notBefore, caNotAfter, name, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(keys.getPublic()));
            return new Issued(b.build(signer(keys.getPrivate())), keys);
        }

        /** An end-entity certificate for one purpose, signed by {@code issuer}. */
        Issued leaf(Issued issuer, X500Name subject, KeyPurposeId purpose, GeneralNames sans)
                throws GeneralSecurityException, OperatorCreationException, CertIOException {
            KeyPair keys = keyPair();
            PublicKey issuerKey = issuer.keys().getPublic();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer.certificate().getSubject(), serial(),
                    notBefore, leafNotAfter, subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            // RSA key transport (TLS 1.2 RSA key exchange) needs keyEncipherment; ECDSA keys only sign.
            int usage = keyType == KeyType.ECDSA_P256 ? KeyUsage.digitalSignature : KeyUsage.digitalSignature | KeyUsage.keyEncipherment;
            b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            b.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(issuerKey));
            if (sans != null) {
                b.addExtension(Extension.subjectAlternativeName, false, sans);
            }
            return new Issued(b.build(signer(issuer.keys().getPrivate())), keys);
        }

        private ContentSigner signer(PrivateKey key) throws OperatorCreationException {
            if (keyType == KeyType.ECDSA_P256) {
                return new JcaContentSignerBuilder("SHA256withECDSA").setProvider(BOUNCY_CASTLE).setSecureRandom(random).build(key);
            }
            return new JcaContentSignerBuilder("SHA256withRSA").setSecureRandom(random).build(key);
        }

        /** A random positive serial of up to 128 bits (RFC 5280 allows 20 octets; CAs use at least 64 random bits). */
        private BigInteger serial() {
            byte[] bytes = new byte[16];
            BigInteger serial;
            do {
                random.nextBytes(bytes);
                serial = new BigInteger(1, bytes);
            } while (serial.signum() == 0);
            return serial;
        }
    }

    @Override
    public String toString() {
        return "BouncyCastleCertificateAuthority[" + settings.keyType() + "]";
    }
}
