package dev.ephemera.bootstrap;

import dev.ephemera.ports.leadership.Leadership;
import java.util.Optional;

/**
 * {@code server.leadership: single}, the default: the one server process on an SQLite file leads
 * from the moment it joins until it leaves. Running two such servers on one shared store is safe
 * (step leases and compare-and-set keep them apart) but both drive; use {@code kubernetes} to have one.
 */
final class AlwaysLeader implements Leadership {
    static final String NAME = "single";

    private volatile boolean leading;

    @Override
    public synchronized AutoCloseable join(Runnable elected, Runnable deposed) {
        leading = true;
        elected.run();
        return () -> {
            synchronized (AlwaysLeader.this) {
                if (leading) {
                    leading = false;
                    deposed.run();
                }
            }
        };
    }

    @Override
    public boolean isLeader() {
        return leading;
    }

    @Override
    public Optional<String> leader() {
        return leading ? Optional.of("this process") : Optional.empty();
    }

    @Override
    public String toString() {
        return "AlwaysLeader";
    }
}
