/** IP pools and leases: the allocation rule, and the pool state as a versioned value. */
package dev.ephemera.domain.lease;
