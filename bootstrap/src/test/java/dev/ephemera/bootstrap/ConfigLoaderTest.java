package dev.ephemera.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.application.IpPools;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private final AdapterRegistry registry = AdapterRegistry.discover();

    private EphemeraConfig load(Optional<Path> explicit, Map<String, String> env) {
        return new ConfigLoader(registry).load(new ConfigLoader.Request(explicit, env, dir.resolve("cwd"), dir.resolve("home")));
    }

    private Path write(String name, String yaml) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, yaml);
        return p;
    }

    @Test
    void noFileMeansTheEmbeddedDefaults() {
        EphemeraConfig c = load(Optional.empty(), Map.of());
        assertThat(c.source()).isEmpty();
        assertThat(c.leaseStore()).isEqualTo("sqlite");
        assertThat(c.stateStore()).isEqualTo("sqlite");
        assertThat(c.defaultBackend()).isEqualTo("docker");
        assertThat(c.sinks()).containsExactly("file");
        assertThat(c.policies().maxLifetime()).isEqualTo(Duration.ofDays(3));
    }

    @Test
    void lookupOrderIsFlagThenEnvironmentThenWorkingDirectoryThenHome() throws IOException {
        Path home = write("home/.config/ephemera/config.yaml", "backend: from-home\n");
        assertThat(load(Optional.empty(), Map.of()).defaultBackend()).isEqualTo("from-home");
        write("cwd/ephemera.yaml", "backend: from-cwd\n");
        assertThat(load(Optional.empty(), Map.of()).defaultBackend()).isEqualTo("from-cwd");
        Path env = write("env.yaml", "backend: from-env\n");
        assertThat(load(Optional.empty(), Map.of("EPHEMERA_CONFIG", env.toString())).defaultBackend()).isEqualTo("from-env");
        Path flag = write("flag.yaml", "backend: from-flag\n");
        assertThat(load(Optional.of(flag), Map.of("EPHEMERA_CONFIG", env.toString())).defaultBackend()).isEqualTo("from-flag");
        assertThat(home).exists();
    }

    @Test
    void xdgConfigHomeComesBeforeTheHomeDirectoryAndAfterTheWorkingDirectory() throws IOException {
        write("home/.config/ephemera/config.yaml", "backend: from-home\n");
        Path xdg = dir.resolve("xdg");
        write("xdg/ephemera/config.yaml", "backend: from-xdg\n");
        assertThat(load(Optional.empty(), Map.of("XDG_CONFIG_HOME", xdg.toString())).defaultBackend()).isEqualTo("from-xdg");
        assertThat(load(Optional.empty(), Map.of("XDG_CONFIG_HOME", dir.resolve("empty").toString())).defaultBackend()).isEqualTo("from-home");
        assertThat(load(Optional.empty(), Map.of("XDG_CONFIG_HOME", "relative/ignored")).defaultBackend()).isEqualTo("from-home");
        write("cwd/ephemera.yaml", "backend: from-cwd\n");
        assertThat(load(Optional.empty(), Map.of("XDG_CONFIG_HOME", xdg.toString())).defaultBackend()).isEqualTo("from-cwd");
    }

    @Test
    void aMisspeltEnvironmentOverrideIsRefusedWithTheKnownOnesOfItsSection() throws IOException {
        assertThatThrownBy(() -> load(Optional.empty(), Map.of("EPHEMERA_POLICIES_MAX_LIFETIM", "1d")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("EPHEMERA_POLICIES_MAX_LIFETIM ").hasMessageContaining("EPHEMERA_POLICIES_MAX_LIFETIME")
                .hasMessageContaining("EPHEMERA_LOG_LEVEL");
        assertThatThrownBy(() -> load(Optional.empty(), Map.of("EPHEMERA_STROE", "sqlite"))).hasMessageContaining("EPHEMERA_STORE");
        // Not settings, and left alone: logging, debugging, the file, the client mode, tests, and env: references.
        Path f = write("ref.yaml", "memory:\n  password: env:EPHEMERA_API_TOKEN\n");
        EphemeraConfig c = load(Optional.of(f), Map.of("EPHEMERA_API_TOKEN", "pw", "EPHEMERA_LOG_LEVEL", "debug", "EPHEMERA_DEBUG", "1",
                "EPHEMERA_SERVER", "http://127.0.0.1:8080", "EPHEMERA_TOKEN", "t", "EPHEMERA_TEST_HOOK", "x"));
        assertThat(c.section("memory").secret("password").orElseThrow().reveal()).isEqualTo("pw");
        assertThat(load(Optional.empty(), Map.of("EPHEMERA_MEMORY_PASSWORD", "env:EPHEMERA_DB_PW", "EPHEMERA_DB_PW", "x"))
                .section("memory").secret("password").orElseThrow().reveal()).isEqualTo("x");
    }

    @Test
    void dnsTimeoutBoundsTheWaitForANameAndDnsNamesItsAdapter() throws IOException {
        Path f = write("dns.yaml", "dns: external-dns\npolicies:\n  dns-timeout: 7m\n");
        EphemeraConfig c = load(Optional.of(f), Map.of());
        assertThat(c.policies().dnsTimeout()).isEqualTo(java.time.Duration.ofMinutes(7));
        assertThat(c.dns()).contains("external-dns");
        assertThat(load(Optional.empty(), Map.of()).policies().dnsTimeout()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(load(Optional.empty(), Map.of()).dns()).isEmpty();
        Path bad = write("dns-bad.yaml", "policies:\n  dns-timeout: 0s\n");
        assertThatThrownBy(() -> load(Optional.of(bad), Map.of()).policies()).hasMessageContaining("DNS timeout");
    }

    @Test
    void poolsDefaultNamesThePoolOfThePoolVerbs() throws IOException {
        assertThat(load(Optional.empty(), Map.of()).defaultPool()).isEmpty();
        Path f = write("pools.yaml", "pools:\n  default: lab\n");
        assertThat(load(Optional.of(f), Map.of()).defaultPool()).contains("lab");
        assertThat(load(Optional.empty(), Map.of("EPHEMERA_POOLS_DEFAULT", "prod")).defaultPool()).contains("prod");
    }

    @Test
    void aBadPolicyValueIsAConfigurationErrorNamingTheKeyOnceBeforeAnyInjectorIsBuilt() throws IOException {
        Path f = write("grace.yaml", "policies:\n  grace: forever\n");
        EphemeraConfig c = load(Optional.of(f), Map.of());
        assertThatThrownBy(() -> Ephemera.start(c, registry)).isInstanceOfSatisfying(EphemeraException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION)).hasMessageStartingWith("policies.grace: duration 'forever'");
    }

    @Test
    void environmentVariablesOverrideEveryKnownKey() throws IOException {
        Path f = write("c.yaml", "store: sqlite\npolicies:\n  grace: 2h\n");
        EphemeraConfig c = load(Optional.of(f), Map.of("EPHEMERA_STORE", "memory", "EPHEMERA_POLICIES_GRACE", "30m",
                "EPHEMERA_POLICIES_MAX_CONCURRENT", "4", "EPHEMERA_MEMORY_SIZE_HINT", "7", "PORT", "9090"));
        assertThat(c.leaseStore()).isEqualTo("memory");
        assertThat(c.policies().grace()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.policies().maxConcurrent()).isEqualTo(4);
        assertThat(c.section("memory").string("size-hint")).contains("7");
        assertThat(c.section("server").integer("port", 0)).isEqualTo(9090);
    }

    @Test
    void inAPodTheServerListensOnEveryInterfaceUnlessToldOtherwise() throws IOException {
        assertThat(load(Optional.empty(), Map.of()).section("server").string("host")).isEmpty();
        assertThat(load(Optional.empty(), Map.of("KUBERNETES_SERVICE_HOST", "10.43.0.1")).section("server").string("host")).contains("0.0.0.0");
        Path f = write("pod.yaml", "server:\n  host: 10.0.0.5\n");
        assertThat(load(Optional.of(f), Map.of("KUBERNETES_SERVICE_HOST", "10.43.0.1")).section("server").string("host")).contains("10.0.0.5");
    }

    @Test
    void unknownKeysAreRefusedWithTheKnownOnesListed() throws IOException {
        Path top = write("top.yaml", "stroe: sqlite\n");
        assertThatThrownBy(() -> load(Optional.of(top), Map.of())).isInstanceOf(EphemeraException.class)
                .hasMessageContaining("unknown setting 'stroe'").hasMessageContaining("store").hasMessageContaining("policies")
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFIGURATION));
        Path nested = write("nested.yaml", "memory:\n  sizehint: 3\n");
        assertThatThrownBy(() -> load(Optional.of(nested), Map.of())).hasMessageContaining("memory.sizehint")
                .hasMessageContaining("size-hint");
        Path policies = write("pol.yaml", "policies:\n  max-lifetime: forever\n");
        assertThatThrownBy(() -> load(Optional.of(policies), Map.of()).policies()).hasMessageContaining("max-lifetime");
    }

    @Test
    void secretsComeFromReferencesAndNeverInline() throws IOException {
        Path secretFile = write("secret.txt", "s3cr3t\n");
        Path viaFile = write("f.yaml", "memory:\n  password: file:" + secretFile + "\n");
        assertThat(load(Optional.of(viaFile), Map.of()).section("memory").secret("password").orElseThrow().reveal()).isEqualTo("s3cr3t");
        Path viaEnv = write("e.yaml", "memory:\n  password: env:DB_PASSWORD\n");
        assertThat(load(Optional.of(viaEnv), Map.of("DB_PASSWORD", "pw")).section("memory").secret("password").orElseThrow().reveal())
                .isEqualTo("pw");
        assertThatThrownBy(() -> load(Optional.of(viaEnv), Map.of())).hasMessageContaining("DB_PASSWORD").hasMessageContaining("not set");
        Path inline = write("i.yaml", "memory:\n  password: hunter2\n");
        assertThatThrownBy(() -> load(Optional.of(inline), Map.of())).hasMessageContaining("must not be written inline")
                .hasMessageNotContaining("hunter2");
        assertThat(load(Optional.of(viaEnv), Map.of("DB_PASSWORD", "pw")).section("memory").toString()).doesNotContain("pw");
    }

    @Test
    void aMissingExplicitFileAndBadYamlAreClearErrors() throws IOException {
        assertThatThrownBy(() -> load(Optional.of(dir.resolve("nope.yaml")), Map.of())).hasMessageContaining("does not exist");
        Path bad = write("bad.yaml", "store: [\n");
        assertThatThrownBy(() -> load(Optional.of(bad), Map.of())).hasMessageContaining("not valid YAML");
    }

    @Test
    void theRegistryFindsFactoriesAndListsThemWhenANameIsUnknown() {
        assertThat(registry.factories(LeaseStoreFactory.class)).containsKey("memory");
        assertThatThrownBy(() -> registry.factory(LeaseStoreFactory.class, "etcd")).hasMessageContaining("no LeaseStore named 'etcd'")
                .hasMessageContaining("memory");
    }

    @Test
    void oneInjectorServesUseCasesFromTheConfiguredAdapters() throws IOException {
        Path f = write("c.yaml", "store: memory\nmemory:\n  size-hint: 5\n");
        try (Ephemera e = Ephemera.start(load(Optional.of(f), Map.of()), registry)) {
            IpPools pools = e.get(IpPools.class);
            pools.create("lab", "10.0.0.1-10.0.0.2", List.of());
            assertThat(e.get(IpPools.class).allocate("lab", "a", Optional.empty()).address()).hasToString("10.0.0.1");
            assertThat(MemoryLeaseStoreFactory.lastSettings.string("size-hint")).contains("5");
            assertThat(e.health()).containsKey("LeaseStore/memory");
            assertThat(MemoryLeaseStoreFactory.lastSettings.string("installation")).as("inherited from the top level").contains("default");
        }
        Path own = write("own.yaml", "store: memory\ninstallation: ci-main\n");
        try (Ephemera e = Ephemera.start(load(Optional.of(own), Map.of()), registry)) {
            e.get(IpPools.class).pools();
            assertThat(MemoryLeaseStoreFactory.lastSettings.string("installation")).contains("ci-main");
        }
    }

    @Test
    void aFactoryInAPluginJarIsDiscoveredAndADuplicateNameIsRefused() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        assertThat(AdapterRegistry.discover(Optional.of(plugins)).pluginJars()).isEmpty();
        writePluginJar(plugins.resolve("etcd-store.jar"), "PluggedStoreFactory", "etcd");
        AdapterRegistry withPlugin = AdapterRegistry.discover(Optional.of(plugins));
        assertThat(withPlugin.factories(LeaseStoreFactory.class)).containsKeys("memory", "etcd");
        assertThat(withPlugin.all()).anySatisfy(d -> assertThat(d.implementation()).isEqualTo("plugin.PluggedStoreFactory"));
        writePluginJar(plugins.resolve("impostor.jar"), "ImpostorStoreFactory", "memory");
        assertThatThrownBy(() -> AdapterRegistry.discover(Optional.of(plugins))).isInstanceOf(EphemeraException.class)
                .hasMessageContaining("two LeaseStore adapters are named 'memory'");
    }

    /** Compiles a one-class plugin with the JDK's compiler and packs it with its service file. */
    private void writePluginJar(Path jar, String className, String name) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src-" + className + "/plugin")).resolve(className + ".java");
        Files.writeString(src, """
                package plugin;
                public final class %s implements dev.ephemera.ports.lease.LeaseStoreFactory {
                    public String name() { return "%s"; }
                    public String description() { return "plugged in"; }
                    public java.util.List<dev.ephemera.ports.spi.SettingSpec> settings() { return java.util.List.of(); }
                    public dev.ephemera.ports.lease.LeaseStore create(dev.ephemera.ports.spi.Settings s) {
                        throw new UnsupportedOperationException("discovery test only");
                    }
                }
                """.formatted(className, name));
        Path classes = Files.createDirectories(dir.resolve("classes-" + className));
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-cp", System.getProperty("java.class.path"), "-d", classes.toString(), src.toString());
        assertThat(rc).isZero();
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry("plugin/" + className + ".class"));
            out.write(Files.readAllBytes(classes.resolve("plugin/" + className + ".class")));
            out.putNextEntry(new java.util.jar.JarEntry("META-INF/services/dev.ephemera.ports.lease.LeaseStoreFactory"));
            out.write(("plugin." + className + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
