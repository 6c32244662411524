package dev.ephemera.adapters.pki;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ephemera.domain.kubeconfig.KubeUser;
import dev.ephemera.domain.kubeconfig.Kubeconfig;
import dev.ephemera.domain.kubeconfig.KubeconfigYaml;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.domain.secret.Secret;
import io.fabric8.kubernetes.client.Config;
import io.kubernetes.client.util.KubeConfig;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Our rendered kubeconfigs load unchanged in kubectl, fabric8 and the official Kubernetes Java client. */
class KubeconfigInteropTest {
    private static final PkiBundle BUNDLE = new BouncyCastleCertificateAuthority(PkiSettings.defaults())
            .issue(PkiRequest.ofSans("pr-42-shop", List.of("api.pr-42.example.com")));
    private static final URI SERVER = URI.create("https://api.pr-42.example.com:6443");
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2ln";
    /** Names and values a careless renderer would turn into other YAML. */
    private static final String HOSTILE_NAME = "pr-42 \"shop\": #1 \\ {x} [y] & *z ! | > % @ ` no \u2028 é";
    private static final String HOSTILE_NAMESPACE = "null";
    private static final String HOSTILE_TOKEN = "tok\"en\\n: yes\u0085 #";

    private static Kubeconfig tokenConfig(String name, String token, String namespace) {
        return new Kubeconfig(name, SERVER, BUNDLE.serverCaPem(), new KubeUser.Token(Secret.of(token)), Optional.of(namespace));
    }

    private static Kubeconfig certConfig() {
        return new Kubeconfig("pr-42-shop-admin", SERVER, BUNDLE.serverCaPem(),
                new KubeUser.ClientCertificate(BUNDLE.adminCertPem(), BUNDLE.adminKeyPem()), Optional.empty());
    }

