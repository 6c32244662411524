package dev.ephemera.adapters.github;

import dev.ephemera.ports.spi.Settings;
import dev.ephemera.retry.Sleeper;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared set-up for tests against the fake GitHub: settings, a clock tests can move, a sleeper that only records. */
final class TestGitHub {
    private TestGitHub() {
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Records the waits asked for and moves the clock by them instead of sleeping. */
    static final class RecordingSleeper implements Sleeper {
        final List<Duration> waits = new ArrayList<>();
        private final MovableClock clock;

        RecordingSleeper(MovableClock clock) {
            this.clock = clock;
        }

        @Override
        public synchronized void sleep(Duration d) {
            waits.add(d);
            if (clock != null) {
                clock.advance(d);
            }
        }
    }

    static Settings appSettings(FakeGitHub fake, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("api-url", fake.baseUrl());
        m.put("app-id", String.valueOf(fake.app().id()));
        m.put("private-key", fake.app().privateKeyPkcs1Pem());
        m.putAll(extra);
        return new Settings("github", m, java.util.Set.of("private-key", "token", "webhook-secret"));
    }

    static Settings tokenSettings(FakeGitHub fake, String token, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("api-url", fake.baseUrl());
        m.put("token", token);
        m.putAll(extra);
        return new Settings("github", m, java.util.Set.of("private-key", "token", "webhook-secret"));
    }

    /** A client on the test's clock and sleeper. */
    static GitHubClient client(Settings s, Clock clock, Sleeper sleeper) {
        s.validate(GitHubSettings.SPECS);
        return GitHubClient.create(GitHubSettings.from(s), s.path(), clock, sleeper);
    }
}
