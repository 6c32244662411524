package dev.ephemera.adapters.hetzner;

import dev.ephemera.testkit.pki.K3sTestPki;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hetzner's own CLI against the fake: if {@code hcloud} is happy with it, the fake speaks Hetzner. */
@DisplayName("Hetzner's hcloud CLI against the fake Hetzner API")
class HcloudCliAgainstFakeTest {
    @TempDir
    Path home;
    private FakeHetzner fake;

    @BeforeEach
    void start() {
        Assumptions.assumeTrue(CloudInitTest.onPath("hcloud"), "hcloud is not installed (Debian package hcloud-cli); skipping the vendor-client check of the fake");
        // hcloud 1.x sends the image as an integer id where the spec says string, and pages GET /actions?id=;
        // Hetzner accepts both. Only those are excused.
        fake = FakeHetzner.start(FakeHetzner.Options.defaults().withLegacyIntegerIds());
    }

    @AfterEach
    void stop() {
        if (fake != null) {
            try {
                assertThat(fake.violations()).isEmpty();
                assertThat(fake.errata()).allSatisfy(e -> assertThat(e).matches(
                        "POST /servers: image given as the integer \\d+|GET /actions: page/per_page on GET /actions"));
            } finally {
                fake.close();
            }
        }
    }

    private record Run(int exit, String out) {
    }

    private Run hcloud(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("hcloud"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("HCLOUD_ENDPOINT", fake.apiUrl().toString());
        env.put("HCLOUD_TOKEN", fake.token());
        env.put("HCLOUD_CONFIG", home.resolve("cli.toml").toString());
        env.put("HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("hcloud finished").isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    @DisplayName("lists, creates (with our user data, which then boots) and deletes servers")
    void listsCreatesDeletes() throws Exception {
        Run empty = hcloud("server", "list", "-o", "noheader");
        assertThat(empty.exit()).as(empty.out()).isZero();
        assertThat(empty.out()).isBlank();

        PkiBundle pki = K3sTestPki.bundle("EC");
        Path userData = home.resolve("user-data.yaml");
        Files.writeString(userData, CloudInit.document(new CloudInit.Spec("cli-1", "v1.31.4+k3s1", pki, List.of(), fake.apiPort(), true)).reveal());
        Run create = hcloud("server", "create", "--name", "cli-1", "--type", "cpx21", "--image", "ubuntu-24.04", "--location", "fsn1",
                "--user-data-from-file", userData.toString(), "--label", "ephemera.dev/cluster=cli-1");
        assertThat(create.exit()).as(create.out()).isZero();
        assertThat(create.out()).contains("Server " + fake.servers().get(0).id() + " created").contains("IPv4: " + fake.servers().get(0).ipv4());
        assertThat(fake.servers()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("cli-1");
            assertThat(s.labels()).containsEntry("ephemera.dev/cluster", "cli-1");
        });
        assertThat(fake.bootReport("cli-1")).get().satisfies(b -> assertThat(b.problems()).isEmpty());

        Run list = hcloud("server", "list", "-l", "ephemera.dev/cluster=cli-1", "-o", "columns=name,status,ipv4", "-o", "noheader");
        assertThat(list.exit()).as(list.out()).isZero();
        assertThat(list.out()).contains("cli-1").contains("running").contains(fake.servers().get(0).ipv4());

        Run delete = hcloud("server", "delete", "cli-1");
        assertThat(delete.exit()).as(delete.out()).isZero();
        // hcloud 1.30 does not wait for the delete action; Hetzner finishes it on its own.
        assertThat(fake.servers()).allSatisfy(s -> assertThat(s.status()).isEqualTo("deleting"));
        fake.completeAllActions();
        assertThat(fake.servers()).isEmpty();
        assertThat(fake.requests()).anyMatch(r -> r.startsWith("DELETE /v1/servers/"));
    }
}
