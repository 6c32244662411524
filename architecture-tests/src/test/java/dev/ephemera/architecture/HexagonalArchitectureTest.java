package dev.ephemera.architecture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** DESIGN section 2, enforced over the main classes of the whole reactor (test code and the testkit excluded). */
class HexagonalArchitectureTest {
    private static JavaClasses production;

    @BeforeAll
    static void importReactor() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("/testkit/") && !location.contains("testkit-")
                        && !location.contains("/architecture-tests/") && !location.contains("/benchmarks/"))
                .importPackages("dev.ephemera");
        assertThat(production.containPackage("dev.ephemera.domain.lease")).isTrue();
        assertThat(production.containPackage("dev.ephemera.cli")).isTrue();
        assertThat(production.containPackage("dev.ephemera.api")).isTrue();
        assertThat(production.containPackage("dev.ephemera.junit5")).isTrue();
    }

    @Test
    @DisplayName("the domain depends on the JDK alone")
    void domain() {
        Layers.domainIsPure().check(production);
    }

    @Test
    @DisplayName("ports depend on the domain and the JDK alone")
    void ports() {
        Layers.portsUseOnlyTheDomain().check(production);
    }

    @Test
    @DisplayName("the application uses the domain, ports, the shared retry policy, jakarta.inject and SLF4J only")
    void application() {
        Layers.applicationUsesOnlyDomainPortsInjectAndLogging().check(production);
    }

    @Test
    @DisplayName("the shared retry policy uses the domain and resilience4j only")
    void retry() {
        Layers.retryUsesOnlyTheDomainAndResilience4j().check(production);
    }

    @Test
    @DisplayName("adapters never import each other")
    void adaptersIndependent() {
        Layers.adaptersAreIndependent().check(production);
    }

    @Test
    @DisplayName("adapters never import use cases, bootstrap or apps")
    void adaptersBelowTheCore() {
        Layers.adaptersUseNoCoreBeyondDomainAndPorts().check(production);
    }

    @Test
    @DisplayName("apps and bootstrap never import an adapter class")
    void appsUseServiceLoader() {
        Layers.appsNeverImportAnAdapter().check(production);
    }

    @Test
    @DisplayName("the embedding API never depends on an app or on the JUnit extension")
    void embeddingApi() {
        Layers.embeddingApiBelowTheApps().check(production);
    }

    @Test
    @DisplayName("the JUnit extension uses the public API and the domain only")
    void junitExtension() {
        Layers.junitExtensionUsesThePublicApi().check(production);
    }

    @Test
    @DisplayName("no field injection anywhere")
    void constructorInjection() {
        Layers.noFieldInjection().check(production);
    }

    @Test
    @DisplayName("no cycles between packages")
    void noCycles() {
        Layers.noPackageCycles().check(production);
    }

    @Test
    @DisplayName("a domain class that imports Jackson breaks the domain rule")
    void theDomainRuleCatchesJackson() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.ephemera.archfixture");
        assertThatThrownBy(() -> Layers.onlyDependOn("dev.ephemera.archfixture.domain..").check(fixture))
                .isInstanceOf(AssertionError.class).hasMessageContaining("com.fasterxml.jackson");
    }

    @Test
    @DisplayName("a rule over a mistyped package fails instead of passing vacuously")
    void emptyPackagesFail() {
        assertThatThrownBy(() -> Layers.onlyDependOn("dev.ephemera.domian..").check(production)).isInstanceOf(AssertionError.class);
    }
}
