package dev.ephemera.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.error.PoolExhaustedException;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IpPoolsTest {
    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final IpPools pools = new IpPools(store, Clock.systemUTC());

    @Test
    void theSeedsVerbsWorkEndToEnd() {
        pools.create("lab", "10.0.0.1-10.0.0.3", List.of());
        assertThat(pools.allocate("lab", "a", Optional.empty()).address()).hasToString("10.0.0.1");
        assertThat(pools.allocate("lab", "b", Optional.empty()).address()).hasToString("10.0.0.2");
        assertThat(pools.allocate("lab", "c", Optional.empty()).address()).hasToString("10.0.0.3");
        assertThat(pools.allocate("lab", "b", Optional.empty()).address()).hasToString("10.0.0.2");
        assertThatThrownBy(() -> pools.allocate("lab", "d", Optional.empty())).isInstanceOf(PoolExhaustedException.class);
        assertThat(pools.release("lab", "b")).map(Lease::address).map(Object::toString).contains("10.0.0.2");
        assertThat(pools.release("lab", "b")).isEmpty();
        assertThat(pools.allocate("lab", "d", Optional.empty()).address()).hasToString("10.0.0.2");
        assertThat(pools.capacity("lab")).isEqualTo(new PoolState.Capacity(3, 3, 0));
        assertThat(pools.list("lab")).extracting(Lease::holder).containsExactly("a", "d", "c");
    }

    @Test
    void creatingTheSamePoolTwiceIsANoOpButADifferentOneIsAConflict() {
        pools.create("lab", "10.0.0.1-10.0.0.3", List.of());
        pools.create("lab", "10.0.0.1-10.0.0.3", List.of());
        assertThatThrownBy(() -> pools.create("lab", "10.0.0.1-10.0.0.9", List.of())).isInstanceOf(EphemeraException.class)
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    void aMissingPoolSaysHowToCreateIt() {
        assertThatThrownBy(() -> pools.allocate("nope", "a", Optional.empty())).hasMessageContaining("ephemera pool create nope");
    }

    @Test
    void sixteenConcurrentAllocatorsOnTenAddressesGetTenDistinctOnesAndSixCleanRefusals() throws Exception {
        pools.create("lab", "10.0.0.0/28", List.of("10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.14"));
        assertThat(pools.capacity("lab").total()).isEqualTo(10);
        ExecutorService exec = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        Set<String> addresses = ConcurrentHashMap.newKeySet();
        AtomicInteger exhausted = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String holder = "ci-" + i;
            fs.add(exec.submit(() -> {
                start.await();
                try {
                    addresses.add(pools.allocate("lab", holder, Optional.empty()).address().toString());
                } catch (PoolExhaustedException e) {
                    exhausted.incrementAndGet();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : fs) {
            f.get(30, TimeUnit.SECONDS);
        }
        exec.shutdown();
        assertThat(addresses).hasSize(10);
        assertThat(exhausted).hasValue(6);
        assertThat(pools.list("lab")).hasSize(10);
    }

    @Test
    void aWriteWhoseOutcomeIsUnknownDoesNotGiveTheHolderASecondAddress() {
        AtomicBoolean dropNext = new AtomicBoolean(true);
        IpPools flaky = new IpPools(new InMemoryLeaseStoreThatLosesAnswers(store, dropNext), Clock.systemUTC());
        flaky.create("lab", "10.0.0.1-10.0.0.5", List.of());
        Lease l = flaky.allocate("lab", "pr-7", Optional.empty());
        assertThat(l.address()).hasToString("10.0.0.1");
        assertThat(pools.list("lab")).extracting(Lease::holder).containsExactly("pr-7");
    }

    /** Applies a write, then reports its outcome as unknown, as a store whose answer was lost. */
    private static final class InMemoryLeaseStoreThatLosesAnswers implements dev.ephemera.ports.lease.LeaseStore {
        private final InMemoryLeaseStore delegate;
        private final AtomicBoolean dropNext;

        InMemoryLeaseStoreThatLosesAnswers(InMemoryLeaseStore delegate, AtomicBoolean dropNext) {
            this.delegate = delegate;
            this.dropNext = dropNext;
        }

        @Override
        public Optional<dev.ephemera.domain.lease.Versioned<PoolState>> read(String pool) {
            return delegate.read(pool);
        }

        @Override
        public boolean create(PoolState initial) {
            return delegate.create(initial);
        }

        @Override
        public boolean compareAndSet(String pool, long expectedVersion, PoolState next) {
            boolean written = delegate.compareAndSet(pool, expectedVersion, next);
            if (written && dropNext.getAndSet(false)) {
                throw new EphemeraException(ErrorCode.UNAVAILABLE, "connection reset after the write");
            }
            return written;
        }

        @Override
        public List<String> pools() {
            return delegate.pools();
        }

        @Override
        public boolean delete(String pool) {
            return delegate.delete(pool);
        }
    }
}
