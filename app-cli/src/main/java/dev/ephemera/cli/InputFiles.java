package dev.ephemera.cli;

import dev.ephemera.domain.error.EphemeraException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a file argument ({@code -} is standard input), turning I/O trouble into a clear INVALID. */
final class InputFiles {
    private InputFiles() {
    }

    static byte[] read(String file, String option, InputStream stdin) {
        if (file.equals("-")) {
            try {
                return stdin.readAllBytes();
            } catch (IOException e) {
                throw EphemeraException.invalid("cannot read " + option + " from standard input: " + e.getMessage());
            }
        }
        Path p = Path.of(file);
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw EphemeraException.invalid(option + " " + file + " does not exist");
        } catch (IOException e) {
            throw EphemeraException.invalid("cannot read " + option + " " + file + ": " + e.getMessage());
        }
    }
}
