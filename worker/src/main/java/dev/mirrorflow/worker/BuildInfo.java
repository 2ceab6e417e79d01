package dev.mirrorflow.worker;

/** The version of this build, from the jar manifest ("dev" when run from classes). */
public final class BuildInfo {

    private BuildInfo() {}

    public static String version() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
