/** The {@code CanaryJobs} port on fabric8: E2ESpecs and test Jobs through shared informers. */
package dev.ephemera.adapters.kubernetes.canary;
