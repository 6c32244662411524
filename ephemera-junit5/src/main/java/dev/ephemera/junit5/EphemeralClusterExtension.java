package dev.ephemera.junit5;

import dev.ephemera.api.ClusterRequest;
import dev.ephemera.api.Ephemera;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.net.URI;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extension behind {@link EphemeralCluster}. The cluster lives in an {@link ExtensionContext}
 * store — the declaring class's for {@code CLASS} scope, the root's for {@code RUN} — as an
 * {@link AutoCloseable} that JUnit closes when that context ends, which deletes or releases it.
 * Claims are made at most once per store key even when classes run in parallel (the store computes
 * each value once), and every class-scoped claim gets a new id, so parallel classes never share one.
 */
public final class EphemeralClusterExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver, AfterTestExecutionCallback {
    /** Configuration parameter: the server's URL for client mode (else {@code $EPHEMERA_SERVER}). */
    public static final String SERVER = "ephemera.server";
    /** Configuration parameter: the configuration file for embedded mode (else the CLI's lookup). */
    public static final String CONFIG = "ephemera.config";

    private static final Logger LOG = LoggerFactory.getLogger(EphemeralClusterExtension.class);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(EphemeralClusterExtension.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final EphemeralCluster DEFAULTS = Defaults.class.getAnnotation(EphemeralCluster.class);
    private static final java.util.Set<Class<?>> FILLABLE = java.util.Set.of(KubernetesClient.class, Path.class, dev.ephemera.api.EphemeralCluster.class);

    @EphemeralCluster
    private static final class Defaults {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Class<?> type = context.getRequiredTestClass();
        Optional<EphemeralCluster> declared = declaration(type);
        if (declared.isEmpty()) {
            return;
        }
        dev.ephemera.api.EphemeralCluster cluster = cluster(context, type, declared.get());
        for (Field f : annotatedFields(type)) {
            if (Modifier.isStatic(f.getModifiers())) {
                inject(f, null, cluster);
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            Class<?> type = instance.getClass();
            Optional<EphemeralCluster> declared = declaration(type);
            if (declared.isEmpty()) {
                continue;
            }
            List<Field> fields = annotatedFields(type).stream().filter(f -> !Modifier.isStatic(f.getModifiers())).toList();
            if (!fields.isEmpty()) {
                dev.ephemera.api.EphemeralCluster cluster = cluster(context, type, declared.get());
                for (Field f : fields) {
                    inject(f, instance, cluster);
                }
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext context) {
        Class<?> t = p.getParameter().getType();
        boolean marked = p.isAnnotated(EphemeralCluster.class);
        if (t == Path.class) {
            return marked;
        }
        if (t != KubernetesClient.class && t != dev.ephemera.api.EphemeralCluster.class) {
            if (marked) {
                throw new ExtensionConfigurationException("@EphemeralCluster cannot fill parameter " + p.getParameter() + " of type "
                        + t.getName() + ": use KubernetesClient, java.nio.file.Path (the kubeconfig) or dev.ephemera.api.EphemeralCluster");
            }
            return false;
        }
        return marked || context.getTestClass().flatMap(EphemeralClusterExtension::declaration).isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext context) {
        Class<?> type = context.getRequiredTestClass();
        Optional<EphemeralCluster> own = p.findAnnotation(EphemeralCluster.class);
        EphemeralCluster declared = declaration(type).orElseGet(() -> own.orElseThrow());
        own.ifPresent(a -> requireSame(a, declared, "parameter " + p.getParameter() + " of " + p.getDeclaringExecutable()));
        return value(p.getParameter().getType(), cluster(context, type, declared), "parameter " + p.getParameter());
    }

    /** After a failed test: the cluster's report, attached as a directory the launcher keeps (REPORT.md, report.json, k8s/). */
    @Override
    public void afterTestExecution(ExtensionContext context) {
        Optional<Throwable> failure = context.getExecutionException();
        if (failure.isEmpty()) {
            return;
        }
        Optional<Held> held = existing(context, context.getRequiredTestClass());
        if (held.isEmpty()) {
            return; // this test had no cluster of its own: nothing to report on
        }
        dev.ephemera.api.EphemeralCluster cluster = held.get().cluster;
        String name = "ephemera-report-" + cluster.id();
        Path written;
        try {
            // Written aside first: a report that cannot be made attaches nothing, not an empty directory.
            written = Files.createTempDirectory(name);
        } catch (IOException e) {
            skipReport(context, cluster, "no temporary directory for it: " + e.getMessage());
            return;
        }
        try {
            try {
                cluster.report(written);
            } catch (RuntimeException e) {
                skipReport(context, cluster, e.getMessage());
                return;
            }
            try {
                context.publishDirectory(name, dir -> copyTree(written, dir));
            } catch (RuntimeException e) {
                skipReport(context, cluster, "the test engine could not attach it: " + rootMessage(e));
                return;
            }
            context.publishReportEntry("ephemera.report", "cluster " + cluster.id() + ": attached as " + name + "/REPORT.md");
        } finally {
            deleteTree(written);
        }
    }

    private static void skipReport(ExtensionContext context, dev.ephemera.api.EphemeralCluster cluster, String reason) {
        LOG.warn("the cluster's report is not attached to the failed test cluster={} test={} reason={}", cluster.id(), context.getUniqueId(), reason);
        context.publishReportEntry("ephemera.report", "cluster " + cluster.id() + ": no report attached (" + reason + ")");
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + ": " + c;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not remove the temporary report directory dir={} error={}", dir, e.toString());
        }
    }

    /** The handle for the class (or the run), claimed on first use and kept in the store whose end closes it. */
    private dev.ephemera.api.EphemeralCluster cluster(ExtensionContext context, Class<?> type, EphemeralCluster declared) {
        ExtensionContext owner = declared.scope() == EphemeralCluster.Scope.RUN ? context.getRoot() : classContext(context, type);
        String key = key(type, declared);
        Held held = owner.getStore(NS).getOrComputeIfAbsent(key, k -> claim(context, type, declared), Held.class);
        if (held.declared != null && !held.declared.equals(declared)) {
            throw new ExtensionConfigurationException("the shared cluster '" + declared.name() + "' is declared with different attributes by "
                    + held.declaredBy.getName() + " and " + type.getName() + ": give one of them another name");
        }
        return held.cluster;
    }

    private Optional<Held> existing(ExtensionContext context, Class<?> type) {
        Optional<EphemeralCluster> declared = declaration(type);
        if (declared.isEmpty()) {
            return Optional.empty();
        }
        ExtensionContext owner = declared.get().scope() == EphemeralCluster.Scope.RUN ? context.getRoot() : classContext(context, type);
        return Optional.ofNullable(owner.getStore(NS).get(key(type, declared.get()), Held.class));
    }

    private static String key(Class<?> type, EphemeralCluster declared) {
        return declared.scope() == EphemeralCluster.Scope.RUN ? "run:" + declared.name() : "class:" + type.getName();
    }

    /** The context of {@code type} itself (the class's, not a method's), whose end is the end of the class. */
    private static ExtensionContext classContext(ExtensionContext context, Class<?> type) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            if (c.getTestMethod().isEmpty() && c.getTestClass().filter(type::equals).isPresent()) {
                return c;
            }
        }
        throw new ExtensionConfigurationException("no class context for " + type.getName() + " above " + context.getUniqueId());
    }

    private Held claim(ExtensionContext context, Class<?> type, EphemeralCluster a) {
        Ephemera ephemera = ephemera(context);
        ClusterRequest.Builder b = ClusterRequest.builder().id(newId(a.scope() == EphemeralCluster.Scope.RUN ? "run-" + a.name() : type.getSimpleName()))
                .onClose(a.onClose());
        String where = "@EphemeralCluster on " + type.getName();
        if (!a.backend().isBlank()) {
            b.backend(a.backend());
        }
        if (!a.pool().isBlank()) {
            b.pool(a.pool());
        }
        if (!a.ttl().isBlank()) {
            b.ttl(duration(where, "ttl", a.ttl()));
        }
        if (!a.readyTimeout().isBlank()) {
            b.readyTimeout(duration(where, "readyTimeout", a.readyTimeout()));
        }
        if (!a.size().isBlank()) {
            b.size(a.size());
        }
        if (!a.location().isBlank()) {
            b.location(a.location());
        }
        if (!a.kubernetesVersion().isBlank()) {
            b.kubernetesVersion(a.kubernetesVersion());
        }
        dev.ephemera.api.EphemeralCluster cluster = ephemera.claim(b.build());
        LOG.info("cluster ready for tests cluster={} backend={} scope={} class={}", cluster.id(), cluster.backend(), a.scope(), type.getName());
        context.publishReportEntry("ephemera.cluster", cluster.id());
        return new Held(cluster, a.scope() == EphemeralCluster.Scope.RUN ? a : null, type);
    }

    private static java.time.Duration duration(String where, String attribute, String text) {
        try {
            return DurationText.parse(text);
        } catch (EphemeraException e) {
            throw new ExtensionConfigurationException(where + ": " + attribute + " = \"" + text + "\" is not a duration; write e.g. 1h, 30m or 90s", e);
        }
    }

    /** The run's one Ephemera, from the configuration parameters; closed when the run ends, after the clusters it still has. */
    private static Ephemera ephemera(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent("ephemera", k -> new Closing(open(context)), Closing.class).ephemera;
    }

    private static Ephemera open(ExtensionContext context) {
        Optional<String> server = context.getConfigurationParameter(SERVER).or(() -> Optional.ofNullable(System.getenv("EPHEMERA_SERVER")))
                .filter(s -> !s.isBlank());
        if (server.isPresent()) {
            URI uri = URI.create(server.get().strip());
            Optional<String> token = Optional.ofNullable(System.getenv("EPHEMERA_TOKEN")).filter(s -> !s.isBlank());
            LOG.info("clusters for tests come from the server server={} token={}", uri, token.isPresent() ? "EPHEMERA_TOKEN" : "none");
            return token.map(t -> Ephemera.remote(uri, t)).orElseGet(() -> Ephemera.remote(uri));
        }
        Optional<String> config = context.getConfigurationParameter(CONFIG).filter(s -> !s.isBlank());
        LOG.info("clusters for tests are claimed embedded config={}", config.orElse("the CLI's lookup"));
        return config.map(c -> Ephemera.local(Path.of(c))).orElseGet(Ephemera::local);
    }

    /** A DNS-1123 id of at most 40 characters: the class (or shared name) shortened, and 8 random characters, so parallel classes never collide. */
    static String newId(String base) {
        String s = base.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replaceAll("([A-Z])([A-Z][a-z])", "$1-$2").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (s.isEmpty() || !Character.isLetter(s.charAt(0))) {
            s = "t-" + s;
        }
        if (s.length() > 30) {
            s = s.substring(0, 30).replaceAll("-+$", "");
        }
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            suffix.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        return ClusterId.of(s + "-" + suffix).value();
    }

    /** The class's declaration: its own annotation, else its fields' or its methods' parameters' first one with attributes, else any. */
    static Optional<EphemeralCluster> declaration(Class<?> type) {
        EphemeralCluster onClass = type.getAnnotation(EphemeralCluster.class);
        List<EphemeralCluster> all = new ArrayList<>();
        List<String> where = new ArrayList<>();
        if (onClass != null) {
            all.add(onClass);
            where.add("class " + type.getName());
        }
        for (Field f : annotatedFields(type)) {
            // A field that cannot be filled is refused before anything is claimed.
            if (!FILLABLE.contains(f.getType())) {
                throw new ExtensionConfigurationException("@EphemeralCluster cannot fill field " + f.getDeclaringClass().getName() + "." + f.getName()
                        + " of type " + f.getType().getName() + ": use KubernetesClient, java.nio.file.Path (the kubeconfig) or dev.ephemera.api.EphemeralCluster");
            }
            if (Modifier.isFinal(f.getModifiers())) {
                throw new ExtensionConfigurationException("@EphemeralCluster cannot fill final field " + f.getDeclaringClass().getName() + "." + f.getName());
            }
            all.add(f.getAnnotation(EphemeralCluster.class));
            where.add("field " + f.getName());
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                for (Parameter p : m.getParameters()) {
                    EphemeralCluster a = p.getAnnotation(EphemeralCluster.class);
                    if (a != null) {
                        all.add(a);
                        where.add("parameter " + p.getName() + " of " + m.getName());
                    }
                }
            }
        }
        if (all.isEmpty()) {
            return Optional.empty();
        }
        EphemeralCluster chosen = onClass != null ? onClass : all.stream().filter(a -> !a.equals(DEFAULTS)).findFirst().orElse(all.get(0));
        for (int i = 0; i < all.size(); i++) {
            requireSame(all.get(i), chosen, where.get(i) + " in " + type.getName());
        }
        return Optional.of(chosen);
    }

