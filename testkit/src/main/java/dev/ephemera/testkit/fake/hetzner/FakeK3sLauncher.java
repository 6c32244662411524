package dev.ephemera.testkit.fake.hetzner;

import java.io.IOException;
import java.net.URI;
import java.util.List;

/**
 * Starts a {@link FakeK3s} from PEM text, for code outside this package that finds its CA files
 * somewhere else than in cloud-init user data: the stand-in K3s image reads them from the K3s data
 * directory a Docker backend copied them into.
 */
public final class FakeK3sLauncher {
    private FakeK3sLauncher() {
    }

    /**
     * @param bindIp   address to listen on, e.g. {@code 0.0.0.0} inside a container
     * @param sans     extra names of the serving certificate (K3s's {@code --tls-san}); localhost and 127.0.0.1 are always in it
     * @param upstream plain-HTTP Kubernetes API the fake passes authorised requests on to, or null
     */
    public static FakeK3s start(String bindIp, int port, String serverCaCertPem, String serverCaKeyPem, String clientCaCertPem,
                                List<String> sans, String version, URI upstream) throws IOException {
        Certs.Pair serverCa = new Certs.Pair(Certs.certificate(serverCaCertPem), Certs.privateKey(serverCaKeyPem));
        return FakeK3s.start(bindIp, port, serverCa, Certs.certificate(clientCaCertPem), sans, version, upstream);
    }

    /** As {@link #start}, trusting client certificates of every CA in {@code clientCaBundlePem} (kube-apiserver's {@code --client-ca-file}). */
    public static FakeK3s startTrustingBundle(String bindIp, int port, String serverCaCertPem, String serverCaKeyPem, String clientCaBundlePem,
                                              List<String> sans, String version, URI upstream) throws IOException {
        Certs.Pair serverCa = new Certs.Pair(Certs.certificate(serverCaCertPem), Certs.privateKey(serverCaKeyPem));
        return FakeK3s.start(bindIp, port, serverCa, Certs.certificates(clientCaBundlePem), sans, version, upstream);
    }
}
