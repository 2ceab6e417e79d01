package dev.mirrorflow.worker;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One contender in {@link SecretKeySourceTest}'s race between processes: it announces that it is
 * ready, waits for the shared start signal, obtains the key and prints its key id on a line
 * starting with {@value #RESULT_PREFIX}.
 *
 * <p>Arguments: state directory, ready file to create, start file to wait for.
 */
final class SecretKeyRacer {

    static final String RESULT_PREFIX = ProcessRace.RESULT_PREFIX;

    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        Path ready = Path.of(args[1]);
        Path go = Path.of(args[2]);

        // The real environment is left out so that a key set on the build machine cannot hide the race.
        SecretKeySource source = new SecretKeySource(stateDir, name -> null);
        // Warming up the random generator and the crypto providers keeps their slow first use out of the race.
        dev.mirrorflow.catalog.SecretCipher.keyIdOf(dev.mirrorflow.catalog.SecretCipher.newKey());
        Files.createFile(ready);
        while (!Files.exists(go)) {
            Thread.onSpinWait();
        }

        System.out.println(RESULT_PREFIX + source.obtain().keyId());
    }
}
