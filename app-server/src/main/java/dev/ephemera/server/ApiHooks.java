package dev.ephemera.server;

import dev.ephemera.domain.cluster.ClusterId;
import java.util.function.Consumer;

/** What the API needs from the rest of the server: someone to step a cluster at once after a claim, release or delete. */
public record ApiHooks(Consumer<ClusterId> kick) {
    /** Nobody steps clusters (an API without the driver, in tests). */
    public static final ApiHooks NONE = new ApiHooks(id -> { });
}
