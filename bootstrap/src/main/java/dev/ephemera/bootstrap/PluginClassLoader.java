package dev.ephemera.bootstrap;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin jar, isolated as in Trino: the SPI ({@code dev.ephemera.domain},
 * {@code dev.ephemera.ports}), the JDK and SLF4J come from the parent, so plugin and core share one
 * copy; every other class is looked up in the plugin jar first and only then in the parent. Two
 * plugins that bundle different versions of the same library each get their own. Resources are
 * the jar's own first, then the parent's.
 */
final class PluginClassLoader extends URLClassLoader {
    /** Packages always taken from the parent: the plugin SPI and the logging API. */
    static final List<String> PARENT_FIRST = List.of("dev.ephemera.domain.", "dev.ephemera.ports.", "org.slf4j.");

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final String name;

    PluginClassLoader(String name, URL jar, ClassLoader parent) {
        super("plugin:" + name, new URL[] {jar}, parent);
        this.name = name;
    }

    String pluginName() {
        return name;
    }

    @Override
    protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(className)) {
            Class<?> c = findLoadedClass(className);
            if (c == null) {
                if (parentFirst(className)) {
                    c = getParent().loadClass(className);
                } else {
                    try {
                        c = findClass(className);
                    } catch (ClassNotFoundException notInJar) {
                        c = getParent().loadClass(className);
                    }
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    private static boolean parentFirst(String className) {
        if (PARENT_FIRST.stream().anyMatch(className::startsWith)) {
            return true;
        }
        // The JDK: whatever the platform class loader (java.*, javax.*, jdk.*, …) defines.
        try {
            Class.forName(className, false, ClassLoader.getPlatformClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Override
    public URL getResource(String resource) {
        URL own = findResource(resource);
        return own != null ? own : super.getResource(resource);
    }

    /** The jar's own resources first, then the parent's. */
    @Override
    public Enumeration<URL> getResources(String resource) throws IOException {
        List<URL> all = new ArrayList<>(Collections.list(findResources(resource)));
        all.addAll(Collections.list(getParent().getResources(resource)));
        return Collections.enumeration(all);
    }
}
