package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sqlite-jdbc's native library is extracted once into the cache directory, whole, whoever gets there first. */
class SqliteNativeLibraryTest {
    @TempDir
    Path cache;

    @Test
    @DisplayName("the cache directory follows XDG_CACHE_HOME (absolute only), else ~/.cache")
    void cacheDirectory() {
        assertThat(SqliteNativeLibrary.cacheDirectory(Map.of("XDG_CACHE_HOME", "/c", "HOME", "/h"))).isEqualTo(Path.of("/c/ephemera/native"));
        assertThat(SqliteNativeLibrary.cacheDirectory(Map.of("XDG_CACHE_HOME", "rel", "HOME", "/h"))).isEqualTo(Path.of("/h/.cache/ephemera/native"));
    }

    @Test
    @DisplayName("8 threads extracting at once end with one complete library, the same bytes as in the jar, and no temporary file")
    void concurrentExtraction() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Optional<Path>>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return SqliteNativeLibrary.extractOnce(cache);
                }));
            }
            go.countDown();
            List<Path> paths = new ArrayList<>();
            for (Future<Optional<Path>> r : results) {
                paths.add(r.get().orElseThrow());
            }
            assertThat(paths).containsOnly(paths.get(0));
            Path lib = paths.get(0);
            String resource = org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath() + "/" + org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
            try (var in = org.sqlite.SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
                assertThat(Files.readAllBytes(lib)).isEqualTo(in.readAllBytes());
            }
            try (Stream<Path> files = Files.walk(cache)) {
                assertThat(files.filter(Files::isRegularFile).toList()).containsExactly(lib);
            }
            // A second call finds it and writes nothing.
            long modified = Files.getLastModifiedTime(lib).toMillis();
            assertThat(SqliteNativeLibrary.extractOnce(cache)).contains(lib);
            assertThat(Files.getLastModifiedTime(lib).toMillis()).isEqualTo(modified);
        } finally {
            pool.shutdownNow();
        }
    }
}
