package dev.ephemera.ports.claims;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.Adapter;
import java.util.List;
import java.util.function.Consumer;

/**
 * Claim objects in an API (the {@code EphemeralCluster} custom resource): watched, answered with
 * status, held by a finalizer until their cluster is gone, and given a Secret with the kubeconfig.
 */
public interface ClaimObjects extends Adapter {
    /** The finalizer that holds a deleted object until its cluster is gone. */
    String FINALIZER = "ephemera.dev/cluster";

    /**
     * Starts watching: {@code changed} hears every object that exists now and every later create or
     * update, on one thread of the adapter's. Objects removed from the API are not reported (the
     * finalizer makes a deletion an update first). Closing the handle stops the watch.
     */
    AutoCloseable watch(Consumer<ClaimObject> changed);

    /** The objects as the watch last saw them (empty before {@link #watch}). */
    List<ClaimObject> cached();

    /** Adds {@link #FINALIZER}; a no-op when it is there or the object is gone. */
    void addFinalizer(ClaimRef ref);

    /** Removes {@link #FINALIZER}, letting the API delete an object being deleted; a no-op when the object is gone. */
    void removeFinalizer(ClaimRef ref);

    /** Replaces the object's status; a no-op when the object is gone. */
    void updateStatus(ClaimRef ref, ClaimStatus status);

    /**
     * Writes (or leaves as it is, when equal) the Secret holding {@code kubeconfig} under key
     * {@code kubeconfig} in the object's namespace, owned by the object {@code uid}; returns its name.
     */
    String publishKubeconfig(ClaimRef ref, String uid, Secret kubeconfig);

    /** Deletes that Secret, if there is one. */
    void withdrawKubeconfig(ClaimRef ref);
}
