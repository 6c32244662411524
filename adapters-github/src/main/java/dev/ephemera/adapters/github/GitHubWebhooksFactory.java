package dev.ephemera.adapters.github;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.codehost.CodeHostWebhooks;
import dev.ephemera.ports.codehost.CodeHostWebhooksFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** The {@code github} webhook verifier for the server's {@code POST /v1/webhooks/github}. Needs only the webhook secret. */
public final class GitHubWebhooksFactory implements CodeHostWebhooksFactory {
    /** Secrets shorter than this are easy to guess; GitHub suggests a long random string. */
    static final int MIN_SECRET_BYTES = 16;

    @Override
    public String name() {
        return "github";
    }

    @Override
    public String description() {
        return "GitHub webhook deliveries: X-Hub-Signature-256 verification, redelivery detection, pull_request and repository_dispatch events";
    }

    @Override
    public List<SettingSpec> settings() {
        return GitHubSettings.SPECS;
    }

    @Override
    public CodeHostWebhooks create(Settings settings) {
        settings.validate(settings());
        GitHubSettings s = GitHubSettings.from(settings);
        var secret = s.webhookSecret().orElseThrow(() -> new EphemeraException(ErrorCode.CONFIGURATION, "missing "
                + settings.qualify("webhook-secret") + ": the server verifies GitHub's deliveries with it; set it to the webhook's secret,"
                + " e.g. webhook-secret: env:GITHUB_WEBHOOK_SECRET"));
        if (secret.length() < MIN_SECRET_BYTES) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, settings.qualify("webhook-secret") + " is shorter than " + MIN_SECRET_BYTES
                    + " bytes; use a long random value (e.g. openssl rand -hex 32) here and in the webhook's settings in GitHub");
        }
        return new GitHubWebhooks(secret, s.webhookDeliveriesRemembered());
    }
}
