package dev.ephemera.domain.kubeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class KubeconfigYamlTest {
    private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBcA==\n-----END CERTIFICATE-----\n";
    private static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIBcB==\n-----END CERTIFICATE-----\n";
    private static final String KEY = "-----BEGIN PRIVATE KEY-----\nMIGH==\n-----END PRIVATE KEY-----\n";

    private static Kubeconfig tokenConfig(String name, String token, Optional<String> namespace) {
        return new Kubeconfig(name, URI.create("https://203.0.113.10:6443"), CA,
                new KubeUser.Token(Secret.of(token)), namespace);
    }

    @Test
    @DisplayName("a token user gets one named cluster, user and context, the CA embedded, and the context made current")
    void rendersTokenUser() {
        String yaml = KubeconfigYaml.render(tokenConfig("pr-42-shop", "abc.def", Optional.of("ephemera-ci"))).reveal();

        String caData = Base64.getEncoder().encodeToString(CA.getBytes(StandardCharsets.UTF_8));
        assertThat(yaml).isEqualTo("""
                apiVersion: v1
                kind: Config
                clusters:
                - name: "pr-42-shop"
                  cluster:
                    server: "https://203.0.113.10:6443"
                    certificate-authority-data: "%s"
                users:
                - name: "pr-42-shop"
                  user:
                    token: "abc.def"
                contexts:
                - name: "pr-42-shop"
                  context:
                    cluster: "pr-42-shop"
                    user: "pr-42-shop"
                    namespace: "ephemera-ci"
                current-context: "pr-42-shop"
                preferences: {}
                """.formatted(caData));
    }

    @Test
    @DisplayName("a client-certificate user embeds the certificate and key as base64 of their PEM")
    void rendersClientCertificateUser() {
        var config = new Kubeconfig("admin@c1", URI.create("https://api.c1.example.com:6443"), CA,
                new KubeUser.ClientCertificate(CERT, Secret.of(KEY)), Optional.empty());

        String yaml = KubeconfigYaml.render(config).reveal();

        assertThat(yaml)
                .contains("    client-certificate-data: \"" + b64(CERT) + "\"\n")
                .contains("    client-key-data: \"" + b64(KEY) + "\"\n")
                .doesNotContain("token:")
                .doesNotContain("namespace:");
    }

    @Test
    @DisplayName("the rendered kubeconfig is a secret that never prints itself")
    void renderedIsSecret() {
        Secret yaml = KubeconfigYaml.render(tokenConfig("c", "s3cr3t-token", Optional.empty()));
        assertThat(yaml.toString()).doesNotContain("s3cr3t-token");
    }

    @Test
    @DisplayName("quotes, backslashes and line breaks are escaped, so a value cannot add keys")
    void escapesStructure() {
        String hostile = "x\"\nkind: Evil\n  \\ #comment: y";
        assertThat(KubeconfigYaml.quote(hostile)).isEqualTo("\"x\\\"\\nkind: Evil\\n  \\\\ #comment: y\"");
    }

    @Test
    @DisplayName("YAML 1.1 line breaks, controls, the byte-order mark and DEL are escaped")
    void escapesInvisibleCharacters() {
        assertThat(KubeconfigYaml.quote("a\u0085b\u2028c\u2029d\uFEFFe\u007Ff\u0001g\u0000h\ti\rj"))
                .isEqualTo("\"a\\x85b\\u2028c\\u2029d\\uFEFFe\\x7Ff\\x01g\\0h\\ti\\rj\"");
    }

    @Test
    @DisplayName("printable non-ASCII text is kept as UTF-8")
    void keepsPrintableUnicode() {
        assertThat(KubeconfigYaml.quote("café-集群-\uD83D\uDE80")).isEqualTo("\"café-集群-\uD83D\uDE80\"");
    }

    @Test
    @DisplayName("words YAML would read as other types stay strings")
    void quotesAmbiguousWords() {
        for (String word : new String[]{"no", "yes", "null", "~", "1e3", "0x10", "true", ""}) {
            assertThat(KubeconfigYaml.quote(word)).isEqualTo("\"" + word + "\"");
        }
    }

    @Test
    @DisplayName("a lone surrogate, which UTF-8 cannot carry, is refused")
    void refusesLoneSurrogate() {
        assertThatThrownBy(() -> KubeconfigYaml.quote("a\uD800b"))
                .isInstanceOf(EphemeraException.class)
                .hasMessageContaining("surrogate");
    }

    @Property(tries = 500)
    @Label("a quoted value never spans lines and always ends where it should")
    void quotedValueIsOneLine(@ForAll String value) {
        if (value.codePoints().anyMatch(cp -> cp <= 0xFFFF && Character.isSurrogate((char) cp))) {
            assertThatThrownBy(() -> KubeconfigYaml.quote(value)).isInstanceOf(EphemeraException.class);
            return;
        }
        String q = KubeconfigYaml.quote(value);
        assertThat(q).startsWith("\"").endsWith("\"");
        assertThat(q).doesNotContain("\n", "\r", "\u0085", "\u2028", "\u2029");
        String inner = q.substring(1, q.length() - 1);
        // every quote inside is escaped: removing escaped pairs leaves no bare quote
        assertThat(inner.replace("\\\\", "").replace("\\\"", "")).doesNotContain("\"");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
