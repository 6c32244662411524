package dev.ephemera.testkit.dns;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test-side stand-in for external-dns: watches {@code DNSEndpoint}s ({@code externaldns.k8s.io/v1alpha1})
 * in one namespace of a (mock) API server and serves every A record they hold from a real
 * {@link Dnsmasq}, as external-dns would write them to a DNS provider. Records are only added:
 * the tests assert on the DNSEndpoints for removal.
 */
public final class ExternalDnsStandIn implements AutoCloseable {
    private final Watch watch;
    private final List<String> served = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();

    private ExternalDnsStandIn(KubernetesClient client, String namespace, Dnsmasq dns) {
        this.watch = client.genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint").inNamespace(namespace)
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, GenericKubernetesResource o) {
                        if (action == Action.ADDED || action == Action.MODIFIED) {
                            serve(o, dns);
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        if (cause != null) {
                            errors.add(cause.toString());
                        }
                    }
                });
    }

    /** Starts watching. Start it before the records are written: a watch sees only what changes after it is open. */
    public static ExternalDnsStandIn start(KubernetesClient client, String namespace, Dnsmasq dns) {
        return new ExternalDnsStandIn(client, namespace, dns);
    }

    private void serve(GenericKubernetesResource o, Dnsmasq dns) {
        Object spec = o.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map<?, ?> s) || !(s.get("endpoints") instanceof List<?> endpoints)) {
            return;
        }
        for (Object e : endpoints) {
            if (e instanceof Map<?, ?> ep && "A".equals(ep.get("recordType")) && ep.get("targets") instanceof List<?> targets
                    && !targets.isEmpty()) {
                try {
                    dns.put(String.valueOf(ep.get("dnsName")), String.valueOf(targets.get(0)));
                    served.add(ep.get("dnsName") + " " + targets.get(0));
                } catch (IOException ex) {
                    errors.add(ex.toString());
                    throw new UncheckedIOException(ex);
                }
            }
        }
    }

    /** {@code name ip} of every record served so far. */
    public List<String> served() {
        return List.copyOf(served);
    }

    public List<String> errors() {
        return List.copyOf(errors);
    }

    @Override
    public void close() {
        watch.close();
    }
}
