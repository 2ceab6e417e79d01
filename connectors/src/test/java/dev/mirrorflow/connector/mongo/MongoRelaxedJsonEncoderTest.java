package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinaryReader;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDbPointer;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonJavaScriptWithScope;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonSerializationException;
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonUndefined;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

/**
 * The document conversion writes JSON straight from BSON bytes; these tests hold it to the text
 * of the conversion it replaced (decode into a {@code BsonDocument}, clone it, remove the excluded
 * paths, {@code toJson} in relaxed mode), over every BSON type, their edge values and random
 * documents, so that no document's {@code doc} changed.
 */
class MongoRelaxedJsonEncoderTest {

    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();
    private static final List<String> EXCLUDES = List.of("secret", "card.number", "logins.ip", "a.b.c", "x.y", "ü.\"q");

    @Test
    void shouldWriteEveryBsonTypeAndItsEdgeValuesAsTheDriversRelaxedJsonDid() {
        BsonDocument document = new BsonDocument("_id", new BsonObjectId(new ObjectId("65a1b2c3d4e5f60718293a4b")))
                .append("int32", new BsonArray(List.of(new BsonInt32(0), new BsonInt32(-1), new BsonInt32(Integer.MIN_VALUE),
                        new BsonInt32(Integer.MAX_VALUE))))
                .append("int64", new BsonArray(List.of(new BsonInt64(0), new BsonInt64(Long.MIN_VALUE),
                        new BsonInt64(Long.MAX_VALUE), new BsonInt64(9_007_199_254_740_993L))))
                .append("double", new BsonArray(doubles(List.of(0.0, -0.0, 1.0, -1.5, 0.1, 1e21, 1e-7, 1.0E300, 123456789.0,
                        Double.MIN_VALUE, Double.MAX_VALUE, Double.MIN_NORMAL, Double.NaN, Double.POSITIVE_INFINITY,
                        Double.NEGATIVE_INFINITY, Double.longBitsToDouble(0x7ff8000000000123L)))))
                .append("decimal", new BsonArray(List.of(new BsonDecimal128(Decimal128.parse("1234567890.123456789")),
                        new BsonDecimal128(Decimal128.parse("-0")), new BsonDecimal128(Decimal128.parse("1E+6144")),
                        new BsonDecimal128(Decimal128.parse("1E-6176")), new BsonDecimal128(Decimal128.parse("0.000")),
                        new BsonDecimal128(Decimal128.NaN), new BsonDecimal128(Decimal128.NEGATIVE_NaN),
                        new BsonDecimal128(Decimal128.POSITIVE_INFINITY), new BsonDecimal128(Decimal128.NEGATIVE_INFINITY))))
                .append("date", new BsonArray(dates(List.of(0L, 1L, -1L, 10L, 100L, 120L, 999L, 1_000L, 1_700_000_000_123L,
                        951_782_400_000L, 4_107_542_400_000L, -62_198_755_200_000L, 253_402_300_799_999L,
                        253_402_300_800_000L, Long.MIN_VALUE, Long.MAX_VALUE))))
                .append("strings", new BsonArray(List.of(new BsonString(""), new BsonString("plain"),
                        new BsonString("quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f"),
                        new BsonString("nul \0 soh \u0001 us \u001f del \u007f nbsp \u00a0 c1 \u0085"),
                        new BsonString("Zoë ß 日本語 ١٢٣ € ∑ © ‐ « » ¿"),
                        new BsonString("emoji 😀 and a combining e\u0301, zero width \u200b, bom \ufeff, line \u2028 para \u2029"),
                        new BsonString("private \ue000, unassigned \u0378, replacement \ufffd"))))
                .append("binary", new BsonArray(List.of(new BsonBinary(new byte[0]), new BsonBinary((byte) 0x00, new byte[] {0, -1}),
                        new BsonBinary((byte) 0x01, new byte[] {1, 2, 3}), new BsonBinary((byte) 0x02, new byte[] {4, 5, 6, 7}),
                        new BsonBinary((byte) 0x03, new byte[16]), new BsonBinary((byte) 0x04, new byte[16]),
                        new BsonBinary((byte) 0x05, new byte[16]), new BsonBinary((byte) 0x06, new byte[] {9}),
                        new BsonBinary((byte) 0x07, new byte[3]), new BsonBinary((byte) 0x08, new byte[] {1}),
                        new BsonBinary((byte) 0x80, new byte[] {1}), new BsonBinary((byte) 0xFF, new byte[] {2}))))
                .append("regex", new BsonArray(List.of(new BsonRegularExpression("^a.*\"b\\d$", "xmi"),
                        new BsonRegularExpression("", ""), new BsonRegularExpression("é\t", "su"))))
                .append("timestamp", new BsonArray(List.of(new BsonTimestamp(0, 0), new BsonTimestamp(1_700_000_000, 2),
                        new BsonTimestamp(-1, -1), new BsonTimestamp(Integer.MIN_VALUE, Integer.MAX_VALUE))))
                .append("keys", new BsonArray(List.of(new BsonMinKey(), new BsonMaxKey())))
                .append("others", new BsonArray(List.of(BsonBoolean.TRUE, BsonBoolean.FALSE, BsonNull.VALUE,
                        new BsonUndefined(), new BsonSymbol("sym\"bol"), new BsonJavaScript("function() { return \"x\"; }"),
                        new BsonJavaScriptWithScope("f(a)", new BsonDocument("a", new BsonInt32(1))
                                .append("secret", new BsonString("scopes are not excluded"))),
                        new BsonDbPointer("db.coll", new ObjectId("65a1b2c3d4e5f60718293a4c")))))
                .append("nested", new BsonDocument("empty", new BsonDocument()).append("emptyArray", new BsonArray())
                        .append("deep", new BsonDocument("deeper", new BsonArray(List.of(new BsonArray(List.of(
                                new BsonDocument("deepest", new BsonDateTime(-1))))))))
                        .append("secret", new BsonString("only the top-level secret is excluded")))
                .append("keys \" \\ \t \u0001 ü 😀 a.b $x", new BsonString("a name that needs escapes"))
                .append("", new BsonString("an empty name"))
                .append("secret", new BsonString("hunter2"))
                .append("card", new BsonDocument("number", new BsonString("4111")).append("expiry", new BsonString("12/30")))
                .append("logins", new BsonArray(List.of(new BsonDocument("ip", new BsonString("1.2.3.4")).append("at", new BsonInt32(1)),
                        new BsonArray(List.of(new BsonDocument("ip", new BsonString("5.6.7.8")).append("at", new BsonInt32(2)))),
                        new BsonString("plain"), new BsonDocument("at", new BsonInt32(3)))))
                .append("a", new BsonDocument("b", new BsonDocument("c", new BsonInt32(1)).append("d", new BsonInt32(2)))
                        .append("e", new BsonInt32(3)))
                .append("x.y", new BsonString("a dotted name is not the path x.y"))
                .append("x", new BsonDocument("y", new BsonString("dropped")).append("z", new BsonString("kept")))
                .append("ü", new BsonArray(List.of(new BsonDocument("\"q", new BsonInt32(1)).append("r", new BsonInt32(2)))));

        for (List<String> exclude : List.of(List.<String>of(), EXCLUDES)) {
            DocumentMapping mapping = new DocumentMapping("shop", "all", exclude);
            expectSameAsBefore(mapping, document);
        }
        String excluded = new DocumentMapping("shop", "all", EXCLUDES).documentJson(document);
        assertThat(excluded).doesNotContain("hunter2", "4111", "1.2.3.4", "5.6.7.8", "\"c\": 1", "dropped")
                .contains("\"expiry\": \"12/30\"", "scopes are not excluded", "only the top-level secret is excluded",
                        "a dotted name is not the path x.y", "\"z\": \"kept\"", "{\"r\": 2}");
    }

