package dev.mirrorflow.catalog;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    private static final byte[] PLAINTEXT = "{\"password\":\"s3cret-Passw0rd\"}".getBytes(UTF_8);

    private final SecretCipher cipher = new SecretCipher(SecretCipher.newKey());

    @Test
    void shouldDecryptWhatItEncryptedForTheSamePeer() {
        byte[] sealed = cipher.encrypt("orders_src", PLAINTEXT);

        assertThat(cipher.decrypt("orders_src", cipher.keyId(), sealed)).isEqualTo(PLAINTEXT);
    }

    @Test
    void shouldLayOutVersionNonceCiphertextAndTag() {
        byte[] sealed = cipher.encrypt("orders_src", PLAINTEXT);

        assertThat(sealed).hasSize(1 + 12 + PLAINTEXT.length + 16);
        assertThat(sealed[0]).isEqualTo((byte) 1);
        assertThat(new String(sealed, UTF_8)).doesNotContain("s3cret-Passw0rd");
    }

    @Test
    void shouldUseAFreshNonceForEveryEncryption() {
        byte[] first = cipher.encrypt("orders_src", PLAINTEXT);
        byte[] second = cipher.encrypt("orders_src", PLAINTEXT);

        assertThat(first).isNotEqualTo(second);
        assertThat(cipher.decrypt("orders_src", cipher.keyId(), second)).isEqualTo(PLAINTEXT);
    }

    @Test
    void shouldRejectEveryFlippedByteAsAlteredWithoutShowingSecrets() {
        byte[] sealed = cipher.encrypt("orders_src", PLAINTEXT);

        // The version byte is covered by the "unknown format version" check, every other byte by the tag.
        for (int i = 1; i < sealed.length; i++) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assertThatThrownBy(() -> cipher.decrypt("orders_src", cipher.keyId(), tampered))
                    .as("byte %d flipped", i)
                    .isInstanceOf(SecretDecryptionException.class)
                    .hasMessage("cannot decrypt the stored secrets of peer orders_src: they fail authentication,"
                            + " so they were altered or belong to another peer; recreate it with mirrorflow peer"
                            + " drop orders_src and mirrorflow peer create orders_src")
                    .hasNoCause();
        }
    }

    @Test
    void shouldRejectAnUnknownFormatVersionAndTruncatedBytes() {
        byte[] sealed = cipher.encrypt("orders_src", PLAINTEXT);
        byte[] otherVersion = sealed.clone();
        otherVersion[0] = 7;

        assertThatThrownBy(() -> cipher.decrypt("orders_src", cipher.keyId(), otherVersion))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("format version is 7");
        assertThatThrownBy(() -> cipher.decrypt("orders_src", cipher.keyId(), new byte[] {1, 2, 3}))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("too short");
    }

    @Test
    void shouldNotDecryptThePeerASecretsUnderPeerBsName() {
        byte[] sealedForA = cipher.encrypt("peer_a", PLAINTEXT);

        assertThatThrownBy(() -> cipher.decrypt("peer_b", cipher.keyId(), sealedForA))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("peer peer_b", "belong to another peer");
    }

    @Test
    void shouldNameBothKeysWhenThePeerWasEncryptedWithAnotherKey() {
        SecretCipher other = new SecretCipher(SecretCipher.newKey());
        byte[] sealed = other.encrypt("orders_src", PLAINTEXT);

        assertThatThrownBy(() -> cipher.decrypt("orders_src", other.keyId(), sealed))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessage("peer orders_src was encrypted with key " + other.keyId() + " but this process has key "
                        + cipher.keyId() + "; set MIRRORFLOW_SECRET_KEY to the key the peers were created with");
    }

    @Test
    void shouldFailAuthenticationEvenWhenAWrongKeyClaimsTheRightKeyId() {
        SecretCipher other = new SecretCipher(SecretCipher.newKey());
        byte[] sealed = other.encrypt("orders_src", PLAINTEXT);

        assertThatThrownBy(() -> cipher.decrypt("orders_src", cipher.keyId(), sealed))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("fail authentication");
    }

    @Test
    void shouldDeriveTheKeyIdFromTheSha256OfTheKey() throws Exception {
        byte[] key = SecretCipher.newKey();
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key)).substring(0, 8);

        assertThat(new SecretCipher(key).keyId()).isEqualTo(expected).hasSize(8);
    }

    @Test
    void shouldRefuseAKeyThatIsNot32Bytes() {
        assertThatThrownBy(() -> new SecretCipher(new byte[16]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a secret key must be 32 bytes, not 16");
    }

    @Test
    void shouldShowOnlyTheKeyIdInToString() {
        assertThat(cipher.toString()).isEqualTo("SecretCipher[key " + cipher.keyId() + "]");
    }
}
