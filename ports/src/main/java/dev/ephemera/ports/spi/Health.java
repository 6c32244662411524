package dev.ephemera.ports.spi;

/** Whether an adapter can do its job right now, with a line saying why not. */
public record Health(boolean up, String detail) {
    public static Health up(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }
}