    private static void requireSame(EphemeralCluster a, EphemeralCluster declared, String where) {
        if (!a.equals(declared) && !a.equals(DEFAULTS)) {
            throw new ExtensionConfigurationException("a test class has one cluster, but " + where + " declares " + describe(a)
                    + " and the class " + describe(declared) + ": set the attributes once (on the class) and leave the others bare");
        }
    }

    private static String describe(Annotation a) {
        return a.toString().replace("dev.ephemera.junit5.", "");
    }

    private static List<Field> annotatedFields(Class<?> type) {
        List<Field> out = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(EphemeralCluster.class)) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    private static void inject(Field f, Object instance, dev.ephemera.api.EphemeralCluster cluster) {
        Object value = value(f.getType(), cluster, "field " + f.getDeclaringClass().getName() + "." + f.getName());
        try {
            f.setAccessible(true);
            f.set(instance, value);
        } catch (IllegalAccessException e) {
            throw new ExtensionConfigurationException("cannot set field " + f + ": " + e.getMessage(), e);
        }
    }

    private static Object value(Class<?> type, dev.ephemera.api.EphemeralCluster cluster, String target) {
        if (type == KubernetesClient.class) {
            return cluster.kubernetesClient();
        }
        if (type == Path.class) {
            return cluster.kubeconfigPath();
        }
        if (type == dev.ephemera.api.EphemeralCluster.class) {
            return cluster;
        }
        throw new ExtensionConfigurationException("@EphemeralCluster cannot fill " + target + " of type " + type.getName()
                + ": use KubernetesClient, java.nio.file.Path (the kubeconfig) or dev.ephemera.api.EphemeralCluster");
    }

    /** A claimed cluster in a store: JUnit closes it when the store's context ends. */
    private static final class Held implements AutoCloseable {
        final dev.ephemera.api.EphemeralCluster cluster;
        /** For a shared cluster: the declaration it was claimed for, and by whom; null for a class's own. */
        final EphemeralCluster declared;
        final Class<?> declaredBy;

        Held(dev.ephemera.api.EphemeralCluster cluster, EphemeralCluster declared, Class<?> declaredBy) {
            this.cluster = cluster;
            this.declared = declared;
            this.declaredBy = declaredBy;
        }

        @Override
        public void close() {
            LOG.info("letting the cluster go cluster={}", cluster.id());
            cluster.close();
        }
    }

    /** The run's Ephemera in the root store. */
    private static final class Closing implements AutoCloseable {
        final Ephemera ephemera;

        Closing(Ephemera ephemera) {
            this.ephemera = ephemera;
        }

        @Override
        public void close() {
            ephemera.close();
        }
    }
}
