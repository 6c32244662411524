package dev.ephemera.cli;

import java.nio.file.Path;
import java.util.Optional;

/** What a command was told about a server ({@code --server}, {@code --token-file}), by whichever mixin it has. */
interface NamedServer {
    Optional<String> server();

    Optional<Path> tokenFile();
}
