package dev.ephemera.cli.remote;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The Ephemera server a command talks to in client mode: the base URL (without {@code /v1}) and
 * the bearer token, if any. The token is a {@link Secret}: {@link #toString()} never shows it.
 *
 * @param base  {@code http(s)://HOST[:PORT][/PATH]}, without a trailing slash
 * @param token the API token; empty for a server that runs without one
 */
public record ServerTarget(URI base, Optional<Secret> token) {
    public ServerTarget {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(token, "token");
    }

    /**
     * Parses the URL given with {@code origin} (e.g. {@code --server} or {@code $EPHEMERA_SERVER}),
     * named in the message when it is not an http(s) URL.
     */
    public static URI parseUrl(String text, String origin) {
        String t = text.strip();
        try {
            URI u = new URI(t);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null || u.getRawQuery() != null
                    || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                throw EphemeraException.invalid(origin + " '" + t + "' is not a server URL: use http(s)://HOST[:PORT], e.g. https://ephemera.example.com");
            }
            String s = u.toString();
            while (s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
            return URI.create(s);
        } catch (URISyntaxException e) {
            throw EphemeraException.invalid(origin + " '" + t + "' is not a URL (" + e.getReason() + "): use http(s)://HOST[:PORT]");
        }
    }

    /** A token as given in a file or a variable: one line, no spaces; a final newline is ignored. */
    public static Secret token(String text, String origin) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw EphemeraException.invalid(origin + " is empty; it must hold the API token the server was given (server.token or server.tokens)");
        }
        if (t.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw EphemeraException.invalid(origin + " must hold one token on one line, without spaces");
        }
        return Secret.of(t);
    }

    /** Reads a token file ({@code --token-file}). */
    public static Secret tokenFile(Path file) {
        try {
            return token(Files.readString(file, StandardCharsets.UTF_8), "--token-file " + file);
        } catch (NoSuchFileException e) {
            throw EphemeraException.invalid("--token-file " + file + " does not exist");
        } catch (IOException e) {
            throw EphemeraException.invalid("--token-file " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** The URL of an API path, e.g. {@code /v1/clusters}. */
    public URI resolve(String path) {
        return URI.create(base + path);
    }

    @Override
    public String toString() {
        return "ServerTarget[" + base + (token.isPresent() ? ", with a token" : ", without a token") + "]";
    }
}
