package dev.ephemera.domain.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Clusters' DNS names: always valid names under the zone, stable, distinct per pull request. */
class DnsNamePatternProperties {
    private static final DnsNamePattern SEED = DnsNamePattern.defaults("ephemeral.fullstack.pw");
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+");

    @Provide
    Arbitrary<String> repositories() {
        Arbitrary<String> part = Arbitraries.strings().withChars("abcXYZ019_.-").ofMinLength(1).ofMaxLength(100)
                .filter(s -> s.matches("[A-Za-z0-9_.-]+"));
        return Combinators.combine(part, part).as((o, r) -> o + "/" + r);
    }

    @Property
    void everyNameIsAValidNameUnderTheZone(@ForAll("repositories") String repo, @ForAll @IntRange(min = 1, max = 999_999_999) int number) {
        String name = SEED.nameFor(ClusterId.of("c"), Optional.of(new Owner(repo, Optional.of(number))));
        assertThat(name).matches(NAME).startsWith("pr-" + number + "-");
        assertThat(name.substring(name.indexOf('.'))).as("one label below the zone").isEqualTo(".ephemeral.fullstack.pw");
        assertThat(SEED.nameFor(ClusterId.of("c"), Optional.of(new Owner(repo, Optional.of(number))))).isEqualTo(name);
    }

    @Property
    void twoPullRequestsGetTwoNames(@ForAll("repositories") String repo, @ForAll @IntRange(min = 1) int a, @ForAll @IntRange(min = 1) int b) {
        if (a != b) {
            assertThat(SEED.nameFor(ClusterId.of("c"), Optional.of(new Owner(repo, Optional.of(a)))))
                    .isNotEqualTo(SEED.nameFor(ClusterId.of("c"), Optional.of(new Owner(repo, Optional.of(b)))));
        }
    }

    @Example
    void seed003AndOtherClusters() {
        assertThat(SEED.nameFor(ClusterId.of("pr-42-cks-backend"), Optional.of(Owner.parse("fullstack-pw/cks-backend#42"))))
                .isEqualTo("pr-42-cks-backend.ephemeral.fullstack.pw");
        assertThat(SEED.nameFor(ClusterId.of("e2e"), Optional.empty())).isEqualTo("e2e.ephemeral.fullstack.pw");
        assertThat(SEED.nameFor(ClusterId.of("e2e"), Optional.of(Owner.parse("acme/shop")))).isEqualTo("e2e.ephemeral.fullstack.pw");
        assertThat(new DnsNamePattern("{owner}-{repo}-{number}.ci.{zone}", "x-{id}.{zone}", "example.com.")
                .nameFor(ClusterId.of("a"), Optional.of(Owner.parse("Acme/Shop_Front#3")))).isEqualTo("acme-shop-front-3.ci.example.com");
        assertThat(SEED.nameFor(ClusterId.of("a"), Optional.of(Owner.parse("acme/my.app#5")))).as("a dot in the repository adds no level")
                .isEqualTo("pr-5-my-app.ephemeral.fullstack.pw");
    }

    @Example
    void badPatternsAndZonesAreRefused() {
        assertThatThrownBy(() -> new DnsNamePattern("pr-{repo}.{zone}", "{id}.{zone}", "z.example")).isInstanceOf(EphemeraException.class)
                .hasMessageContaining("{number}");
        assertThatThrownBy(() -> new DnsNamePattern(DnsNamePattern.DEFAULT_PR, "cluster.{zone}", "z.example")).hasMessageContaining("{id}");
        assertThatThrownBy(() -> new DnsNamePattern("pr-{number}-{branch}.{zone}", "{id}.{zone}", "z.example")).hasMessageContaining("{branch}");
        assertThatThrownBy(() -> new DnsNamePattern(DnsNamePattern.DEFAULT_PR, "{id}.{zone}", "Not A Zone")).hasMessageContaining("zone");
        assertThatThrownBy(() -> new DnsNamePattern(DnsNamePattern.DEFAULT_PR, "{id}.{zone}", "")).hasMessageContaining("zone");
    }
}
