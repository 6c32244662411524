package dev.ephemera.adapters.github;

import dev.ephemera.ports.codehost.CodeHost;
import dev.ephemera.ports.codehost.CodeHostFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** The {@code github} code host: one kept-up-to-date pull request comment per marker, and commit statuses. */
public final class GitHubCodeHostFactory implements CodeHostFactory {
    @Override
    public String name() {
        return "github";
    }

    @Override
    public String description() {
        return "GitHub pull request comments (upserted by a hidden marker) and commit statuses, as a GitHub App or with a token";
    }

    @Override
    public List<SettingSpec> settings() {
        return GitHubSettings.SPECS;
    }

    @Override
    public CodeHost create(Settings settings) {
        settings.validate(settings());
        return new GitHubCodeHost(GitHubClient.create(GitHubSettings.from(settings), settings.path()));
    }
}
