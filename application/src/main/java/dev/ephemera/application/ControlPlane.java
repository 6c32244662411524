package dev.ephemera.application;

import java.util.List;

/**
 * Installation-wide settings the use cases need.
 *
 * @param installation value of the {@code ephemera.dev/installation} label on every resource
 * @param defaultSinks sinks every kubeconfig goes to besides a claim's own push targets; each
 *                     receives it under scope = the cluster id and name {@code kubeconfig}
 */
public record ControlPlane(String installation, List<String> defaultSinks) {
    public static final String CLUSTER_LABEL = "ephemera.dev/cluster";
    public static final String INSTALLATION_LABEL = "ephemera.dev/installation";

    public ControlPlane {
        defaultSinks = List.copyOf(defaultSinks);
    }
}
