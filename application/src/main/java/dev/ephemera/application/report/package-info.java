/** The {@code Reports} use case: a cluster's diagnostics written as REPORT.md, report.json and text files (seed 004). */
package dev.ephemera.application.report;
