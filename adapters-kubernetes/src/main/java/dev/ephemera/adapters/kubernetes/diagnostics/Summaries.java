package dev.ephemera.adapters.kubernetes.diagnostics;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** The short status {@code kubectl get} would show for an object of each kind. */
final class Summaries {
    private Summaries() {
    }

    static String of(HasMetadata o) {
        if (o instanceof Pod p) {
            return PodStates.summary(PodStates.of(p));
        }
        if (o instanceof Deployment d) {
            return ready(d.getStatus() == null ? null : d.getStatus().getReadyReplicas(), d.getSpec() == null ? null : d.getSpec().getReplicas())
                    + ", " + n(d.getStatus() == null ? null : d.getStatus().getAvailableReplicas()) + " available";
        }
        if (o instanceof StatefulSet s) {
            return ready(s.getStatus() == null ? null : s.getStatus().getReadyReplicas(), s.getSpec() == null ? null : s.getSpec().getReplicas());
        }
        if (o instanceof DaemonSet s) {
            return ready(s.getStatus() == null ? null : s.getStatus().getNumberReady(),
                    s.getStatus() == null ? null : s.getStatus().getDesiredNumberScheduled());
        }
        if (o instanceof ReplicaSet s) {
            return ready(s.getStatus() == null ? null : s.getStatus().getReadyReplicas(), s.getSpec() == null ? null : s.getSpec().getReplicas());
        }
        if (o instanceof Job j) {
            return n(j.getStatus() == null ? null : j.getStatus().getSucceeded()) + "/" + n(j.getSpec() == null ? null : j.getSpec().getCompletions())
                    + " succeeded, " + n(j.getStatus() == null ? null : j.getStatus().getFailed()) + " failed";
        }
        if (o instanceof CronJob c) {
            return "schedule " + (c.getSpec() == null ? "-" : c.getSpec().getSchedule());
        }
        if (o instanceof Service s) {
            return s.getSpec() == null ? "-" : Optional.ofNullable(s.getSpec().getType()).orElse("ClusterIP") + " "
                    + Optional.ofNullable(s.getSpec().getClusterIP()).orElse("-") + " " + ports(s.getSpec().getPorts());
        }
        if (o instanceof ConfigMap c) {
            return (size(c.getData()) + size(c.getBinaryData())) + " keys";
        }
        if (o instanceof Secret s) {
            return Optional.ofNullable(s.getType()).orElse("Opaque") + ", " + (size(s.getData()) + size(s.getStringData())) + " keys";
        }
        if (o instanceof PersistentVolumeClaim c) {
            return c.getStatus() == null || c.getStatus().getPhase() == null ? "-" : c.getStatus().getPhase();
        }
        if (o instanceof Ingress i) {
            return i.getSpec() == null || i.getSpec().getRules() == null ? "-" : i.getSpec().getRules().stream()
                    .map(IngressRule::getHost).filter(Objects::nonNull).collect(Collectors.joining(","));
        }
        return "-";
    }

    private static String ready(Integer ready, Integer wanted) {
        return n(ready) + "/" + (wanted == null ? "1" : wanted.toString()) + " ready";
    }

    private static String n(Integer i) {
        return i == null ? "0" : i.toString();
    }

    private static int size(Map<?, ?> m) {
        return m == null ? 0 : m.size();
    }

    private static String ports(List<ServicePort> ports) {
        if (ports == null || ports.isEmpty()) {
            return "<none>";
        }
        return ports.stream().map(p -> p.getPort() + "/" + Optional.ofNullable(p.getProtocol()).orElse("TCP")).collect(Collectors.joining(","));
    }
}
