package dev.ephemera.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SecretSink} must do: put a secret where it can be read back, replace it on
 * a second put, delete it idempotently, and refuse a bad name without writing anything. The
 * subclass reads back through the sink's own medium (the file, the fake's API), independently
 * of the sink under test.
 */
@DisplayName("A secret sink")
public abstract class SecretSinkContract {

    /** A fresh sink over empty storage; called once per test. */
    protected abstract SecretSink newSink();

    /** The secret stored at {@code address}, read without the sink, or empty if there is none. */
    protected abstract Optional<Secret> readBack(SecretAddress address);

    /** A valid address for a secret called {@code name}; override where scopes look different. */
    protected SecretAddress address(String name) {
        return SecretAddress.of("acme/shop", name);
    }

    /**
     * Addresses the sink must refuse with INVALID. The defaults are refused by every sink we
     * know: a path escape and a name with a space.
     */
    protected List<SecretAddress> badAddresses() {
        return List.of(address("../ESCAPED"), address("WITH SPACE"));
    }

    protected SecretSink sink;

    @BeforeEach
    void openSink() {
        sink = newSink();
    }

    @AfterEach
    void closeSink() {
        if (sink != null) {
            sink.close();
        }
    }

    @Nested
    @DisplayName("putting")
    class Putting {
        @Test
        @DisplayName("stores the value where it can be read back")
        void putThenReadBack() {
            SecretAddress a = address("E2E_KUBECONFIG");
            Secret value = Secret.of("apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: abc.def\n");

            sink.put(a, value);

            assertThat(readBack(a)).contains(value);
        }

        @Test
        @DisplayName("a second put replaces the value")
        void putTwiceReplaces() {
            SecretAddress a = address("E2E_KUBECONFIG");
            sink.put(a, Secret.of("first"));

            sink.put(a, Secret.of("second, longer than the first"));

            assertThat(readBack(a)).contains(Secret.of("second, longer than the first"));
        }

        @Test
        @DisplayName("the same put twice is harmless")
        void putIsIdempotent() {
            SecretAddress a = address("E2E_KUBECONFIG");
            sink.put(a, Secret.of("same"));
            sink.put(a, Secret.of("same"));

            assertThat(readBack(a)).contains(Secret.of("same"));
        }

        @Test
        @DisplayName("secrets under different names are kept apart")
        void namesAreIndependent() {
            sink.put(address("FIRST_SECRET"), Secret.of("one"));
            sink.put(address("SECOND_SECRET"), Secret.of("two"));

            assertThat(readBack(address("FIRST_SECRET"))).contains(Secret.of("one"));
            assertThat(readBack(address("SECOND_SECRET"))).contains(Secret.of("two"));
        }

        @Test
        @DisplayName("a bad name is refused with INVALID and nothing is written")
        void badNameIsInvalid() {
            for (SecretAddress bad : badAddresses()) {
                Throwable t = catchThrowable(() -> sink.put(bad, Secret.of("must not land")));

                assertThat(t).as("put to %s", bad).isInstanceOf(EphemeraException.class);
                assertThat(((EphemeraException) t).code()).as("code for %s", bad).isEqualTo(ErrorCode.INVALID);
                assertThat(readBack(bad)).as("what %s left behind", bad).isEmpty();
            }
        }

        @Test
        @DisplayName("the error for a refused name does not contain the secret value")
        void errorDoesNotLeakValue() {
            Throwable t = catchThrowable(() -> sink.put(badAddresses().get(0), Secret.of("hunter2-do-not-print")));

            assertThat(t).isNotNull();
            assertThat(String.valueOf(t.getMessage())).doesNotContain("hunter2-do-not-print");
            assertThat(t.toString()).doesNotContain("hunter2-do-not-print");
        }
    }

    @Nested
    @DisplayName("deleting")
    class Deleting {
        @Test
        @DisplayName("removes the secret and leaves others")
        void deleteRemoves() {
            sink.put(address("GONE_SOON"), Secret.of("x"));
            sink.put(address("STAYS"), Secret.of("y"));

            sink.delete(address("GONE_SOON"));

            assertThat(readBack(address("GONE_SOON"))).isEmpty();
            assertThat(readBack(address("STAYS"))).contains(Secret.of("y"));
        }

        @Test
        @DisplayName("a secret that is not there is not an error")
        void deleteAbsentIsFine() {
            assertThatCode(() -> sink.delete(address("NEVER_WRITTEN"))).doesNotThrowAnyException();
            sink.put(address("ONCE"), Secret.of("x"));
            sink.delete(address("ONCE"));
            assertThatCode(() -> sink.delete(address("ONCE"))).doesNotThrowAnyException();
        }

        @Test
        @DisplayName("a secret can be put again after it was deleted")
        void putAfterDelete() {
            sink.put(address("AGAIN"), Secret.of("1"));
            sink.delete(address("AGAIN"));
            sink.put(address("AGAIN"), Secret.of("2"));

            assertThat(readBack(address("AGAIN"))).contains(Secret.of("2"));
        }
    }

    @Test
    @DisplayName("reports itself healthy")
    void isHealthy() {
        assertThat(sink.health().up()).as(sink.health().detail()).isTrue();
    }
}
