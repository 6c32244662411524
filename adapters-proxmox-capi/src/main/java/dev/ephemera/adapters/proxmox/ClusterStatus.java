package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.ports.backend.Observation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a Cluster and its KThreesControlPlane say about the cluster. {@code status.phase:
 * Provisioned} is not readiness (the VM may still be booting K3s): only the v1beta2 conditions
 * {@code ControlPlaneAvailable} or {@code Available}, or the control plane's {@code status.ready}
 * or {@code initialized}, make it {@code RUNNING}; the Reconciler then probes {@code /readyz} with our admin certificate.
 */
record ClusterStatus(boolean deleting, String phase, boolean controlPlaneAvailable, boolean available, boolean controlPlaneReady,
                     List<String> notes) {
    static ClusterStatus of(GenericKubernetesResource cluster, GenericKubernetesResource controlPlane) {
        Map<String, Object> status = ProxmoxCapiClusterBackend.map(cluster.getAdditionalProperties().get("status"));
        String phase = String.valueOf(status.getOrDefault("phase", "Pending"));
        boolean cpAvailable = false;
        boolean available = false;
        List<String> notes = new ArrayList<>();
        if (status.get("conditions") instanceof List<?> conditions) {
            for (Object c : conditions) {
                Map<String, Object> m = ProxmoxCapiClusterBackend.map(c);
                String type = String.valueOf(m.get("type"));
                boolean isTrue = "True".equals(String.valueOf(m.get("status")));
                if ("ControlPlaneAvailable".equals(type)) {
                    cpAvailable = isTrue;
                } else if ("Available".equals(type)) {
                    available = isTrue;
                }
                if (!isTrue && ("ControlPlaneAvailable".equals(type) || "Available".equals(type) || "InfrastructureReady".equals(type))) {
                    Object message = m.get("message");
                    notes.add(type + "=" + m.get("status") + (message == null || message.toString().isBlank() ? "" : " (" + oneLine(message) + ")"));
                }
            }
        }
        boolean cpReady = false;
        if (controlPlane != null) {
            Map<String, Object> cps = ProxmoxCapiClusterBackend.map(controlPlane.getAdditionalProperties().get("status"));
            cpReady = Boolean.TRUE.equals(cps.get("ready")) || Boolean.TRUE.equals(cps.get("initialized"));
        }
        return new ClusterStatus(cluster.getMetadata().getDeletionTimestamp() != null, phase, cpAvailable, available, cpReady, notes);
    }

    private static String oneLine(Object message) {
        String s = message.toString().replace('\n', ' ').strip();
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    boolean running() {
        return controlPlaneAvailable || available || controlPlaneReady;
    }

    /**
     * @param endpoint the endpoint the Cluster names, if it names one
     * @param caCheck  run only once the control plane is up: what is wrong with the CA the provider used, if anything
     */
    Observation toObservation(Optional<Endpoint> endpoint, Supplier<Optional<String>> caCheck) {
        if (deleting) {
            return new Observation(Observation.State.DELETING, endpoint, "Cluster is being deleted");
        }
        if ("Failed".equals(phase)) {
            return new Observation(Observation.State.FAILED, endpoint, "Cluster phase Failed" + (notes.isEmpty() ? "" : ": " + String.join("; ", notes)));
        }
        if (!running()) {
            return new Observation(Observation.State.CREATING, endpoint, "Cluster phase " + phase
                    + (notes.isEmpty() ? "" : "; " + String.join("; ", notes)));
        }
        Optional<String> wrongCa = caCheck.get();
        if (wrongCa.isPresent()) {
            return new Observation(Observation.State.FAILED, endpoint, wrongCa.get());
        }
        String why = controlPlaneAvailable ? "ControlPlaneAvailable=True" : available ? "Available=True" : "KThreesControlPlane ready";
        return new Observation(Observation.State.RUNNING, endpoint, why + "; /readyz decides");
    }
}
