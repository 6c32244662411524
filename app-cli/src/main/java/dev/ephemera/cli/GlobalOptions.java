package dev.ephemera.cli;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options every command takes. */
public final class GlobalOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (default: $EPHEMERA_CONFIG, ./ephemera.yaml, $XDG_CONFIG_HOME/ephemera/config.yaml, ~/.config/ephemera/config.yaml, else the embedded defaults).")
    Path config;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", converter = OutputFormatConverter.class)
    OutputFormat output = OutputFormat.TABLE;

    public Optional<Path> config() {
        return Optional.ofNullable(config);
    }

    public OutputFormat output() {
        return output;
    }

    static final class OutputFormatConverter implements picocli.CommandLine.ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            try {
                return OutputFormat.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not an output format: use table, json or yaml");
            }
        }
    }
}
