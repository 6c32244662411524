package dev.ephemera.domain.kubeconfig;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Writes a {@link Kubeconfig} as the YAML that kubectl, client-go, fabric8 and the official Java
 * client read.
 *
 * <p>Written by hand because the domain depends on the JDK alone. Every scalar is double-quoted
 * and escaped, so no name, namespace or token can change the document's structure, turn into
 * another type ({@code no}, {@code 1e3}, {@code null}) or be folded: line breaks that YAML 1.1
 * parsers such as go-yaml fold (U+0085, U+2028, U+2029) are escaped along with every control and
 * non-printable character. Certificates and keys are embedded as base64 of their PEM
 * ({@code certificate-authority-data}, {@code client-certificate-data}, {@code client-key-data}),
 * so the file stands alone.
 */
public final class KubeconfigYaml {
    private KubeconfigYaml() {
    }

    /** The kubeconfig as YAML; a secret, since it carries the user's token or private key. */
    public static Secret render(Kubeconfig kubeconfig) {
        String name = quote(kubeconfig.name());
        StringBuilder y = new StringBuilder(4096);
        y.append("apiVersion: v1\n");
        y.append("kind: Config\n");
        y.append("clusters:\n");
        y.append("- name: ").append(name).append('\n');
        y.append("  cluster:\n");
        y.append("    server: ").append(quote(kubeconfig.server().toASCIIString())).append('\n');
        y.append("    certificate-authority-data: ").append(quote(base64(kubeconfig.caPem()))).append('\n');
        y.append("users:\n");
        y.append("- name: ").append(name).append('\n');
        y.append("  user:\n");
        if (kubeconfig.user() instanceof KubeUser.Token token) {
            y.append("    token: ").append(quote(token.token().reveal())).append('\n');
        } else if (kubeconfig.user() instanceof KubeUser.ClientCertificate cert) {
            y.append("    client-certificate-data: ").append(quote(base64(cert.certificatePem()))).append('\n');
            y.append("    client-key-data: ").append(quote(base64(cert.keyPem().reveal()))).append('\n');
        } else {
            throw new IllegalStateException("unknown kubeconfig user type " + kubeconfig.user().getClass().getName());
        }
        y.append("contexts:\n");
        y.append("- name: ").append(name).append('\n');
        y.append("  context:\n");
        y.append("    cluster: ").append(name).append('\n');
        y.append("    user: ").append(name).append('\n');
        kubeconfig.namespace().ifPresent(ns -> y.append("    namespace: ").append(quote(ns)).append('\n'));
        y.append("current-context: ").append(name).append('\n');
        y.append("preferences: {}\n");
        return Secret.of(y.toString());
    }

    /**
     * A YAML double-quoted scalar that reads back as exactly {@code value} in any YAML 1.1 or 1.2
     * parser. Refuses text that UTF-8 cannot carry (a lone surrogate).
     */
    public static String quote(String value) {
        StringBuilder q = new StringBuilder(value.length() + 2);
        q.append('"');
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            if (Character.isSurrogate(value.charAt(i)) && Character.charCount(cp) == 1) {
                throw EphemeraException.invalid("text for the kubeconfig holds a lone UTF-16 surrogate at index " + i
                        + "; it cannot be written as UTF-8");
            }
            i += Character.charCount(cp);
            switch (cp) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                case '\r' -> q.append("\\r");
                case 0 -> q.append("\\0");
                default -> {
                    if (isPlain(cp)) {
                        q.appendCodePoint(cp);
                    } else if (cp <= 0xFF) {
                        q.append(String.format("\\x%02X", cp));
                    } else if (cp <= 0xFFFF) {
                        q.append(String.format("\\u%04X", cp));
                    } else {
                        q.append(String.format("\\U%08X", cp));
                    }
                }
            }
        }
        return q.append('"').toString();
    }

    /**
     * Printable in YAML 1.2 and not a line break in YAML 1.1; also keeps the byte-order mark and
     * the non-characters U+FFFE/U+FFFF out of the text.
     */
    private static boolean isPlain(int cp) {
        return (cp >= 0x20 && cp <= 0x7E)
                || (cp >= 0xA0 && cp <= 0xD7FF && cp != 0x2028 && cp != 0x2029)
                || (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF)
                || (cp >= 0x10000 && cp <= 0x10FFFF);
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
    }
}
