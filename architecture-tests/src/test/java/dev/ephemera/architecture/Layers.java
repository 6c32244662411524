package dev.ephemera.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;

/**
 * The hexagon's rules (DESIGN section 2) as a small vocabulary of rules over package patterns,
 * so a test can apply them to the real code or to a fixture. Every rule refuses to pass on an
 * empty selection, so a mistyped package cannot make it vacuous.
 */
final class Layers {
    static final String DOMAIN = "dev.ephemera.domain..";
    static final String PORTS = "dev.ephemera.ports..";
    static final String APPLICATION = "dev.ephemera.application..";
    /** The one shared retry policy (module retry): used by the application and the adapters alike. */
    static final String RETRY = "dev.ephemera.retry..";
    static final String BOOTSTRAP = "dev.ephemera.bootstrap..";
    static final String ADAPTERS = "dev.ephemera.adapters..";
    static final String CLI = "dev.ephemera.cli..";
    static final String SERVER = "dev.ephemera.server..";
    /** The Java API for embedding (module ephemera-java). */
    static final String API = "dev.ephemera.api..";
    /** The JUnit 5 extension (module ephemera-junit5). */
    static final String JUNIT5 = "dev.ephemera.junit5..";

    private Layers() {
    }

    static ArchRule onlyDependOn(String layer, String... allowed) {
        String[] all = new String[allowed.length + 2];
        all[0] = "java..";
        all[1] = layer;
        System.arraycopy(allowed, 0, all, 2, allowed.length);
        return ArchRuleDefinition.classes().that().resideInAPackage(layer)
                .should().onlyDependOnClassesThat().resideInAnyPackage(all)
                .allowEmptyShould(false)
                .because("DESIGN section 2: " + layer + " may use only " + String.join(", ", all));
    }

    static ArchRule domainIsPure() {
        return onlyDependOn(DOMAIN);
    }

    static ArchRule portsUseOnlyTheDomain() {
        return onlyDependOn(PORTS, DOMAIN);
    }

    static ArchRule applicationUsesOnlyDomainPortsInjectAndLogging() {
        return onlyDependOn(APPLICATION, DOMAIN, PORTS, RETRY, "jakarta.inject..", "org.slf4j..");
    }

    /** The shared retry policy stands on the domain (for error codes) and resilience4j-retry only. */
    static ArchRule retryUsesOnlyTheDomainAndResilience4j() {
        return onlyDependOn(RETRY, DOMAIN, "io.github.resilience4j..");
    }

    /** Each adapter module is its own package under dev.ephemera.adapters; none may see another. */
    static ArchRule adaptersAreIndependent() {
        return SlicesRuleDefinition.slices().matching("dev.ephemera.adapters.(*)..").should().notDependOnEachOther()
                .allowEmptyShould(false).because("DESIGN section 2: an adapter never imports another adapter");
    }

    static ArchRule adaptersUseNoCoreBeyondDomainAndPorts() {
        return ArchRuleDefinition.noClasses().that().resideInAPackage(ADAPTERS)
                .should().dependOnClassesThat().resideInAnyPackage(APPLICATION, BOOTSTRAP, CLI, SERVER)
                .allowEmptyShould(false).because("DESIGN section 2: adapters implement ports; they never call use cases or apps");
    }

    static ArchRule appsNeverImportAnAdapter() {
        return ArchRuleDefinition.noClasses().that().resideInAnyPackage(CLI, SERVER, BOOTSTRAP, API, JUNIT5)
                .should().dependOnClassesThat().resideInAPackage(ADAPTERS)
                .allowEmptyShould(false).because("DESIGN section 2: adapters are reached only through ServiceLoader");
    }

    /** The embedding API stands on bootstrap and the core; it never reaches into an app or the test extension above it. */
    static ArchRule embeddingApiBelowTheApps() {
        return ArchRuleDefinition.noClasses().that().resideInAPackage(API)
                .should().dependOnClassesThat().resideInAnyPackage(CLI, SERVER, JUNIT5)
                .allowEmptyShould(false).because("the Java API is a library: apps and the JUnit extension use it, not the other way round");
    }

    /** The JUnit extension is a client of the public API: it sees the API and the domain's values and errors, nothing of the assembly. */
    static ArchRule junitExtensionUsesThePublicApi() {
        return ArchRuleDefinition.noClasses().that().resideInAPackage(JUNIT5)
                .should().dependOnClassesThat().resideInAnyPackage(APPLICATION, BOOTSTRAP, PORTS, CLI, SERVER, ADAPTERS)
                .allowEmptyShould(false).because("the JUnit extension claims clusters only through dev.ephemera.api");
    }

    static ArchRule noFieldInjection() {
        return ArchRuleDefinition.noFields().should().beAnnotatedWith("jakarta.inject.Inject")
                .orShould().beAnnotatedWith("com.google.inject.Inject")
                .orShould().beAnnotatedWith("javax.inject.Inject")
                .allowEmptyShould(true).because("CONVENTIONS 9: constructor injection only");
    }

    static ArchRule noPackageCycles() {
        return SlicesRuleDefinition.slices().matching("dev.ephemera.(**)").should().beFreeOfCycles()
                .allowEmptyShould(false).because("DESIGN section 2: no cycles between packages");
    }

    static void checkAll(JavaClasses classes, ArchRule... rules) {
        for (ArchRule r : rules) {
            r.check(classes);
        }
    }
}
