package dev.ephemera.testkit.kubernetes;

import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code kubectl} pointed at a {@link KubernetesCrudMock}: a kubeconfig for it, and the
 * discovery documents kubectl asks for (with a {@code ?timeout=32s} query), which CRUD mode does not
 * serve by itself.
 */
public final class KubectlOnMock {
    /** One kind kubectl should find by discovery. */
    public record Kind(String groupVersion, String plural, String kind, boolean namespaced, List<String> shortNames) {
        public Kind {
            shortNames = List.copyOf(shortNames);
        }

        public static Kind of(String groupVersion, String plural, String kind, boolean namespaced, String... shortNames) {
            return new Kind(groupVersion, plural, kind, namespaced, List.of(shortNames));
        }
    }

    public record Result(int exit, String out, String err) {
    }

    private final KubernetesCrudMock mock;
    private final Path dir;
    private final Path kubeconfig;

    private KubectlOnMock(KubernetesCrudMock mock, Path dir, Path kubeconfig) {
        this.mock = mock;
        this.dir = dir;
        this.kubeconfig = kubeconfig;
    }

    /** Whether kubectl is on the PATH. */
    public static boolean installed() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "kubectl"))) {
                return true;
            }
        }
        return false;
    }

    /** Writes a kubeconfig for the mock into {@code dir} (default namespace {@code namespace}) and serves discovery for {@code kinds}. */
    public static KubectlOnMock on(KubernetesCrudMock mock, Path dir, String namespace, List<Kind> kinds) throws IOException {
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, kubeconfigText(mock, namespace));
        serveDiscovery(mock, kinds);
        return new KubectlOnMock(mock, dir, file);
    }

    /** A kubeconfig text for the mock (plain HTTP on loopback, any token). */
    public static String kubeconfigText(KubernetesCrudMock mock, String namespace) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "http://127.0.0.1:%d"}
                users:
                - name: u
                  user: {token: t}
                contexts:
                - name: mock
                  context: {cluster: mock, user: u, namespace: %s}
                current-context: mock
                """.formatted(mock.port(), namespace);
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    private static void serveDiscovery(KubernetesCrudMock mock, List<Kind> kinds) {
        Map<String, List<Kind>> byGv = new LinkedHashMap<>();
        byGv.put("v1", new ArrayList<>());
        for (Kind k : kinds) {
            byGv.computeIfAbsent(k.groupVersion(), x -> new ArrayList<>()).add(k);
        }
        var groups = new APIGroupListBuilder();
        for (String gv : byGv.keySet()) {
            if (!gv.contains("/")) {
                continue;
            }
            String[] p = gv.split("/");
            var v = new GroupVersionForDiscoveryBuilder().withGroupVersion(gv).withVersion(p[1]).build();
            groups.addNewGroup().withName(p[0]).withVersions(v).withPreferredVersion(v).endGroup();
        }
        var server = mock.server();
        for (String q : List.of("?timeout=32s", "")) {
            server.expect().get().withPath("/api" + q).andReturn(200, new APIVersionsBuilder().withVersions("v1").build()).always();
            server.expect().get().withPath("/apis" + q).andReturn(200, groups.build()).always();
            byGv.forEach((gv, list) -> {
                var resources = new APIResourceListBuilder().withGroupVersion(gv);
                for (Kind k : list) {
                    resources.addNewResource().withName(k.plural()).withKind(k.kind()).withNamespaced(k.namespaced())
                            .withSingularName(k.kind().toLowerCase(java.util.Locale.ROOT)).withShortNames(k.shortNames())
                            .withVerbs("create", "delete", "get", "list", "patch", "update", "watch").endResource();
                }
                String path = gv.contains("/") ? "/apis/" + gv : "/api/" + gv;
                server.expect().get().withPath(path + q).andReturn(200, resources.build()).always();
            });
        }
    }

    /** Runs kubectl with this kubeconfig and a cache directory of its own; fails the test after 60 s. */
    public Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir", dir.resolve("kube-cache").toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "kubectl", ".out");
        Path err = Files.createTempFile(dir, "kubectl", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(Duration.ofSeconds(60).toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    public KubernetesCrudMock mock() {
        return mock;
    }
}
