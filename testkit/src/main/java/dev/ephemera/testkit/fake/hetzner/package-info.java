/**
 * A fake Hetzner Cloud API ({@link dev.ephemera.testkit.fake.hetzner.FakeHetzner}) checked against
 * {@code shared/specs/hetzner/openapi.json}, whose servers boot their cloud-init user data into a
 * TLS endpoint ({@link dev.ephemera.testkit.fake.hetzner.FakeK3s}) trusting the PKI they were given.
 */
package dev.ephemera.testkit.fake.hetzner;
