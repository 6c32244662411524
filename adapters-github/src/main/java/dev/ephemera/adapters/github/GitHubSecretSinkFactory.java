package dev.ephemera.adapters.github;

import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** The {@code github} secret sink: GitHub Actions repository and environment secrets. */
public final class GitHubSecretSinkFactory implements SecretSinkFactory {
    @Override
    public String name() {
        return "github";
    }

    @Override
    public String description() {
        return "GitHub Actions secrets (repository, or environment with scope OWNER/REPO and an environment), sealed with libsodium's sealed box";
    }

    @Override
    public List<SettingSpec> settings() {
        return GitHubSettings.SPECS;
    }

    @Override
    public SecretSink create(Settings settings) {
        settings.validate(settings());
        GitHubSettings s = GitHubSettings.from(settings);
        return new GitHubSecretSink(GitHubClient.create(s, settings.path()));
    }
}
