package dev.ephemera.cli;

/** How a command prints its result: {@code --output table|json|yaml}. */
public enum OutputFormat { TABLE, JSON, YAML }
