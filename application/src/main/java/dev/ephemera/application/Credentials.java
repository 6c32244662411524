package dev.ephemera.application;

/** Names under which a cluster's credentials are kept in the {@code ClusterRepository}. */
public final class Credentials {
    /** Prefix of each PKI bundle file, e.g. {@code pki/ca.crt}. */
    public static final String PKI_PREFIX = "pki/";
    /** Lists the bundle's file paths; written last, so its presence means the bundle is complete. */
    public static final String PKI_INDEX = "pki-index";
    public static final String CI_TOKEN = "ci/token";
    public static final String KUBECONFIG = "kubeconfig";

    private Credentials() {
    }
}
