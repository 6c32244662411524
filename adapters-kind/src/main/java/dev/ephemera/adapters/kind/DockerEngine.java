package dev.ephemera.adapters.kind;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The docker-java client of one engine, and the one place its failures become Ephemera's errors:
 * no answer at all is {@code UNAVAILABLE} with what to do about it, a refusal by the engine is
 * {@code BACKEND} with the engine's own message.
 */
final class DockerEngine implements AutoCloseable {
    static final String HINT = "start Docker, or choose another backend (--backend hetzner)";

    private final String host;
    private final DockerClient client;

    private DockerEngine(String host, DockerClient client) {
        this.host = host;
        this.client = client;
    }

    static DockerEngine connect(DockerSettings s) {
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(s.host())
                .withDockerTlsVerify(s.tlsVerify());
        if (s.tlsVerify()) {
            b.withDockerCertPath(s.certPath().map(Object::toString).orElse(System.getProperty("user.home") + "/.docker"));
        }
        DefaultDockerClientConfig config;
        try {
            config = b.build();
        } catch (RuntimeException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "docker.host " + s.host() + ": " + e.getMessage(), e);
        }
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).connectionTimeout(Duration.ofSeconds(5)).responseTimeout(s.requestTimeout())
                .maxConnections(16).build();
        return new DockerEngine(s.host(), DockerClientImpl.getInstance(config, http));
    }

    String host() {
        return host;
    }

    DockerClient client() {
        return client;
    }

    Version version() {
        return call("asking the engine for its version", () -> client.versionCmd().exec());
    }

    /** Runs one engine call, turning its failures into Ephemera's errors; {@code what} says what was being done. */
    <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (EphemeraException e) {
            throw e;
        } catch (DockerException e) {
            throw EphemeraException.backend("Docker engine at " + host + " refused " + what + ": " + e.getMessage().strip(), e);
        } catch (DockerClientException e) {
            throw EphemeraException.backend("Docker engine at " + host + ", " + what + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw unavailable(what, e);
        }
    }

    void run(String what, Runnable call) {
        call(what, () -> {
            call.run();
            return null;
        });
    }

    EphemeraException unavailable(String what, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = root instanceof IOException || root.getMessage() == null ? root.toString() : root.getMessage();
        return EphemeraException.unavailable("no Docker engine answers at " + host + " (" + what + ": " + reason + "): " + HINT, e);
    }

    /** The container's last {@code lines} log lines, for an error message; never fails (says why instead). */
    String lastLogLines(String containerId, int lines, String whenEmpty) {
        StringBuilder out = new StringBuilder();
        try {
            client.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTail(lines)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame f) {
                            synchronized (out) {
                                out.append(new String(f.getPayload(), StandardCharsets.UTF_8));
                            }
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            return "(the log could not be read: " + e.getMessage() + ")";
        }
        synchronized (out) {
            String s = out.toString().strip();
            return s.isEmpty() ? whenEmpty : s;
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            // nothing held that outlives the process
        }
    }
}
