package dev.ephemera.adapters.kubernetes.diagnostics;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.diagnostics.ClusterDiagnostics;
import dev.ephemera.ports.diagnostics.ContainerInfo;
import dev.ephemera.ports.diagnostics.ContainerLog;
import dev.ephemera.ports.diagnostics.DiagnosticsRequest;
import dev.ephemera.ports.diagnostics.KubeEvent;
import dev.ephemera.ports.diagnostics.PodInfo;
import dev.ephemera.ports.diagnostics.ResourceItem;
import dev.ephemera.ports.diagnostics.Snapshot;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Loggable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.TimeTailPrettyLoggable;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a cluster through fabric8: lists each common namespaced kind, the events, then fetches
 * container logs with at most {@code concurrency} at once, all within the time budget. A kind
 * that may not be listed or a log that cannot be read becomes a gap in the snapshot; only an
 * unusable kubeconfig or an unreachable API server fails the collection.
 */
public final class KubernetesClusterDiagnostics implements ClusterDiagnostics {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesClusterDiagnostics.class);

    @Override
    public Snapshot collect(DiagnosticsRequest request) {
        Instant start = Instant.now();
        long deadline = System.nanoTime() + request.budget().toNanos();
        Config config = config(request);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            Run run = new Run(client, request, deadline);
            List<Pod> pods = run.pods();
            List<ResourceItem> resources = new ArrayList<>(pods.stream().map(p -> item("Pod", p)).toList());
            run.list("Deployment", () -> client.apps().deployments(), resources);
            run.list("StatefulSet", () -> client.apps().statefulSets(), resources);
            run.list("DaemonSet", () -> client.apps().daemonSets(), resources);
            run.list("ReplicaSet", () -> client.apps().replicaSets(), resources);
            run.list("Job", () -> client.batch().v1().jobs(), resources);
            run.list("CronJob", () -> client.batch().v1().cronjobs(), resources);
            run.list("Service", () -> client.services(), resources);
            run.list("Ingress", () -> client.network().v1().ingresses(), resources);
            run.list("ConfigMap", () -> client.configMaps(), resources);
            run.list("Secret", () -> client.secrets(), resources);
            run.list("ServiceAccount", () -> client.serviceAccounts(), resources);
            run.list("PersistentVolumeClaim", () -> client.persistentVolumeClaims(), resources);
            List<KubeEvent> events = run.events();
            List<PodInfo> infos = pods.stream().map(PodStates::of).toList();
            List<ContainerLog> logs = run.logs(infos);
            return new Snapshot(start, config.getMasterUrl(), resources, infos, events, logs, run.gaps, run.exhausted);
        }
    }

    private static Config config(DiagnosticsRequest request) {
        Config config;
        try {
            config = Config.fromKubeconfig(request.context().orElse(null), request.kubeconfig().reveal(), null);
        } catch (RuntimeException e) {
            throw EphemeraException.invalid("the kubeconfig cannot be used" + request.context().map(c -> " with context '" + c + "'").orElse("")
                    + ": " + e.getMessage() + "; check it with: kubectl --kubeconfig FILE get pods");
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, request.budget().toMillis());
        config.setRequestTimeout(timeout);
        config.setConnectionTimeout(Math.min(timeout, 10_000));
        config.setRequestRetryBackoffLimit(1);
        return config;
    }

    /** One object for {@code resources.json}: without managed fields, and a Secret without its data or annotations. */
    static ResourceItem item(String kind, HasMetadata o) {
        HasMetadata shown = o;
        if (o instanceof Secret s) {
            ObjectMeta m = s.getMetadata();
            shown = new SecretBuilder().withApiVersion(s.getApiVersion()).withKind(s.getKind()).withType(s.getType()).withImmutable(s.getImmutable())
                    .withNewMetadata().withName(m.getName()).withNamespace(m.getNamespace()).withUid(m.getUid())
                    .withCreationTimestamp(m.getCreationTimestamp()).withLabels(m.getLabels()).withOwnerReferences(m.getOwnerReferences())
                    .endMetadata().build();
        } else if (o.getMetadata() != null && o.getMetadata().getManagedFields() != null) {
            shown = Serialization.clone(o);
            shown.getMetadata().setManagedFields(null);
        }
        ObjectMeta m = o.getMetadata();
        return new ResourceItem(kind, nz(m.getNamespace()), nz(m.getName()), PodStates.time(m.getCreationTimestamp()), Summaries.of(o),
                Serialization.asJson(shown));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** One collection's state: the client, the deadline, and what could not be read. */
    private static final class Run {
        private final KubernetesClient client;
        private final DiagnosticsRequest request;
        private final long deadline;
        private final List<String> gaps = new ArrayList<>();
        private boolean exhausted;

        Run(KubernetesClient client, DiagnosticsRequest request, long deadline) {
            this.client = client;
            this.request = request;
            this.deadline = deadline;
        }

        /** Pods come first: if they cannot be listed, the API server is unreachable or refuses us, and that fails the collection. */
        List<Pod> pods() {
            try {
                List<Pod> out = new ArrayList<>();
                if (request.namespaces().isEmpty()) {
                    out.addAll(client.pods().inAnyNamespace().list().getItems());
                } else {
                    for (String ns : request.namespaces()) {
                        out.addAll(client.pods().inNamespace(ns).list().getItems());
                    }
                }
                out.sort(Comparator.comparing((Pod p) -> p.getMetadata().getNamespace()).thenComparing(p -> p.getMetadata().getName()));
                return out;
            } catch (KubernetesClientException e) {
                String server = client.getConfiguration().getMasterUrl();
                if (e.getCode() == 401 || e.getCode() == 403) {
                    throw new EphemeraException(e.getCode() == 401 ? ErrorCode.UNAUTHENTICATED : ErrorCode.PERMISSION_DENIED,
                            "the API server " + server + " refused to list pods (HTTP " + e.getCode() + "); the kubeconfig's user needs "
                                    + "read access (get, list) to pods, pods/log and events", e);
                }
                throw EphemeraException.unavailable("cannot list pods on the API server " + server + ": " + message(e)
                        + "; check the server is up and the kubeconfig points at it", e);
            }
        }

        <T extends HasMetadata, L extends KubernetesResourceList<T>> void list(String kind, Supplier<MixedOperation<T, L, ? extends Resource<T>>> op,
                                                                              List<ResourceItem> into) {
            if (overBudget()) {
                gaps.add(kind + " objects not listed: the time budget of " + request.budget().toSeconds() + "s ran out");
                return;
            }
            try {
                List<T> items = new ArrayList<>();
                if (request.namespaces().isEmpty()) {
                    items.addAll(op.get().inAnyNamespace().list().getItems());
                } else {
                    for (String ns : request.namespaces()) {
                        items.addAll(op.get().inNamespace(ns).list().getItems());
                    }
                }
                items.sort(Comparator.comparing((T t) -> nz(t.getMetadata().getNamespace())).thenComparing(t -> nz(t.getMetadata().getName())));
                items.forEach(t -> into.add(item(kind, t)));
            } catch (KubernetesClientException e) {
                gaps.add(kind + " objects not listed: " + message(e));
            }
        }

        List<KubeEvent> events() {
            List<Event> raw = new ArrayList<>();
            if (overBudget()) {
                gaps.add("events not listed: the time budget of " + request.budget().toSeconds() + "s ran out");
                return List.of();
            }
            try {
                if (request.namespaces().isEmpty()) {
                    raw.addAll(client.v1().events().inAnyNamespace().list().getItems());
                } else {
                    for (String ns : request.namespaces()) {
                        raw.addAll(client.v1().events().inNamespace(ns).list().getItems());
                    }
                }
            } catch (KubernetesClientException e) {
                gaps.add("events not listed: " + message(e));
            }
            List<KubeEvent> out = new ArrayList<>();
            for (Event e : raw) {
                Optional<Instant> at = PodStates.time(e.getLastTimestamp())
                        .or(() -> Optional.ofNullable(e.getEventTime()).flatMap(t -> PodStates.time(t.getTime())))
                        .or(() -> PodStates.time(e.getFirstTimestamp()))
                        .or(() -> PodStates.time(e.getMetadata().getCreationTimestamp()));
                if (request.since().isPresent() && at.isPresent() && at.get().isBefore(request.since().get())) {
                    continue;
                }
                var o = e.getInvolvedObject();
                out.add(new KubeEvent(nz(e.getMetadata().getNamespace()), o == null ? "" : nz(o.getKind()), o == null ? "" : nz(o.getName()),
                        e.getType() == null ? "Normal" : e.getType(), nz(e.getReason()), nz(e.getMessage()), e.getCount() == null ? 1 : e.getCount(), at));
            }
            return out;
        }

        /** The current log of each container that has started, and the previous one of each that restarted. */
        List<ContainerLog> logs(List<PodInfo> pods) {
            record Ask(String ns, String pod, String container, boolean previous) {
            }
            List<Ask> asks = new ArrayList<>();
            for (PodInfo p : pods) {
                for (ContainerInfo c : p.containers()) {
                    boolean started = c.state().equals("running") || c.state().equals("terminated") || c.restarts() > 0
                            || c.lastTerminationReason().isPresent();
                    if (started) {
                        asks.add(new Ask(p.namespace(), p.name(), c.name(), false));
                    }
                    if (c.restarts() > 0 || c.lastTerminationReason().isPresent()) {
                        asks.add(new Ask(p.namespace(), p.name(), c.name(), true));
                    }
                }
            }
            if (asks.isEmpty()) {
                return List.of();
            }
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(request.concurrency(), asks.size()), r -> {
                Thread t = new Thread(r, "ephemera-report-logs");
                t.setDaemon(true);
                return t;
            });
            ConcurrentHashMap<Ask, Closeable> open = new ConcurrentHashMap<>();
            List<Future<ContainerLog>> futures = new ArrayList<>();
            try {
                for (Ask a : asks) {
                    futures.add(pool.submit(() -> fetch(a.ns(), a.pod(), a.container(), a.previous(), in -> open.put(a, in), () -> open.remove(a))));
                }
                List<ContainerLog> out = new ArrayList<>();
                for (int i = 0; i < asks.size(); i++) {
                    Ask a = asks.get(i);
                    try {
                        long left = deadline - System.nanoTime();
                        out.add(futures.get(i).get(Math.max(0, left), TimeUnit.NANOSECONDS));
                    } catch (TimeoutException e) {
                        exhausted = true;
                        out.add(ContainerLog.failed(a.ns(), a.pod(), a.container(), a.previous(),
                                "not read: the time budget of " + request.budget().toSeconds() + "s ran out"));
                    } catch (ExecutionException e) {
                        out.add(ContainerLog.failed(a.ns(), a.pod(), a.container(), a.previous(), "not read: " + e.getCause()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        out.add(ContainerLog.failed(a.ns(), a.pod(), a.container(), a.previous(), "not read: interrupted"));
                    }
                }
                if (exhausted) {
                    gaps.add("the time budget of " + request.budget().toSeconds() + "s ran out while reading logs; the logs not read are marked");
                }
                return out;
            } finally {
                pool.shutdownNow();
                // Unblock any read still waiting on the network: the budget is over.
                open.values().forEach(c -> {
                    try {
                        c.close();
                    } catch (IOException e) {
                        LOG.debug("closing a log stream failed: {}", e.toString());
                    }
                });
            }
        }

        private ContainerLog fetch(String ns, String pod, String container, boolean previous, java.util.function.Consumer<InputStream> opened,
                                   Runnable closed) {
            try {
                TimeTailPrettyLoggable base = previous
                        ? client.pods().inNamespace(ns).withName(pod).inContainer(container).terminated()
                        : client.pods().inNamespace(ns).withName(pod).inContainer(container).withReadyWaitTimeout(0);
                Loggable loggable = request.since().isPresent()
                        ? base.sinceTime(request.since().get().toString()).tailingLines(request.logLines())
                        : base.tailingLines(request.logLines());
                try (InputStream in = loggable.getLogInputStream()) {
                    opened.accept(in);
                    LogTail tail = new LogTail(request.logByteCap()).readAll(in);
                    return ContainerLog.read(ns, pod, container, previous, tail.text(), tail.truncated());
                } finally {
                    closed.run();
                }
            } catch (KubernetesClientException e) {
                return ContainerLog.failed(ns, pod, container, previous, "not read: " + message(e));
            } catch (IOException | RuntimeException e) {
                return ContainerLog.failed(ns, pod, container, previous, "not read: " + e);
            }
        }

        private boolean overBudget() {
            if (System.nanoTime() - deadline >= 0) {
                exhausted = true;
                return true;
            }
            return false;
        }
    }

    private static String message(KubernetesClientException e) {
        if (e.getCode() > 0) {
            String status = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            return "HTTP " + e.getCode() + " " + status;
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : root.toString();
    }

    static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
}