    private static String yaml(Kubeconfig k) {
        return KubeconfigYaml.render(k).reveal();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Nested
    @DisplayName("kubectl config view")
    class Kubectl {
        @TempDir
        Path dir;

        private JsonObject view(Kubeconfig k) throws Exception {
            ExternalTool.require("kubectl", "kubernetes-client");
            Path file = dir.resolve("kubeconfig");
            Files.writeString(file, yaml(k));
            var r = ExternalTool.run(List.of("kubectl", "config", "view", "--raw", "-o", "json", "--kubeconfig", file.toString()),
                    Map.of("HOME", dir.toString()), Duration.ofSeconds(60));
            assertThat(r.exitCode()).as(r.err()).isZero();
            return JsonParser.parseString(r.out()).getAsJsonObject();
        }

        @Test
        @DisplayName("reads the client-certificate user, the embedded CA and the current context")
        void clientCertificateUser() throws Exception {
            JsonObject v = view(certConfig());

            assertThat(v.get("current-context").getAsString()).isEqualTo("pr-42-shop-admin");
            JsonObject cluster = v.getAsJsonArray("clusters").get(0).getAsJsonObject();
            assertThat(cluster.get("name").getAsString()).isEqualTo("pr-42-shop-admin");
            assertThat(cluster.getAsJsonObject("cluster").get("server").getAsString()).isEqualTo(SERVER.toString());
            assertThat(cluster.getAsJsonObject("cluster").get("certificate-authority-data").getAsString())
                    .isEqualTo(b64(BUNDLE.serverCaPem()));
            JsonObject user = v.getAsJsonArray("users").get(0).getAsJsonObject().getAsJsonObject("user");
            assertThat(user.get("client-certificate-data").getAsString()).isEqualTo(b64(BUNDLE.adminCertPem()));
            assertThat(user.get("client-key-data").getAsString()).isEqualTo(b64(BUNDLE.adminKeyPem().reveal()));
            JsonObject context = v.getAsJsonArray("contexts").get(0).getAsJsonObject().getAsJsonObject("context");
            assertThat(context.get("cluster").getAsString()).isEqualTo("pr-42-shop-admin");
            assertThat(context.get("user").getAsString()).isEqualTo("pr-42-shop-admin");
            assertThat(context.has("namespace")).isFalse();
        }

        @Test
        @DisplayName("reads a token user, a namespace, and names full of YAML syntax back exactly")
        void hostileValues() throws Exception {
            JsonObject v = view(tokenConfig(HOSTILE_NAME, HOSTILE_TOKEN, HOSTILE_NAMESPACE));

            assertThat(v.get("current-context").getAsString()).isEqualTo(HOSTILE_NAME);
            assertThat(v.getAsJsonArray("users").get(0).getAsJsonObject().get("name").getAsString()).isEqualTo(HOSTILE_NAME);
            assertThat(v.getAsJsonArray("users").get(0).getAsJsonObject().getAsJsonObject("user").get("token").getAsString())
                    .isEqualTo(HOSTILE_TOKEN);
            assertThat(v.getAsJsonArray("contexts").get(0).getAsJsonObject().getAsJsonObject("context").get("namespace")
                    .getAsString()).isEqualTo(HOSTILE_NAMESPACE);
        }
    }

    @Nested
    @DisplayName("fabric8 Config.fromKubeconfig")
    class Fabric8 {
        @Test
        @DisplayName("reads the client-certificate user and the embedded CA")
        void clientCertificateUser() {
            Config c = Config.fromKubeconfig(yaml(certConfig()));

            assertThat(c.getMasterUrl()).startsWith(SERVER.toString());
            assertThat(c.getCaCertData()).isEqualTo(b64(BUNDLE.serverCaPem()));
            assertThat(c.getClientCertData()).isEqualTo(b64(BUNDLE.adminCertPem()));
            assertThat(c.getClientKeyData()).isEqualTo(b64(BUNDLE.adminKeyPem().reveal()));
            assertThat(c.getCurrentContext().getName()).isEqualTo("pr-42-shop-admin");
        }

        @Test
        @DisplayName("reads a token user, a namespace, and names full of YAML syntax back exactly")
        void tokenUser() {
            Config c = Config.fromKubeconfig(yaml(tokenConfig(HOSTILE_NAME, HOSTILE_TOKEN, "ephemera-ci")));

            assertThat(Optional.ofNullable(c.getAutoOAuthToken()).orElse(c.getOauthToken())).isEqualTo(HOSTILE_TOKEN);
            assertThat(c.getNamespace()).isEqualTo("ephemera-ci");
            assertThat(c.getCurrentContext().getName()).isEqualTo(HOSTILE_NAME);
            assertThat(c.getCurrentContext().getContext().getUser()).isEqualTo(HOSTILE_NAME);
        }
    }

    @Nested
    @DisplayName("official client-java KubeConfig")
    class OfficialJavaClient {
        @Test
        @DisplayName("reads the client-certificate user and the embedded CA")
        void clientCertificateUser() throws Exception {
            KubeConfig k = KubeConfig.loadKubeConfig(new StringReader(yaml(certConfig())));

            assertThat(k.getCurrentContext()).isEqualTo("pr-42-shop-admin");
            assertThat(k.getServer()).isEqualTo(SERVER.toString());
            assertThat(new String(k.getDataOrFileRelative(k.getCertificateAuthorityData(), k.getCertificateAuthorityFile()),
                    StandardCharsets.UTF_8)).isEqualTo(BUNDLE.serverCaPem());
            assertThat(new String(k.getDataOrFileRelative(k.getClientCertificateData(), k.getClientCertificateFile()),
                    StandardCharsets.UTF_8)).isEqualTo(BUNDLE.adminCertPem());
            assertThat(new String(k.getDataOrFileRelative(k.getClientKeyData(), k.getClientKeyFile()), StandardCharsets.UTF_8))
                    .isEqualTo(BUNDLE.adminKeyPem().reveal());
            assertThat(k.verifySSL()).isTrue();
        }

        @Test
        @DisplayName("reads a token user, a namespace, and names full of YAML syntax back exactly")
        void tokenUser() {
            KubeConfig k = KubeConfig.loadKubeConfig(new StringReader(yaml(tokenConfig(HOSTILE_NAME, HOSTILE_TOKEN, HOSTILE_NAMESPACE))));

            assertThat(k.getCurrentContext()).isEqualTo(HOSTILE_NAME);
            assertThat(k.getNamespace()).isEqualTo(HOSTILE_NAMESPACE);
            assertThat(k.getCredentials()).containsEntry(KubeConfig.CRED_TOKEN_KEY, HOSTILE_TOKEN);
        }
    }

    @Test
    @DisplayName("any text quoted by the renderer reads back the same in SnakeYAML, the YAML 1.1 parser client-java uses")
    void quotingRoundTrips() {
        Random random = new Random(20261125);
        Yaml snake = new Yaml(new LoaderOptions());
        for (int i = 0; i < 2000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(24);
            for (int j = 0; j < length; j++) {
                int cp;
                do {
                    cp = switch (random.nextInt(4)) {
                        case 0 -> random.nextInt(0x80);
                        case 1 -> random.nextInt(0x100);
                        case 2 -> random.nextInt(0x3000);
                        default -> random.nextInt(0x110000);
                    };
                } while (Character.isSurrogate((char) cp) && cp <= 0xFFFF);
                s.appendCodePoint(cp);
            }
            String value = s.toString();
            Object back = ((Map<?, ?>) snake.load("k: " + KubeconfigYaml.quote(value) + "\n")).get("k");
            assertThat(back).as("round trip of %s", value.codePoints().mapToObj(Integer::toHexString).toList()).isEqualTo(value);
        }
    }
}
