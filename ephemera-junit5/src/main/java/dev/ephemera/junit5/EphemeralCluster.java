package dev.ephemera.junit5;

import dev.ephemera.api.OnClose;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a cluster of its own — or the whole test run one shared cluster with
 * {@code scope = RUN} — claimed before its first test, Ready before it is injected, and deleted
 * (or released) after its last test.
 *
 * <pre>{@code
 * @EphemeralCluster(backend = "docker", ttl = "1h")
 * class DeployTest {
 *     @EphemeralCluster KubernetesClient client;      // or a kubeconfig Path, or the API handle
 *
 *     @Test void deploys(KubernetesClient k) { ... }  // parameters work too
 * }
 * }</pre>
 *
 * <p>Put it on the class, on fields, or on a kubeconfig {@code Path} parameter. A class has one
 * cluster: every annotation in it must carry the same attributes, except that one with no
 * attributes set takes the class's. Fields and parameters of type fabric8
 * {@code KubernetesClient}, {@code java.nio.file.Path} (the kubeconfig, {@code 0600}) and
 * {@link dev.ephemera.api.EphemeralCluster} are filled; a {@code KubernetesClient} or API handle
 * parameter needs no annotation of its own, a {@code Path} parameter does (so {@code @TempDir}
 * paths stay JUnit's).
 *
 * <p>Which Ephemera claims it, read from JUnit configuration parameters (system properties or
 * {@code junit-platform.properties}): {@code ephemera.server} (else {@code $EPHEMERA_SERVER}) set
 * means client mode against that server, with the token from {@code $EPHEMERA_TOKEN}; otherwise
 * embedded, with the configuration file {@code ephemera.config} (else the CLI's lookup).
 *
 * <p>This type shares its simple name with the API's {@link dev.ephemera.api.EphemeralCluster}:
 * a test that injects the API handle imports one and writes the other's full name.
 */
@Target({ElementType.TYPE, ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(EphemeralClusterExtension.class)
public @interface EphemeralCluster {
    /** The backend; empty means the configuration's (or the server's) default. */
    String backend() default "";

    /**
     * A warm pool to claim from ({@code warm-pools:} of the configuration, or of the server in client
     * mode); a pool that is not configured fails the class, rather than claiming a cold cluster silently.
     */
    String pool() default "";

    /** Lifetime, e.g. {@code 1h}, {@code 90m}: the cluster is deleted then even if the run dies without cleaning up. */
    String ttl() default "1h";

    /** How long to wait for Ready, e.g. {@code 10m}; empty means {@code policies.provisioning-timeout} (client mode: 15m). */
    String readyTimeout() default "";

    /** {@link Scope#CLASS} (the default): one cluster per test class; {@link Scope#RUN}: one per {@link #name()} for the whole run. */
    Scope scope() default Scope.CLASS;

    /** With {@code scope = RUN}: classes naming the same shared cluster get the same one. */
    String name() default "shared";

    /** What happens after the last test: delete it (waiting until it is gone) or release it. */
    OnClose onClose() default OnClose.DELETE;

    /** Backend-specific size; empty means the backend's default. */
    String size() default "";

    /** Backend-specific location; empty means the backend's default. */
    String location() default "";

    /** Kubernetes (K3s) version; empty means the backend's default. */
    String kubernetesVersion() default "";

    /** How long a cluster lives. */
    enum Scope {
        /** One cluster per test class, deleted after the class. */
        CLASS,
        /** One cluster per {@link EphemeralCluster#name()}, shared by every class of the run, deleted when the run ends. */
        RUN
    }
}
