package dev.ephemera.adapters.hetzner;

import java.util.List;

/** The answer to {@code POST /servers}: the server, the create action and the actions queued after it. */
public record CreatedServer(Server server, Action action, List<Action> nextActions) {
    public CreatedServer {
        nextActions = List.copyOf(nextActions);
    }
}
