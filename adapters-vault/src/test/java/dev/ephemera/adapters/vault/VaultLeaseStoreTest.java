package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.lease.Ipv4Address;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.testkit.contract.CasAllocator;
import dev.ephemera.testkit.fake.vault.FakeVault;
import dev.ephemera.testkit.fake.vault.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What issue 6 asks of the Vault lease store beyond the shared contract: contention, lost answers, re-login. */
@DisplayName("The Vault lease store")
class VaultLeaseStoreTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private FakeVault vault;

    @BeforeEach
    void start() {
        vault = FakeVault.start();
    }

    @AfterEach
    void stop() {
        try {
            assertThat(vault.specViolations()).isEmpty();
        } finally {
            vault.close();
        }
    }

    private static PoolState pool(String name, String range) {
        return PoolState.empty(PoolDefinition.ofRange(name, range, List.of()));
    }

    private Map<String, Object> appRoleSection() {
        vault.policy("ephemera-pools", Map.of(
                "secret/data/ephemera/*", Set.of("read", "create", "update"),
                "secret/metadata/ephemera/*", Set.of("read", "list"),
                "secret/config", Set.of("read")));
        vault.appRole("ephemera", "role-42", "secret-42", Duration.ofMinutes(30), Duration.ofHours(2), "ephemera-pools");
        Map<String, Object> s = TestVaults.section(vault);
        s.remove("token");
        s.put("auth", "approle");
        s.put("role-id", "role-42");
        s.put("secret-id", "secret-42");
        return s;
    }

    @Test
    @DisplayName("one allocation by a fresh process's store with a fixed token is 2 requests, a read and a check-and-set write, like the curl script")
    void oneAllocationIsTwoRequests() {
        TestVaults.store(vault).create(pool("lab", "10.0.0.1-10.0.0.9"));
        int before = vault.requests().size();

        Lease l = new CasAllocator(TestVaults.store(vault)).allocate("lab", "pr-1", Optional.empty());

        assertThat(l.address().toString()).isEqualTo("10.0.0.1");
        assertThat(vault.requests().subList(before, vault.requests().size())).extracting(r -> r.method() + " " + r.path())
                .containsExactly("GET secret/data/ephemera/pools/lab", "POST secret/data/ephemera/pools/lab");
    }

    @Test
    @DisplayName("16 concurrent allocators, each with its own store, hand out 80 distinct addresses for 80 holders")
    void sixteenAllocatorsNeverShareAnAddress() throws Exception {
        VaultLeaseStore setup = TestVaults.store(vault);
        setup.create(pool("lab", "10.1.0.1-10.1.0.100"));
        int threads = 16;
        int perThread = 5;
        List<Lease> leases = race(threads, i -> {
            CasAllocator allocator = new CasAllocator(TestVaults.store(vault));
            List<Lease> mine = new ArrayList<>();
            for (int k = 0; k < perThread; k++) {
                mine.add(allocator.allocate("lab", "job-" + i + "-" + k, Optional.empty()));
            }
            return mine;
        });

        assertThat(leases).hasSize(threads * perThread);
        assertThat(leases.stream().map(Lease::address).distinct()).hasSize(threads * perThread);
        PoolState stored = setup.read("lab").orElseThrow().value();
        assertThat(stored.leases()).containsExactlyInAnyOrderElementsOf(leases);
    }

    @Test
    @DisplayName("a token revoked mid-run: the store logs in again with AppRole and no lease is lost")
    void revokedTokenMidRun() throws Exception {
        Map<String, Object> section = appRoleSection();
        VaultLeaseStore store = TestVaults.store(section, Clock.systemUTC());
        store.create(pool("lab", "10.2.0.1-10.2.0.100"));
        assertThat(vault.logins()).isEqualTo(1);
        int threads = 16;
        int perThread = 4;
        AtomicInteger done = new AtomicInteger();
        CountDownLatch halfway = new CountDownLatch(threads * perThread / 2);
        CountDownLatch revoked = new CountDownLatch(1);

        List<Lease> leases = race(threads, i -> {
            CasAllocator allocator = new CasAllocator(store);
            List<Lease> mine = new ArrayList<>();
            for (int k = 0; k < perThread; k++) {
                mine.add(allocator.allocate("lab", "job-" + i + "-" + k, Optional.empty()));
                done.incrementAndGet();
                halfway.countDown();
                if (k == perThread / 2) {
                    assertThat(revoked.await(30, TimeUnit.SECONDS)).isTrue(); // the rest runs on a revoked token
                }
            }
            return mine;
        }, () -> {
            assertThat(halfway.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(vault.revokeAllTokens()).isGreaterThanOrEqualTo(1);
            revoked.countDown();
        });

        assertThat(vault.logins()).as("logged in again after the revocation").isGreaterThanOrEqualTo(2);
        assertThat(leases.stream().map(Lease::address).distinct()).hasSize(threads * perThread);
        assertThat(store.read("lab").orElseThrow().value().leases()).containsExactlyInAnyOrderElementsOf(leases);
        assertThat(vault.requests()).anySatisfy(r -> assertThat(r.path()).isEqualTo("auth/approle/login"));
    }

    @Test
    @DisplayName("a write whose answer is lost (connection dropped after Vault applied it) counts as written, once")
    void lostAnswerIsReadBack() {
        VaultLeaseStore store = TestVaults.store(vault);
        store.create(pool("lab", "10.3.0.1-10.3.0.9"));
        Versioned<PoolState> v1 = store.read("lab").orElseThrow();
        PoolState next = v1.value().allocate("job-1", T0, Optional.empty()).next();
        vault.faults().dropConnectionAfterApplying(1, RecordedRequest.writesTo("pools/lab"));

        assertThat(store.compareAndSet("lab", v1.version(), next)).isTrue();

        Versioned<PoolState> after = store.read("lab").orElseThrow();
        assertThat(after.value()).isEqualTo(next);
        assertThat(after.version()).isEqualTo(v1.version() + 1); // applied exactly once, never resent blindly
        assertThat(vault.faults().fired()).isEqualTo(1);
    }

    @Test
    @DisplayName("an allocation whose answer is lost does not give the same holder a second address")
    void lostAnswerNeverGivesASecondAddress() {
        VaultLeaseStore store = TestVaults.store(vault);
        store.create(pool("lab", "10.4.0.1-10.4.0.9"));
        vault.faults().dropConnectionAfterApplying(3, RecordedRequest.writesTo("pools/lab"));
        CasAllocator allocator = new CasAllocator(store);

        Lease first = allocator.allocate("lab", "job-1", Optional.empty());
        Lease again = allocator.allocate("lab", "job-1", Optional.empty());
        Lease other = allocator.allocate("lab", "job-2", Optional.empty());

        assertThat(again.address()).isEqualTo(first.address());
        assertThat(first.address()).isEqualTo(Ipv4Address.parse("10.4.0.1"));
        assertThat(other.address()).isEqualTo(Ipv4Address.parse("10.4.0.2"));
        assertThat(store.read("lab").orElseThrow().value().leases()).extracting(Lease::holder).containsExactly("job-1", "job-2");
        assertThat(vault.faults().fired()).isEqualTo(2);
    }

    @Test
    @DisplayName("a write that times out after Vault applied it is read back, not repeated")
    void timedOutWriteIsReadBack() {
        Map<String, Object> section = TestVaults.section(vault);
        section.put("timeout", "300ms");
        VaultLeaseStore store = TestVaults.store(section, Clock.systemUTC());
        store.create(pool("lab", "10.5.0.1-10.5.0.9"));
        Versioned<PoolState> v1 = store.read("lab").orElseThrow();
        PoolState next = v1.value().allocate("job-1", T0, Optional.empty()).next();
        vault.faults().hangAfterApplying(1, RecordedRequest.writesTo("pools/lab"));
        try {
            assertThat(store.compareAndSet("lab", v1.version(), next)).isTrue();
        } finally {
            vault.faults().releaseHung();
        }
        assertThat(store.read("lab").orElseThrow().version()).isEqualTo(v1.version() + 1);
    }

    @Test
    @DisplayName("a 500 on a write that Vault did not apply: read back, version unchanged, sent again")
    void unappliedWriteIsSentAgain() {
        VaultLeaseStore store = TestVaults.store(vault);
        store.create(pool("lab", "10.6.0.1-10.6.0.9"));
        Versioned<PoolState> v1 = store.read("lab").orElseThrow();
        PoolState next = v1.value().allocate("job-1", T0, Optional.empty()).next();
        vault.faults().failBeforeApplying(1, RecordedRequest.writesTo("pools/lab"), 500, "1 error occurred:\n\t* internal error\n\n");

        assertThat(store.compareAndSet("lab", v1.version(), next)).isTrue();

        assertThat(store.read("lab").orElseThrow().version()).isEqualTo(v1.version() + 1);
    }

    @Test
    @DisplayName("503 (sealed) and 429 (rate limited) are retried with backoff, then the write goes through")
    void sealedAndRateLimitedAreRetried() {
        VaultLeaseStore store = TestVaults.store(vault);
        store.create(pool("lab", "10.7.0.1-10.7.0.9"));
        Versioned<PoolState> v1 = store.read("lab").orElseThrow();
        vault.faults().sealedFor(2).rateLimited(2, Duration.ZERO);

        assertThat(store.compareAndSet("lab", v1.version(), v1.value().allocate("job-1", T0, Optional.empty()).next())).isTrue();
        assertThat(vault.faults().fired()).isEqualTo(4);
    }

    @Test
    @DisplayName("a Vault that stays sealed ends in UNAVAILABLE after the configured retries")
    void staysSealed() {
        Map<String, Object> section = TestVaults.section(vault);
        section.put("max-retries", "2");
        VaultLeaseStore store = TestVaults.store(section, Clock.systemUTC());
        vault.faults().sealedFor(100);

        assertThatThrownBy(() -> store.read("lab"))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("sealed").hasMessageContaining("3 attempts");
    }

    @Test
    @DisplayName("a missing capability is PERMISSION_DENIED naming the path and the capability")
    void permissionDeniedNamesPathAndCapability() {
        vault.policy("read-only", Map.of("secret/data/ephemera/*", Set.of("read"), "sys/mounts/secret", Set.of("read")));
        Map<String, Object> section = TestVaults.section(vault);
        section.put("token", vault.createToken(Duration.ofHours(1), Duration.ofHours(2), true, "read-only"));
        VaultLeaseStore store = TestVaults.store(section, Clock.systemUTC());

        assertThatThrownBy(() -> store.create(pool("lab", "10.8.0.1-10.8.0.9")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                .hasMessageContaining("'secret/data/ephemera/pools/lab'")
                .hasMessageContaining("'create/update' capability")
                .hasMessageContaining("capabilities = [\"create\", \"update\"]");
    }

    @Test
    @DisplayName("keeps its pools under the configured mount and prefix")
    void usesMountAndPrefix() {
        vault.mountKv("kv/team", 2);
        Map<String, Object> section = TestVaults.section(vault);
        section.put("mount", "kv/team");
        section.put("prefix", "ci/ips");
        VaultLeaseStore store = TestVaults.store(section, Clock.systemUTC());

        store.create(pool("lab", "10.9.0.1-10.9.0.9"));

        assertThat(vault.read("kv/team", "ci/ips/pools/lab")).hasValueSatisfying(d -> {
            assertThat(d.path("name").asText()).isEqualTo("lab");
            assertThat(d.path("range").asText()).isEqualTo("10.9.0.1-10.9.0.9");
        });
        assertThat(store.pools()).containsExactly("lab");
    }

    @Test
    @DisplayName("a pool deleted outside Ephemera (soft delete) reads as absent and can be created again")
    void softDeletedOutside() {
        VaultLeaseStore store = TestVaults.store(vault);
        store.create(pool("lab", "10.10.0.1-10.10.0.9"));
        VaultClient raw = TestVaults.client(vault);
        assertThat(raw.read("ephemera/pools/lab")).isInstanceOf(VaultClient.Found.class);
        softDelete("ephemera/pools/lab");

        assertThat(store.read("lab")).isEmpty();
        assertThat(store.pools()).isEmpty();
        assertThat(store.create(pool("lab", "10.10.0.1-10.10.0.9"))).isTrue();
        assertThat(store.read("lab").orElseThrow().version()).isEqualTo(2);
    }

    private void softDelete(String key) {
        VaultHttp http = new VaultHttp(TestVaults.vaultSettings(TestVaults.section(vault)),
                TestVaults.fast(TestVaults.vaultSettings(TestVaults.section(vault))), dev.ephemera.retry.Sleeper.SYSTEM);
        VaultResponse r = http.send("DELETE", "secret/data/" + key, Optional.empty(),
                Optional.of(dev.ephemera.domain.secret.Secret.of(vault.rootToken())), true);
        assertThat(r.status()).isEqualTo(204);
    }

    interface Worker {
        List<Lease> run(int index) throws Exception;
    }

    interface Side {
        void run() throws Exception;
    }

    private static List<Lease> race(int threads, Worker worker) throws Exception {
        return race(threads, worker, () -> {
        });
    }

    /** Runs {@code threads} workers behind one start gate (and an optional side task), and gathers their leases. */
    private static List<Lease> race(int threads, Worker worker, Side side) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<List<Lease>>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return worker.run(index);
                }));
            }
            Future<?> sideTask = pool.submit(() -> {
                side.run();
                return null;
            });
            assertThat(ready.await(60, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<Lease> all = new ArrayList<>();
            for (Future<List<Lease>> f : futures) {
                all.addAll(f.get(120, TimeUnit.SECONDS));
            }
            sideTask.get(120, TimeUnit.SECONDS);
            Set<String> holders = new HashSet<>();
            all.forEach(l -> assertThat(holders.add(l.holder())).isTrue());
            return all;
        } finally {
            pool.shutdownNow();
        }
    }
}
