package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.spi.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The file secret sink")
class FileSecretSinkTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("writes <directory>/<scope>/<name>, and directly under the directory for an empty scope")
    void layout() throws IOException {
        FileSecretSink sink = new FileSecretSink(dir);

        sink.put(new SecretAddress("ci/pr-42", Optional.of("ignored-env"), "E2E_KUBECONFIG"), Secret.of("a"));
        sink.put(SecretAddress.of("", "kubeconfig"), Secret.of("b"));

        assertThat(Files.readString(dir.resolve("ci/pr-42/E2E_KUBECONFIG"))).isEqualTo("a");
        assertThat(Files.readString(dir.resolve("kubeconfig"))).isEqualTo("b");
    }

    @ParameterizedTest(name = "scope \"{0}\"")
    @ValueSource(strings = {"/etc", "../up", "a/../../b", "a//b", "a/", "a b", "a\\b", ".", "a/./b", "ü"})
    @DisplayName("refuses a scope that is absolute, climbs out, or has odd characters, and writes nothing")
    void refusesBadScopes(String scope) throws IOException {
        FileSecretSink sink = new FileSecretSink(dir.resolve("root"));

        EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink.put(SecretAddress.of(scope, "x"), Secret.of("v")));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID);
        try (Stream<Path> all = Files.walk(dir)) {
            assertThat(all.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @ParameterizedTest(name = "name \"{0}\"")
    @ValueSource(strings = {"..", ".", "a/b", "..hidden", "x..y", "tab\tname", "/abs"})
    @DisplayName("refuses a name that is not one plain file name")
    void refusesBadNames(String name) {
        FileSecretSink sink = new FileSecretSink(dir);

        assertThat(catchThrowableOfType(EphemeraException.class, () -> sink.delete(SecretAddress.of("s", name))).code())
                .isEqualTo(ErrorCode.INVALID);
    }

    @Test
    @DisplayName("keeps a binary value byte for byte, and shrinks a file when the new value is shorter")
    void binaryAndShorter() throws IOException {
        FileSecretSink sink = new FileSecretSink(dir);
        byte[] bytes = {0, (byte) 0xFF, 10, 0};
        sink.put(SecretAddress.of("s", "bin"), Secret.of("a much longer first value"));

        sink.put(SecretAddress.of("s", "bin"), Secret.ofBytes(bytes));

        assertThat(Files.readAllBytes(dir.resolve("s/bin"))).containsExactly(bytes);
    }

    @Test
    @DisplayName("is healthy when the directory does not exist yet but can be made, and unhealthy under a file")
    void health() throws IOException {
        assertThat(new FileSecretSink(dir.resolve("not/yet")).health().up()).isTrue();
        Files.writeString(dir.resolve("plain-file"), "x");
        assertThat(new FileSecretSink(dir.resolve("plain-file/below")).health().up()).isFalse();
    }

    @Test
    @DisplayName("its factory takes the directory setting and refuses unknown keys")
    void factory() {
        FileSecretSinkFactory factory = new FileSecretSinkFactory();
        FileSecretSink sink = (FileSecretSink) factory.create(Settings.empty("file").with("directory", dir.toString()));
        assertThat(sink.directory()).isEqualTo(dir);

        EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> factory.create(Settings.empty("file").with("dir", "/x")));
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.getMessage()).contains("directory");
    }
}
