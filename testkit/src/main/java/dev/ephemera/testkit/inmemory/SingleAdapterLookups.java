package dev.ephemera.testkit.inmemory;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinks;
import java.util.Set;

/** Test double: backend and sink lookups that answer every name with one adapter. Never registered for production use. */
public final class SingleAdapterLookups {
    private SingleAdapterLookups() {
    }

    public static ClusterBackends backends(String name, ClusterBackend backend) {
        return new ClusterBackends() {
            @Override
            public ClusterBackend named(String n) {
                return backend;
            }

            @Override
            public Set<String> names() {
                return Set.of(name);
            }
        };
    }

    public static SecretSinks sinks(String name, SecretSink sink) {
        return new SecretSinks() {
            @Override
            public SecretSink named(String n) {
                return sink;
            }

            @Override
            public Set<String> names() {
                return Set.of(name);
            }
        };
    }
}
