package dev.ephemera.testkit.fake.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fake is trusted only once GitHub's own clients work against it. PyGithub (Debian package
 * {@code python3-github}, which brings PyJWT and PyNaCl) authenticates as the App, gets an
 * installation token, seals a secret with libsodium, creates a comment and pages through the
 * comments by the fake's Link headers. Skipped, saying why, where PyGithub is not installed.
 */
@DisplayName("The fake GitHub, driven by PyGithub")
class FakeGitHubVendorClientTest {

    private static Optional<String> python() {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import github, nacl, jwt").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return Optional.of(candidate);
                }
            } catch (IOException e) {
                // not there; try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    @Test
    @DisplayName("PyGithub authenticates as the App, seals a secret the fake opens, and pages through comments")
    void pyGithub(@TempDir Path dir) throws Exception {
        Optional<String> python = python();
        Assumptions.assumeTrue(python.isPresent(), "PyGithub is not installed (Debian: apt-get install -y python3-github)");

        try (FakeGitHub fake = FakeGitHub.start()) {
            FakeGitHub.Installation inst = fake.install("acme", "acme/shop");
            fake.repository("acme/shop").seedComments(42, 60, "reviewer", "LGTM");
            Path key = dir.resolve("app.pem");
            Files.writeString(key, fake.app().privateKeyPkcs1Pem());
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            Path script = dir.resolve("pygithub_client.py");
            try (InputStream in = getClass().getResourceAsStream("/fake/github/pygithub_client.py")) {
                Files.copy(in, script);
            }

            Process p = new ProcessBuilder(python.get(), script.toString(), fake.baseUrl(), String.valueOf(fake.app().id()), key.toString(),
                    "acme/shop", "42").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();

            JsonNode seen = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
            assertThat(seen.path("installation").asLong()).isEqualTo(inst.id());
            assertThat(seen.path("token_length").asInt()).isGreaterThan(40);
            assertThat(seen.path("secret_created").asBoolean()).isTrue();
            assertThat(seen.path("count").asInt()).isEqualTo(61);
            assertThat(seen.path("last_body").asText()).isEqualTo("hello from PyGithub");
            assertThat(seen.path("last_login").asText()).isEqualTo(fake.app().botLogin());
            assertThat(fake.repository("acme/shop").secret("FROM_PYGITHUB"))
                    .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("sealed by PyNaCl"));
            assertThat(fake.requests()).anySatisfy(r -> assertThat(r.path()).startsWith("/repositories/"));
            assertThat(fake.violations()).isEmpty();
        }
    }
}
