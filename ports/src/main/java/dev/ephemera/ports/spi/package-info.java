/** The service-provider interface shared by every port: factories, settings, health. */
package dev.ephemera.ports.spi;
