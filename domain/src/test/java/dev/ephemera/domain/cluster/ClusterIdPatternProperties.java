package dev.ephemera.domain.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Cluster ids for pull requests: always valid, stable, distinct per pull request, short. */
class ClusterIdPatternProperties {
    private static final ClusterIdPattern DEFAULT = ClusterIdPattern.defaults();

    @Provide
    Arbitrary<String> repositories() {
        Arbitrary<String> part = Arbitraries.strings().withChars("abcXYZ019_.-").ofMinLength(1).ofMaxLength(100);
        return net.jqwik.api.Combinators.combine(part, part).as((o, r) -> o + "/" + r);
    }

    @Provide
    Arbitrary<String> patterns() {
        return Arbitraries.of(ClusterIdPattern.DEFAULT, "{owner}-{repo}-pr{number}", "PR_{number}", "e2e.{repo}.{number}", "{repo}{number}");
    }

    @Property
    void everyIdIsAValidClusterIdOfAtMost40Characters(@ForAll("patterns") String pattern, @ForAll("repositories") String repo,
                                                      @ForAll @IntRange(min = 1, max = 999_999_999) int number) {
        ClusterId id = new ClusterIdPattern(pattern).idFor(repo, number);
        assertThat(id.value().length()).isLessThanOrEqualTo(ClusterId.MAX_LENGTH);
        assertThat(id.value()).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    }

    @Property
    void theSamePullRequestAlwaysGetsTheSameId(@ForAll("repositories") String repo, @ForAll @IntRange(min = 1) int number) {
        assertThat(DEFAULT.idFor(repo, number)).isEqualTo(new ClusterIdPattern(ClusterIdPattern.DEFAULT).idFor(repo, number));
    }

    @Property
    void twoPullRequestsOfOneRepositoryGetDifferentIds(@ForAll("repositories") String repo, @ForAll @IntRange(min = 1) int a,
                                                       @ForAll @IntRange(min = 1) int b) {
        if (a != b) {
            assertThat(DEFAULT.idFor(repo, a)).isNotEqualTo(DEFAULT.idFor(repo, b));
        }
    }

    @Property
    void longNamesAreShortenedWithAStableHash(@ForAll @IntRange(min = 1, max = 99_999) int number) {
        String repo = "acme/" + "a-very-long-repository-name-that-goes-on-and-on";
        String id = DEFAULT.idFor(repo, number).value();
        assertThat(id).hasSizeLessThanOrEqualTo(40).startsWith("pr-" + number + "-a-very").matches(".*-[0-9a-f]{8}");
    }

    @Example
    void theDefaultIsPrNumberRepo() {
        assertThat(DEFAULT.idFor("acme/Shop_Front", 42).value()).isEqualTo("pr-42-shop-front");
        assertThat(DEFAULT.idFor("fullstack-pw/cks-backend", 7).value()).isEqualTo("pr-7-cks-backend");
    }

    @Example
    void aPatternWithoutTheNumberOrWithAnUnknownPlaceholderIsRefused() {
        assertThatThrownBy(() -> new ClusterIdPattern("e2e-{repo}")).isInstanceOf(EphemeraException.class).hasMessageContaining("{number}");
        assertThatThrownBy(() -> new ClusterIdPattern("pr-{number}-{branch}")).hasMessageContaining("{branch}");
        assertThatThrownBy(() -> DEFAULT.idFor("no-slash", 1)).hasMessageContaining("OWNER/REPO");
        assertThatThrownBy(() -> DEFAULT.idFor("a/b", 0)).hasMessageContaining("positive");
    }
}
