package dev.ephemera.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ports.lease.LeaseStoreFactory;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins are isolated as in Trino: one class loader per jar, the SPI shared with the core, the
 * rest the jar's own; the loaders are closed with the registry, and none is left open behind.
 */
class PluginLoadingTest {
    @TempDir
    Path dir;

    private final List<String> loaderKeys = new ArrayList<>();

    @AfterEach
    void forgetLoaders() {
        loaderKeys.forEach(k -> System.getProperties().remove(k));
    }

    @Test
    void twoPluginsBundlingDifferentVersionsOfOneClassDoNotClash() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        writePlugin(plugins.resolve("alpha.jar"), "alpha", "1.0");
        writePlugin(plugins.resolve("beta.jar"), "beta", "2.0");
        try (AdapterRegistry registry = AdapterRegistry.discover(Optional.of(plugins))) {
            Map<String, LeaseStoreFactory> found = registry.factories(LeaseStoreFactory.class);
            // Each factory describes itself with the version of plugin.shared.Helper its own jar bundles.
            assertThat(found.get("alpha").description()).isEqualTo("helper 1.0");
            assertThat(found.get("beta").description()).isEqualTo("helper 2.0");
            ClassLoader alpha = found.get("alpha").getClass().getClassLoader();
            ClassLoader beta = found.get("beta").getClass().getClassLoader();
            assertThat(alpha).isNotSameAs(beta).isInstanceOf(PluginClassLoader.class);
            // The SPI and the class path's adapters are the core's, once: the plugin sees the same LeaseStoreFactory.
            assertThat(alpha.loadClass(LeaseStoreFactory.class.getName())).isSameAs(LeaseStoreFactory.class);
            assertThat(alpha.loadClass("org.slf4j.Logger")).isSameAs(org.slf4j.Logger.class);
            assertThat(found).containsKey("memory");
        }
    }

    @Test
    void closingTheRegistryClosesEachPluginLoader() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        writePlugin(plugins.resolve("alpha.jar"), "alpha", "1.0");
        AdapterRegistry registry = AdapterRegistry.discover(Optional.of(plugins));
        URLClassLoader loader = (URLClassLoader) registry.factories(LeaseStoreFactory.class).get("alpha").getClass().getClassLoader();
        assertThat(loader.findResource("plugin/shared/Helper.class")).isNotNull();
        registry.close();
        // A closed URLClassLoader no longer reads its jar.
        assertThat(loader.findResource("plugin/shared/Helper.class")).isNull();
    }

    @Test
    void theRegistryReadBeforePluginsIsSetIsClosedAndTheOneInUseClosesWithEphemera() throws Exception {
        Path defaults = Files.createDirectories(dir.resolve("default-plugins"));
        writePlugin(defaults.resolve("alpha.jar"), "alpha", "1.0");
        Path chosen = Files.createDirectories(dir.resolve("chosen-plugins"));
        writePlugin(chosen.resolve("beta.jar"), "beta", "2.0");
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "plugins: " + chosen + "\n");

        Ephemera ephemera = Ephemera.start(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir), Optional.of(defaults));
        try {
            assertThat(ephemera.registry().factories(LeaseStoreFactory.class)).containsKey("beta").doesNotContainKey("alpha");
            URLClassLoader first = loaderOf("alpha");
            URLClassLoader inUse = loaderOf("beta");
            assertThat(first.findResource("plugin/shared/Helper.class")).as("the first registry's loader is closed").isNull();
            assertThat(inUse.findResource("plugin/shared/Helper.class")).isNotNull();
            ephemera.close();
            assertThat(inUse.findResource("plugin/shared/Helper.class")).as("closed with Ephemera").isNull();
        } finally {
            ephemera.close();
        }
    }

    private URLClassLoader loaderOf(String plugin) {
        Object l = System.getProperties().get(key(plugin));
        assertThat(l).as("plugin %s was instantiated", plugin).isInstanceOf(URLClassLoader.class);
        return (URLClassLoader) l;
    }

    private static String key(String plugin) {
        return "ephemera.test.plugin-loader." + plugin;
    }

    /**
     * Compiles a plugin with the JDK's compiler: a LeaseStoreFactory named {@code name} and the
     * helper class {@code plugin.shared.Helper} at {@code helperVersion}, packed with its service
     * file. The factory records its class loader (a test-only side channel) when instantiated.
     */
    private void writePlugin(Path jar, String name, String helperVersion) throws IOException {
        loaderKeys.add(key(name));
        String cls = Character.toUpperCase(name.charAt(0)) + name.substring(1) + "Factory";
        Path src = Files.createDirectories(dir.resolve("src-" + name));
        Path helper = Files.createDirectories(src.resolve("plugin/shared")).resolve("Helper.java");
        Files.writeString(helper, """
                package plugin.shared;
                public final class Helper {
                    public static String version() { return "%s"; }
                }
                """.formatted(helperVersion));
        Path factory = Files.createDirectories(src.resolve("plugin/" + name)).resolve(cls + ".java");
        Files.writeString(factory, """
                package plugin.%1$s;
                public final class %2$s implements dev.ephemera.ports.lease.LeaseStoreFactory {
                    public %2$s() { System.getProperties().put("%3$s", %2$s.class.getClassLoader()); }
                    public String name() { return "%1$s"; }
                    public String description() { return "helper " + plugin.shared.Helper.version(); }
                    public java.util.List<dev.ephemera.ports.spi.SettingSpec> settings() { return java.util.List.of(); }
                    public dev.ephemera.ports.lease.LeaseStore create(dev.ephemera.ports.spi.Settings s) {
                        throw new UnsupportedOperationException("class loading test only");
                    }
                }
                """.formatted(name, cls, key(name)));
        Path classes = Files.createDirectories(dir.resolve("classes-" + name));
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-cp", System.getProperty("java.class.path"), "-d", classes.toString(), helper.toString(), factory.toString());
        assertThat(rc).isZero();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + LeaseStoreFactory.class.getName()));
            out.write(("plugin." + name + "." + cls + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
