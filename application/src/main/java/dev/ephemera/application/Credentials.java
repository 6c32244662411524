package dev.ephemera.application;

/** Names under which a cluster's credentials are kept in the {@code ClusterRepository}. */
final class Credentials {
    /** Prefix of each PKI bundle file, e.g. {@code pki/ca.crt}. */
    static final String PKI_PREFIX = "pki/";
    /** Lists the bundle's file paths; written last, so its presence means the bundle is complete. */
    static final String PKI_INDEX = "pki-index";
    static final String CI_TOKEN = "ci/token";
    static final String KUBECONFIG = "kubeconfig";

    private Credentials() {
    }
}
