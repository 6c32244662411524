package dev.ephemera.adapters.kubernetes.diagnostics;

import dev.ephemera.ports.diagnostics.ContainerInfo;
import dev.ephemera.ports.diagnostics.PodCondition;
import dev.ephemera.ports.diagnostics.PodInfo;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns fabric8's {@link Pod} into the port's {@link PodInfo}. */
final class PodStates {
    private PodStates() {
    }

    static PodInfo of(Pod p) {
        PodStatus st = p.getStatus() == null ? new PodStatus() : p.getStatus();
        List<ContainerInfo> containers = new ArrayList<>();
        if (p.getSpec() != null) {
            for (Container c : nonNull(p.getSpec().getInitContainers())) {
                containers.add(container(c, find(st.getInitContainerStatuses(), c.getName()), true));
            }
            for (Container c : nonNull(p.getSpec().getContainers())) {
                containers.add(container(c, find(st.getContainerStatuses(), c.getName()), false));
            }
        }
        List<PodCondition> conditions = nonNull(st.getConditions()).stream()
                .map(c -> new PodCondition(nz(c.getType()), nz(c.getStatus()), opt(c.getReason()), opt(c.getMessage()))).toList();
        Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
        return new PodInfo(nz(p.getMetadata().getNamespace()), nz(p.getMetadata().getName()), st.getPhase() == null ? "Unknown" : st.getPhase(),
                opt(st.getReason()), opt(st.getMessage()), opt(p.getSpec() == null ? null : p.getSpec().getNodeName()),
                time(p.getMetadata().getCreationTimestamp()), labels, containers, conditions);
    }

    /** Like the READY, STATUS and RESTARTS columns of {@code kubectl get pods}. */
    static String summary(PodInfo p) {
        String status = p.reason().orElse(p.phase());
        for (ContainerInfo c : p.containers()) {
            if (!c.init() && !c.ready() && c.reason().isPresent() && !"Completed".equals(c.reason().get())) {
                status = c.reason().get();
                break;
            }
        }
        return p.ready() + " " + status + ", " + p.restarts() + " restarts";
    }

    private static ContainerInfo container(Container spec, Optional<ContainerStatus> status, boolean init) {
        if (status.isEmpty()) {
            return new ContainerInfo(nz(spec.getName()), nz(spec.getImage()), init, false, 0, "unknown", Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        ContainerStatus s = status.get();
        ContainerState now = s.getState() == null ? new ContainerState() : s.getState();
        String state = "unknown";
        Optional<String> reason = Optional.empty();
        Optional<String> message = Optional.empty();
        Optional<Integer> exit = Optional.empty();
        if (now.getWaiting() != null) {
            state = "waiting";
            reason = opt(now.getWaiting().getReason());
            message = opt(now.getWaiting().getMessage());
        } else if (now.getRunning() != null) {
            state = "running";
        } else if (now.getTerminated() != null) {
            state = "terminated";
            reason = opt(now.getTerminated().getReason());
            message = opt(now.getTerminated().getMessage());
            exit = Optional.ofNullable(now.getTerminated().getExitCode());
        }
        Optional<String> lastReason = Optional.empty();
        Optional<Integer> lastExit = Optional.empty();
        Optional<Instant> lastFinished = Optional.empty();
        if (s.getLastState() != null && s.getLastState().getTerminated() != null) {
            var t = s.getLastState().getTerminated();
            lastReason = opt(t.getReason());
            lastExit = Optional.ofNullable(t.getExitCode());
            lastFinished = time(t.getFinishedAt());
        }
        return new ContainerInfo(nz(spec.getName()), nz(s.getImage() == null ? spec.getImage() : s.getImage()), init,
                Boolean.TRUE.equals(s.getReady()), s.getRestartCount() == null ? 0 : Math.max(0, s.getRestartCount()), state, reason, message, exit,
                lastReason, lastExit, lastFinished);
    }

    private static Optional<ContainerStatus> find(List<ContainerStatus> statuses, String name) {
        return nonNull(statuses).stream().filter(s -> name != null && name.equals(s.getName())).findFirst();
    }

    static Optional<Instant> time(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static <T> List<T> nonNull(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static Optional<String> opt(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
