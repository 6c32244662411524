package dev.ephemera.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {
    @Test
    void readsUpToTheLimitAndRefusesMore() throws Exception {
        assertThat(BoundedBody.read(new ByteArrayInputStream(new byte[1024]), 1024, "x", "y")).hasSize(1024);
        assertThatThrownBy(() -> BoundedBody.read(new ByteArrayInputStream(new byte[1025]), 1024, "the answer to GET /x", "check the URL"))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                .hasMessage("the answer to GET /x is larger than 1 KiB, the most Ephemera reads from a vendor API; check the URL");
        assertThat(BoundedBody.DEFAULT_LIMIT).isEqualTo(8 * 1024 * 1024);
    }
}
