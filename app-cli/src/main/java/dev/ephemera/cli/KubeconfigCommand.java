package dev.ephemera.cli;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.kubeconfig.KubeUser;
import dev.ephemera.domain.kubeconfig.Kubeconfig;
import dev.ephemera.domain.kubeconfig.KubeconfigYaml;
import dev.ephemera.domain.secret.Secret;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ephemera kubeconfig …}: kubeconfigs for CI, written from parts. */
@Command(name = "kubeconfig", description = "Render kubeconfigs that kubectl and the Kubernetes clients read.",
        subcommands = {KubeconfigCommand.Render.class})
public final class KubeconfigCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    @Command(name = "render", description = {
        "Print a self-contained kubeconfig to stdout.",
        "It holds one cluster, user and context named NAME, with the CA and the client certificate and key or the token embedded.",
        "Example:",
        "  ephemera kubeconfig render --server https://203.0.113.10:6443 --ca ca.crt --client-cert admin.crt --client-key admin.key > kc.yaml"})
    static final class Render extends BaseCommand {
        @Option(names = "--server", required = true, paramLabel = "URL", description = "API server URL, https://HOST:PORT.")
        String server;

        @Option(names = "--ca", required = true, paramLabel = "FILE", description = "PEM file of the CA that signed the API server's certificate (e.g. ca.crt of ephemera pki issue).")
        Path ca;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Credentials credentials;

        static final class Credentials {
            @Option(names = "--token-file", required = true, paramLabel = "FILE", description = "File holding a bearer token (e.g. a service-account token); a final newline is ignored.")
            Path tokenFile;

            @ArgGroup(exclusive = false, multiplicity = "1")
            ClientCertificate certificate;
        }

        static final class ClientCertificate {
            @Option(names = "--client-cert", required = true, paramLabel = "FILE", description = "PEM client certificate (e.g. admin.crt).")
            Path cert;

            @Option(names = "--client-key", required = true, paramLabel = "FILE", description = "PEM private key of the client certificate (e.g. admin.key).")
            Path key;
        }

        @Option(names = "--name", paramLabel = "NAME", defaultValue = "ephemera",
                description = "Name of the cluster, user and context entries, and the current context (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--namespace", paramLabel = "NS", description = "Default namespace of the context.")
        String namespace;

        @Override
        protected int run(CliContext ctx) {
            URI url = parseServer(server);
            String caPem = certificates(read("--ca", ca), "--ca", ca);
            KubeUser user;
            if (credentials.tokenFile != null) {
                user = new KubeUser.Token(token(read("--token-file", credentials.tokenFile), credentials.tokenFile));
            } else {
                String certPem = certificates(read("--client-cert", credentials.certificate.cert), "--client-cert",
                        credentials.certificate.cert);
                String keyPem = read("--client-key", credentials.certificate.key);
                if (!keyPem.contains("-----BEGIN") || !keyPem.contains("PRIVATE KEY-----")) {
                    throw EphemeraException.invalid("--client-key " + credentials.certificate.key
                            + " holds no PEM private key (expected -----BEGIN ... PRIVATE KEY-----)");
                }
                user = new KubeUser.ClientCertificate(certPem, Secret.of(keyPem));
            }
            if (namespace != null && namespace.isBlank()) {
                throw EphemeraException.invalid("--namespace must not be empty");
            }
            Kubeconfig kubeconfig = new Kubeconfig(name, url, caPem, user, Optional.ofNullable(namespace));
            print(ctx, KubeconfigYaml.render(kubeconfig));
            return ExitCodes.OK;
        }

        private static URI parseServer(String text) {
            try {
                URI u = new URI(text.strip());
                if (!"https".equals(u.getScheme()) || u.getHost() == null) {
                    throw EphemeraException.invalid("--server '" + text + "' is invalid: use an https URL such as https://203.0.113.10:6443");
                }
                return u;
            } catch (URISyntaxException e) {
                throw EphemeraException.invalid("--server '" + text + "' is not a URL: " + e.getReason()
                        + "; use an https URL such as https://203.0.113.10:6443");
            }
        }

        /** The file as UTF-8 text; a missing, unreadable or binary file is refused by name. */
        private static String read(String option, Path file) {
            try {
                byte[] bytes = Files.readAllBytes(file);
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (NoSuchFileException e) {
                throw EphemeraException.invalid(option + " " + file + " does not exist");
            } catch (CharacterCodingException e) {
                throw EphemeraException.invalid(option + " " + file + " is not text (expected PEM or a token)");
            } catch (IOException e) {
                throw EphemeraException.invalid(option + " " + file + " cannot be read: " + e.getMessage());
            }
        }

        /** Checks the PEM holds at least one certificate the JDK can parse, and returns it unchanged. */
        private static String certificates(String pem, String option, Path file) {
            if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
                throw EphemeraException.invalid(option + " " + file + " holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
            }
            try {
                if (CertificateFactory.getInstance("X.509")
                        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8))).isEmpty()) {
                    throw new CertificateException("no certificate found");
                }
            } catch (CertificateException e) {
                throw EphemeraException.invalid(option + " " + file + " holds a certificate that cannot be parsed: " + e.getMessage());
            }
            return pem;
        }

        private static Secret token(String text, Path file) {
            String token = text.strip();
            if (token.isEmpty()) {
                throw EphemeraException.invalid("--token-file " + file + " is empty");
            }
            if (token.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw EphemeraException.invalid("--token-file " + file + " must hold one token on one line, without spaces");
            }
            return Secret.of(token);
        }
    }

    /**
     * Prints a kubeconfig in the chosen format: YAML for {@code table} and {@code yaml}, the same
     * document as JSON for {@code json} (kubectl reads both).
     */
    static void print(CliContext ctx, Secret kubeconfigYaml) {
        if (ctx.output() == OutputFormat.JSON) {
            try {
                com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper(
                        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(kubeconfigYaml.reveal());
                ctx.out().println(new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("the kubeconfig could not be converted to JSON", e);
            }
        } else {
            ctx.out().print(kubeconfigYaml.reveal());
        }
        ctx.out().flush();
    }
}