    @Test
    void shouldWriteRandomDocumentsAsTheDriversRelaxedJsonDid() {
        Random random = new Random(20261202);
        DocumentMapping plain = new DocumentMapping("shop", "random", List.of());
        DocumentMapping excluding = new DocumentMapping("shop", "random", List.of("a", "b.c", "c.a.b", "d.d.d", "é"));
        for (int i = 0; i < 3_000; i++) {
            BsonDocument document = randomDocument(random, 0);
            document.put("_id", randomValue(random, 3));
            expectSameAsBefore(plain, document);
            expectSameAsBefore(excluding, document);
        }
    }

    @Test
    void shouldDecodeMalformedUtf8AsTheDriverDoes() {
        // Hand-made BSON: a name and a string value holding bytes that are not UTF-8.
        byte[] badName = {'n', (byte) 0xC3, 'x', (byte) 0xFF};
        byte[] badValue = {'v', (byte) 0xE2, (byte) 0x82, ' ', (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80,
                (byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0x80};
        byte[] oneBadByte = {(byte) 0xE9};
        RawBsonDocument raw = new RawBsonDocument(bson(element((byte) 0x02, "_id".getBytes(StandardCharsets.UTF_8), string("k")),
                element((byte) 0x02, badName, string(badValue)), element((byte) 0x02, "one".getBytes(StandardCharsets.UTF_8),
                        string(oneBadByte))));

        String expected = old(decoded(raw), List.of());
        assertThat(new DocumentMapping("shop", "bad", List.of()).documentJson(raw)).isEqualTo(expected).contains("\ufffd");
    }

    @Test
    void shouldKeepTheLastValueOfAFieldNamedTwiceAsJsonbDoes() {
        RawBsonDocument raw = new RawBsonDocument(bson(element((byte) 0x10, "_id".getBytes(StandardCharsets.UTF_8), int32(1)),
                element((byte) 0x10, "a".getBytes(StandardCharsets.UTF_8), int32(1)),
                element((byte) 0x10, "b".getBytes(StandardCharsets.UTF_8), int32(2)),
                element((byte) 0x10, "a".getBytes(StandardCharsets.UTF_8), int32(3))));

        String json = new DocumentMapping("shop", "twice", List.of()).documentJson(raw);

        // The decoded document kept the last value at the first place; jsonb keeps the last value.
        assertThat(old(decoded(raw), List.of())).isEqualTo("{\"_id\": 1, \"a\": 3, \"b\": 2}");
        assertThat(json).isEqualTo("{\"_id\": 1, \"a\": 1, \"b\": 2, \"a\": 3}");
        assertThat(BsonDocument.parse(json)).isEqualTo(BsonDocument.parse(old(decoded(raw), List.of())));
        assertThat(new DocumentMapping("shop", "twice", List.of("a")).documentJson(raw)).isEqualTo("{\"_id\": 1, \"b\": 2}");
    }

    @Test
    void shouldRefuseBytesThatAreNotADocument() {
        byte[] bytes = bson(element((byte) 0x02, "s".getBytes(StandardCharsets.UTF_8), string("abc")));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0, bytes.length + 40);

        assertThatThrownBy(() -> new DocumentMapping("shop", "bad", List.of()).documentJson(new RawBsonDocument(bytes)))
                .isInstanceOf(BsonSerializationException.class);
    }

    /** The new conversion of the document, given as a decoded and as a raw document, equals the old one's. */
    private static void expectSameAsBefore(DocumentMapping mapping, BsonDocument document) {
        RawBsonDocument raw = new RawBsonDocument(document, CODEC);
        String expected = old(decoded(raw), mapping.exclude());
        assertThat(mapping.documentJson(raw)).isEqualTo(expected);
        assertThat(mapping.documentJson(document)).isEqualTo(expected);
        Value[] row = mapping.row(raw);
        assertThat(row[0]).isEqualTo(Value.text(DocumentMapping.idText(decoded(raw).get("_id"))));
        assertThat(row[1]).isEqualTo(Value.text(expected));
    }

    /** What the driver decoded from the wire. */
    private static BsonDocument decoded(RawBsonDocument raw) {
        return CODEC.decode(new BsonBinaryReader(raw.getByteBuffer().asNIO()), DecoderContext.builder().build());
    }

    /** The conversion this one replaced, as it was: clone, remove the excluded paths, relaxed toJson. */
    private static String old(BsonDocument document, List<String> exclude) {
        if (exclude.isEmpty()) {
            return document.toJson(RELAXED);
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        for (String path : exclude) {
            tree = merge(tree, path.split("\\."), 0);
        }
        BsonDocument copy = document.clone();
        drop(copy, tree);
        return copy.toJson(RELAXED);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> merge(Map<String, Object> node, String[] parts, int at) {
        if (node.containsKey(parts[at]) && node.get(parts[at]) == null) {
            return node;
        }
        if (at == parts.length - 1) {
            node.put(parts[at], null);
        } else {
            merge((Map<String, Object>) node.computeIfAbsent(parts[at], k -> new LinkedHashMap<String, Object>()), parts,
                    at + 1);
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static void drop(BsonDocument document, Map<String, Object> paths) {
        for (Map.Entry<String, Object> path : paths.entrySet()) {
            if (path.getValue() == null) {
                document.remove(path.getKey());
                continue;
            }
            BsonValue child = document.get(path.getKey());
            if (child != null) {
                dropInside(child, (Map<String, Object>) path.getValue());
            }
        }
    }

    private static void dropInside(BsonValue value, Map<String, Object> paths) {
        if (value.isDocument()) {
            drop(value.asDocument(), paths);
        } else if (value.isArray()) {
            for (BsonValue element : value.asArray()) {
                dropInside(element, paths);
            }
        }
    }

    private static final String[] NAMES = {"a", "b", "c", "d", "é", "x.y", "_id", "q\"", "t\t", "😀", ""};

    private static BsonDocument randomDocument(Random random, int depth) {
        BsonDocument document = new BsonDocument();
        int fields = random.nextInt(depth == 0 ? 12 : 5);
        for (int i = 0; i < fields; i++) {
            String name = random.nextInt(4) == 0 ? randomString(random, 6, false) : NAMES[random.nextInt(NAMES.length)];
            document.put(name, randomValue(random, depth + 1));
        }
        return document;
    }

    private static BsonValue randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 3 ? 17 : 20);
        return switch (kind) {
            case 0 -> new BsonInt32(random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(200) - 100);
            case 1 -> new BsonInt64(random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(200) - 100);
            case 2 -> new BsonDouble(switch (random.nextInt(4)) {
                case 0 -> Double.longBitsToDouble(random.nextLong());
                case 1 -> random.nextInt(1000) / 8.0;
                case 2 -> Math.pow(10, random.nextInt(80) - 40) * (random.nextBoolean() ? 1 : -1);
                default -> random.nextGaussian() * 1e6;
            });
            case 3 -> new BsonDecimal128(random.nextBoolean()
                    ? Decimal128.fromIEEE754BIDEncoding(random.nextLong(), random.nextLong())
                    : new Decimal128(new BigDecimal(random.nextLong()).movePointLeft(random.nextInt(30))));
            case 4 -> new BsonDateTime(switch (random.nextInt(4)) {
                case 0 -> random.nextLong();
                case 1 -> (long) (random.nextDouble() * 253_402_300_800_000L);
                case 2 -> (long) (random.nextDouble() * 253_402_300_800L) * 1000 + random.nextInt(10) * 10;
                default -> -(long) (random.nextDouble() * 62_198_755_200_000L);
            });
            case 5 -> new BsonString(randomString(random, 40, true));
            case 6 -> {
                byte[] data = new byte[random.nextInt(20)];
                random.nextBytes(data);
                yield new BsonBinary((byte) random.nextInt(256), data);
            }
            case 7 -> new BsonObjectId(new ObjectId());
            case 8 -> BsonBoolean.valueOf(random.nextBoolean());
            case 9 -> BsonNull.VALUE;
            case 10 -> new BsonRegularExpression(randomString(random, 10, false), "imsx".substring(random.nextInt(4)));
            case 11 -> new BsonTimestamp(random.nextLong());
            case 12 -> random.nextBoolean() ? new BsonMinKey() : new BsonMaxKey();
            case 13 -> new BsonUndefined();
            case 14 -> new BsonSymbol(randomString(random, 10, true));
            case 15 -> new BsonJavaScript(randomString(random, 10, true));
            case 16 -> new BsonDbPointer(randomString(random, 8, false), new ObjectId());
            case 17 -> new BsonJavaScriptWithScope(randomString(random, 10, true), randomDocument(random, depth + 1));
            case 18 -> randomDocument(random, depth + 1);
            default -> {
                List<BsonValue> values = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    values.add(randomValue(random, depth + 1));
                }
                yield new BsonArray(values);
            }
        };
    }

    /** Random text: ASCII (control chars too), Latin, CJK, marks, format chars and whole surrogate pairs. */
    private static String randomString(Random random, int maxLength, boolean nulAllowed) {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(maxLength); i > 0; i--) {
            int code = switch (random.nextInt(6)) {
                case 0, 1 -> random.nextInt(128);
                case 2 -> 0x80 + random.nextInt(0x780);
                case 3 -> 0x800 + random.nextInt(0xD800 - 0x800);
                case 4 -> 0xE000 + random.nextInt(0x2000);
                default -> 0x10000 + random.nextInt(0x100000);
            };
            if (code == 0 && !nulAllowed) {
                code = 'z';
            }
            text.appendCodePoint(code);
        }
        return text.toString();
    }

    private static List<BsonValue> doubles(List<Double> values) {
        return values.stream().<BsonValue>map(BsonDouble::new).toList();
    }

    private static List<BsonValue> dates(List<Long> values) {
        return values.stream().<BsonValue>map(BsonDateTime::new).toList();
    }

    private static byte[] bson(byte[]... elements) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] element : elements) {
            body.writeBytes(element);
        }
        body.write(0);
        return concat(int32(body.size() + 4), body.toByteArray());
    }

    private static byte[] element(byte type, byte[] name, byte[] value) {
        return concat(new byte[] {type}, name, new byte[] {0}, value);
    }

    private static byte[] string(String value) {
        return string(value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] string(byte[] utf8) {
        return concat(int32(utf8.length + 1), utf8, new byte[] {0});
    }

    private static byte[] int32(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
