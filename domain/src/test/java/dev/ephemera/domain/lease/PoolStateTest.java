package dev.ephemera.domain.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.PoolExhaustedException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PoolStateTest {
    private static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");

    @Test
    void seedThreesPoolHandsOutTenAddressesLowestFirst() {
        PoolState s = PoolState.empty(PoolDefinition.ofRange("ephemeral", "192.168.1.140-192.168.1.149", List.of()));
        for (int i = 0; i < 10; i++) {
            PoolState.Allocation a = s.allocate("pr-" + i, T0, Optional.empty());
            assertThat(a.lease().address()).hasToString("192.168.1." + (140 + i));
            s = a.next();
        }
        PoolState full = s;
        assertThatThrownBy(() -> full.allocate("pr-10", T0, Optional.empty())).isInstanceOf(PoolExhaustedException.class)
                .hasMessageContaining("ephemeral").hasMessageContaining("10");
        PoolState freed = s.release("pr-3").next();
        assertThat(freed.allocate("pr-10", T0, Optional.empty()).lease().address()).hasToString("192.168.1.143");
    }

    @Test
    void anExpiredLeaseIsFreeAgainAndRenewingKeepsTheAddress() {
        PoolState s = PoolState.empty(PoolDefinition.ofRange("p", "10.0.0.1-10.0.0.1", List.of()));
        s = s.allocate("ci-1", T0, Optional.of(Duration.ofMinutes(10))).next();
        PoolState.Allocation renewed = s.allocate("ci-1", T0.plusSeconds(60), Optional.of(Duration.ofMinutes(10)));
        assertThat(renewed.changed()).isTrue();
        assertThat(renewed.lease().expiresAt()).contains(T0.plusSeconds(660));
        PoolState.Allocation taken = renewed.next().allocate("ci-2", T0.plusSeconds(661), Optional.empty());
        assertThat(taken.lease().address()).hasToString("10.0.0.1");
        assertThat(taken.next().leaseOf("ci-1")).isEmpty();
    }

    @Test
    void cidrLeavesOutNetworkAndBroadcastAndExclusions() {
        PoolDefinition d = PoolDefinition.ofCidr("p", "10.1.2.0/29", List.of("10.1.2.1"));
        assertThat(d.addresses()).extracting(Ipv4Address::toString).containsExactly("10.1.2.2", "10.1.2.3", "10.1.2.4", "10.1.2.5", "10.1.2.6");
        assertThat(PoolDefinition.ofCidr("p", "10.1.2.4/31", List.of()).size()).isEqualTo(2);
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> PoolDefinition.ofRange("p", "10.0.0.9-10.0.0.1", List.of())).isInstanceOf(EphemeraException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> PoolDefinition.ofRange("p", "10.0.0.1", List.of())).hasMessageContaining("FIRST-LAST");
        assertThatThrownBy(() -> PoolDefinition.ofCidr("p", "10.0.0.1/24", List.of())).hasMessageContaining("did you mean 10.0.0.0/24");
        assertThatThrownBy(() -> PoolDefinition.ofRange("p", "10.0.0.1-10.0.0.5", List.of("10.0.0.9"))).hasMessageContaining("outside");
        assertThatThrownBy(() -> PoolDefinition.ofRange("Bad_Name", "10.0.0.1-10.0.0.5", List.of())).hasMessageContaining("pool name");
        assertThatThrownBy(() -> Ipv4Address.parse("256.1.1.1")).hasMessageContaining("255");
        assertThatThrownBy(() -> Ipv4Address.parse("01.1.1.1")).hasMessageContaining("leading zeros");
        assertThatThrownBy(() -> PoolState.empty(PoolDefinition.ofRange("p", "10.0.0.1-10.0.0.2", List.of())).allocate("bad holder", T0, Optional.empty()))
                .hasMessageContaining("holder");
    }

    @Test
    void releaseIsIdempotent() {
        PoolState s = PoolState.empty(PoolDefinition.ofRange("p", "10.0.0.1-10.0.0.2", List.of()));
        PoolState.Release r = s.release("nobody");
        assertThat(r.changed()).isFalse();
        assertThat(r.next()).isEqualTo(s);
    }

    @Test
    void aResizeKeepsEveryLeaseRefusesToDropOneInForceAndLetsExpiredOnesGo() {
        PoolState s = PoolState.empty(PoolDefinition.ofRange("lab", "10.0.0.1-10.0.0.4", List.of()));
        s = s.allocate("a", T0, Optional.empty()).next();
        s = s.allocate("b", T0, Optional.of(Duration.ofMinutes(1))).next();
        PoolState grown = s.resizedTo(PoolDefinition.ofRange("lab", "10.0.0.1-10.0.0.8", List.of()), T0);
        assertThat(grown.leases()).isEqualTo(s.leases());
        assertThat(grown.definition().size()).isEqualTo(8);
        PoolState finalS = s;
        PoolDefinition onlyFirst = PoolDefinition.ofRange("lab", "10.0.0.1-10.0.0.1", List.of());
        assertThatThrownBy(() -> finalS.resizedTo(onlyFirst, T0)).isInstanceOf(EphemeraException.class)
                .hasMessageContaining("10.0.0.2 (held by b)");
        assertThatThrownBy(() -> finalS.resizedTo(PoolDefinition.ofRange("lab", "10.0.0.1-10.0.0.4", List.of("10.0.0.1")), T0))
                .hasMessageContaining("10.0.0.1 (held by a)");
        // Once b's lease has expired, its address may go.
        PoolState shrunk = s.resizedTo(onlyFirst, T0.plus(Duration.ofMinutes(2)));
        assertThat(shrunk.leases()).extracting(Lease::holder).containsExactly("a");
        assertThatThrownBy(() -> finalS.resizedTo(PoolDefinition.ofRange("other", "10.0.0.1-10.0.0.4", List.of()), T0))
                .hasMessageContaining("keeps the pool's name");
    }
}
