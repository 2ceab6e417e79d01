package dev.mirrorflow.cli.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.model.SnapshotSpec;
import dev.mirrorflow.model.SourceOptions;
import dev.mirrorflow.model.TableSpec;
import dev.mirrorflow.worker.UnprivilegedJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MirrorSpecParserTest {

    /** Tests run in the worker module; the repository's documentation is one level up. */
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

    private static final String MINIMAL = """
            name: orders
            source: shop
            destination: warehouse
            tables:
              - source: public.orders
            """;

    @TempDir
    Path dir;

    @Test
    void shouldParseAFullSpecIntoTheExpectedRecord() throws IOException {
        MirrorSpec spec = parse("""
                # Every key there is.
                name: orders_v2
                source: shop
                destination: warehouse
                tables:
                  - source: public.orders
                  - source: customers
                    destination: crm.customers
                    exclude: [email, phone]
                  - source: sales.order_items
                    exclude:
                      - note
                initialLoad: false
                batchSize: 5000
                idleTimeout: 500ms
                snapshot:
                  rowsPerPartition: 100000
                  parallelism: 8
                retry:
                  initialInterval: 500ms
                  backoffCoefficient: 1.5
                  maximumInterval: 2m
                  maximumAttempts: 100
                sourceOptions:
                  slot: orders_v2_slot
                  publication: shop_orders
                """);

        assertThat(spec).isEqualTo(new MirrorSpec("orders_v2", "shop", "warehouse",
                List.of(new TableSpec("public.orders", "public.orders", List.of()),
                        new TableSpec("public.customers", "crm.customers", List.of("email", "phone")),
                        new TableSpec("sales.order_items", "sales.order_items", List.of("note"))),
                false, 5000, 500, new SnapshotSpec(100_000, 8), new RetrySettings(500, 1.5, 120_000, 100),
                new SourceOptions("orders_v2_slot", "shop_orders")));
        assertThat(spec.idleTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(spec.slot()).isEqualTo("orders_v2_slot");
        assertThat(spec.publication()).isEqualTo("shop_orders");
    }

    @Test
    void shouldGiveAMinimalSpecEveryDefault() throws IOException {
        MirrorSpec spec = parse(MINIMAL);

        assertThat(spec).isEqualTo(MirrorSpec.withDefaults("orders", "shop", "warehouse", List.of(TableSpec.of("public.orders"))));
        assertThat(spec.initialLoad()).isTrue();
        assertThat(spec.batchSize()).isEqualTo(10_000);
        assertThat(spec.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(spec.batchLinger()).isEqualTo(Duration.ofMillis(5));
        assertThat(spec.batchBytes()).isEqualTo(32L << 20);
        assertThat(spec.snapshot()).isEqualTo(new SnapshotSpec(250_000, 4));
        assertThat(spec.retry()).isEqualTo(new RetrySettings(1_000, 2.0, 60_000, 0));
        assertThat(spec.slot()).isEqualTo("mirrorflow_orders");
        assertThat(spec.publication()).isEqualTo("mirrorflow_orders");
        assertThat(spec.tables().get(0).exclude()).isEmpty();
    }

    @Test
    void shouldRejectASlotOrPublicationNameThatNeedsQuoting() throws IOException {
        assertRejection(MINIMAL + "slot: Orders-Slot\n")
                .isEqualTo("orders.yaml line 6: slot: 'Orders-Slot' is not a replication slot name mirrorflow can use;"
                        + " write 1 to 63 lowercase letters, digits or underscores");
        assertRejection(MINIMAL + "publication: " + "p".repeat(64) + "\n")
                .contains("line 6: publication:").contains("is not a publication name mirrorflow can use");
        assertRejection(MINIMAL + "slot: 42\n").contains("line 6: slot:");
        assertRejection(MINIMAL + "sourceOptions:\n  slot: Orders-Slot\n")
                .isEqualTo("orders.yaml line 7: sourceOptions.slot: 'Orders-Slot' is not a replication slot name"
                        + " mirrorflow can use; write 1 to 63 lowercase letters, digits or underscores");
        assertRejection(MINIMAL + "sourceOptions: {publication: ''}\n").contains("line 6: sourceOptions.publication:");
    }

    @Test
    void shouldReadTheOldTopLevelSlotAndPublicationAsTheSourceOptionsTheyAre() throws IOException {
        MirrorSpec old = parse(MINIMAL + "slot: orders_slot\npublication: shop_pub\n");
        MirrorSpec current = parse(MINIMAL + "sourceOptions:\n  slot: orders_slot\n  publication: shop_pub\n");

        assertThat(old).isEqualTo(current);
        assertThat(old.sourceOptions()).isEqualTo(new SourceOptions("orders_slot", "shop_pub"));
        assertThat(old.slot()).isEqualTo("orders_slot");
        assertThat(old.publication()).isEqualTo("shop_pub");
        assertThat(parse(MINIMAL + "slot: orders_slot\nsourceOptions: {publication: shop_pub}\n")).isEqualTo(current);
        assertThat(parse(MINIMAL + "publication: shop_pub\n").sourceOptions().keys()).containsExactly("publication");
    }

    @Test
    void shouldRefuseAnOptionGivenBothAtTheTopLevelAndUnderSourceOptions() throws IOException {
        assertRejection(MINIMAL + "sourceOptions:\n  slot: orders_slot\nslot: orders_slot\n")
                .isEqualTo("orders.yaml line 8: slot: is also given under sourceOptions (line 7); remove this top-level"
                        + " slot:, the old form of sourceOptions.slot");
        assertRejection(MINIMAL + "publication: a\nsourceOptions: {publication: b}\n")
                .startsWith("orders.yaml line 6: publication: is also given under sourceOptions (line 7)");
    }

    @Test
    void shouldRefuseSourceOptionsThatAreNotAMappingOfKnownOptions() throws IOException {
        assertRejection(MINIMAL + "sourceOptions: orders_slot\n")
                .isEqualTo("orders.yaml line 6: sourceOptions: the text 'orders_slot' is not a mapping; write the source's"
                        + " options indented under sourceOptions:, e.g. slot: orders_slot");
        assertRejection(MINIMAL + "sourceOptions:\n  slots: x\n")
                .isEqualTo("orders.yaml line 7: sourceOptions.slots: unknown key; did you mean slot?");
        assertRejection(MINIMAL + "sourceOptions:\n  resumeToken: x\n")
                .isEqualTo("orders.yaml line 7: sourceOptions.resumeToken: unknown key; the keys here are slot,"
                        + " publication");
    }

    @Test
    void shouldTakeRetrySettingsLeftOutFromTheDefaults() throws IOException {
        assertThat(parse(MINIMAL + "retry: {maximumAttempts: 10}\n").retry())
                .isEqualTo(new RetrySettings(1_000, 2.0, 60_000, 10));
        assertThat(parse(MINIMAL + "retry: {backoffCoefficient: 3}\n").retry())
                .isEqualTo(new RetrySettings(1_000, 3.0, 60_000, 0));
        // An initial interval above the default maximum raises the maximum with it.
        assertThat(parse(MINIMAL + "retry: {initialInterval: 5m}\n").retry())
                .isEqualTo(new RetrySettings(300_000, 2.0, 300_000, 0));
    }

    @Test
    void shouldRejectRetrySettingsThatCannotWorkPointingAtTheLine() throws IOException {
        assertRejection(MINIMAL + "retry:\n  initialInterval: 10s\n  maximumInterval: 5s\n")
                .isEqualTo("orders.yaml line 8: retry.maximumInterval: 5s is shorter than initialInterval (10s);"
                        + " make it at least as long");
        assertRejection(MINIMAL + "retry: {backoffCoefficient: 0.5}\n")
                .isEqualTo("orders.yaml line 6: retry.backoffCoefficient: 0.5 is out of range; write a number from 1 to 100");
        assertRejection(MINIMAL + "retry: {backoffCoefficient: fast}\n")
                .contains("line 6: retry.backoffCoefficient:").contains("write a number from 1 to 100");
        assertRejection(MINIMAL + "retry: {maximumAttempts: -1}\n")
                .contains("line 6: retry.maximumAttempts: -1 is out of range; write a whole number from 0 to 1000000");
        assertRejection(MINIMAL + "retry: {initialInterval: 10}\n")
                .contains("line 6: retry.initialInterval: '10' has no unit");
        assertRejection(MINIMAL + "retry:\n  maximumAttemps: 3\n")
                .contains("line 7: retry.maximumAttemps: unknown key; did you mean maximumAttempts?");
        assertRejection(MINIMAL + "retry: 3\n").contains("line 6: retry:");
    }

    @Test
    void shouldPutATableNamedWithoutASchemaIntoPublic() throws IOException {
        MirrorSpec spec = parse(MINIMAL.replace("public.orders", "orders"));

        assertThat(spec.tables()).containsExactly(new TableSpec("public.orders", "public.orders", List.of()));
    }

    @Test
    void shouldAcceptValuesAtTheEdgesOfTheirRangesAndGroupedDigits() throws IOException {
        MirrorSpec low = parse(MINIMAL + """
                batchSize: 1
                idleTimeout: 100ms
                snapshot: {rowsPerPartition: 1000, parallelism: 1}
                """);
        MirrorSpec high = parse(MINIMAL.replace("name: orders", "name: " + "a".repeat(48)) + """
                batchSize: 1000000
                idleTimeout: 10m
                snapshot: {rowsPerPartition: 100000000, parallelism: 64}
                """);

        assertThat(low.batchSize()).isEqualTo(1);
        assertThat(low.idleTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(low.snapshot()).isEqualTo(new SnapshotSpec(1000, 1));
        assertThat(high.batchSize()).isEqualTo(1_000_000);
        assertThat(high.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(high.snapshot()).isEqualTo(new SnapshotSpec(100_000_000, 64));
        assertThat(parse(MINIMAL + "snapshot: {rowsPerPartition: 120_000}\n").snapshot().rowsPerPartition()).isEqualTo(120_000);
        assertThat(parse(MINIMAL + "idleTimeout: 2m\n").idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(parse(MINIMAL + "idleTimeout: 5s\n").idleTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldReadTheBatchLingerFromNothingToTenMinutes() throws IOException {
        assertThat(parse(MINIMAL + "batchLinger: 0ms\n").batchLinger()).isEqualTo(Duration.ZERO);
        assertThat(parse(MINIMAL + "batchLinger: 20ms\n").batchLinger()).isEqualTo(Duration.ofMillis(20));
        assertThat(parse(MINIMAL + "batchLinger: 10m\n").batchLinger()).isEqualTo(Duration.ofMinutes(10));
        assertRejection(MINIMAL + "batchLinger: 11m\n")
                .isEqualTo("orders.yaml line 6: batchLinger: 11m is out of range; write a duration from 0ms to 10m");
        assertRejection(MINIMAL + "batchLinger: 5\n").startsWith("orders.yaml line 6: batchLinger: '5' has no unit");
    }

    @Test
    void shouldReadTheBatchBytesAsASizeFrom64KilobytesToOneGigabyte() throws IOException {
        assertThat(parse(MINIMAL + "batchBytes: 8MB\n").batchBytes()).isEqualTo(8L << 20);
        assertThat(parse(MINIMAL + "batchBytes: 512kB\n").batchBytes()).isEqualTo(512L << 10);
        assertThat(parse(MINIMAL + "batchBytes: 1gb\n").batchBytes()).isEqualTo(1L << 30);
        assertThat(parse(MINIMAL + "batchBytes: 65536B\n").batchBytes()).isEqualTo(64L << 10);
        assertRejection(MINIMAL + "batchBytes: 2GB\n")
                .isEqualTo("orders.yaml line 6: batchBytes: 2GB is out of range; write a size from 64kB to 1GB");
        assertRejection(MINIMAL + "batchBytes: 32kB\n")
                .isEqualTo("orders.yaml line 6: batchBytes: 32kB is out of range; write a size from 64kB to 1GB");
        assertRejection(MINIMAL + "batchBytes: 64\n")
                .isEqualTo("orders.yaml line 6: batchBytes: '64' has no unit; write e.g. 64MB or 64kB, from 64kB to 1GB");
        assertRejection(MINIMAL + "batchBytes: lots\n")
                .isEqualTo("orders.yaml line 6: batchBytes: 'lots' is not a size; write e.g. 512kB, 32MB or 1GB, from 64kB"
                        + " to 1GB");
        assertRejection(MINIMAL + "batchBytes: 1.5MB\n").startsWith("orders.yaml line 6: batchBytes: '1.5MB' is not a size");
    }

    @Test
    void shouldRejectAnUnknownKeySuggestingTheClosestKnownOne() throws IOException {
        assertRejection(MINIMAL + "batchsize: 100\n")
                .startsWith("orders.yaml line 6: batchsize: unknown key; did you mean batchSize?");
        assertRejection(MINIMAL + "idle_timeout: 5s\n").contains("line 6: idle_timeout: unknown key; did you mean idleTimeout?");
        assertRejection(MINIMAL + "    excludes: [email]\n")
                .contains("line 6: tables[0].excludes: unknown key; did you mean exclude?");
        assertRejection(MINIMAL + "snapshot:\n  paralelism: 2\n")
                .contains("line 7: snapshot.paralelism: unknown key; did you mean parallelism?");
    }

    @Test
    void shouldRejectAnUnknownKeyWithoutACloseMatchByListingTheKnownKeys() throws IOException {
        assertRejection(MINIMAL + "colour: blue\n")
                .isEqualTo("orders.yaml line 6: colour: unknown key; the keys here are name, source, destination, tables, "
                        + "initialLoad, batchSize, batchBytes, idleTimeout, batchLinger, snapshot, retry, sourceOptions");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "name        | add the mirror's name, e.g. name: orders",
        "source      | add the source peer's name",
        "destination | add the destination peer's name",
    })
    void shouldRejectAMissingRequiredKey(String key, String hint) throws IOException {
        String yaml = MINIMAL.lines().filter(l -> !l.startsWith(key + ":")).reduce("", (a, l) -> a + l + "\n");

        assertRejection(yaml).startsWith("orders.yaml line 1: " + key + ": required key is missing; " + hint);
    }

    @Test
    void shouldRejectASpecWithoutTables() throws IOException {
        assertRejection("name: orders\nsource: shop\ndestination: warehouse\n")
                .isEqualTo("orders.yaml line 1: tables: required key is missing; add the tables to mirror, "
                        + "e.g. tables: [{source: public.orders}]");
        assertRejection(MINIMAL.replace("  - source: public.orders", "  - destination: public.orders"))
                .isEqualTo("orders.yaml line 5: tables[0].source: required key is missing; add the source table, "
                        + "e.g. source: public.orders");
    }

    @Test
    void shouldRejectAValueOfTheWrongType() throws IOException {
        assertRejection(MINIMAL + "batchSize: lots\n")
                .isEqualTo("orders.yaml line 6: batchSize: the text 'lots' is not a whole number; "
                        + "write a whole number from 1 to 1000000");
        assertRejection(MINIMAL + "batchSize: \"5000\"\n").endsWith("write a whole number from 1 to 1000000, without quotes");
        assertRejection(MINIMAL + "batchSize: 2.5\n").contains("line 6: batchSize: the number '2.5' is not a whole number");
        assertRejection(MINIMAL + "batchSize:\n").contains("line 6: batchSize: has no value; write a whole number from 1 to 1000000");
        assertRejection(MINIMAL + "initialLoad: sometimes\n")
                .isEqualTo("orders.yaml line 6: initialLoad: the text 'sometimes' is not true or false; write true or false");
        assertRejection(MINIMAL.replace("name: orders", "name: 42"))
                .startsWith("orders.yaml line 1: name: the number '42' is not a mirror name; write e.g. name: orders");
        assertRejection("name: orders\nsource: shop\ndestination: warehouse\ntables: public.orders\n")
                .isEqualTo("orders.yaml line 4: tables: the text 'public.orders' is not a list of tables; "
                        + "write one '- source: schema.table' item per table");
        assertRejection(MINIMAL.replace("  - source: public.orders", "  - public.orders"))
                .startsWith("orders.yaml line 5: tables[0]: the text 'public.orders' is not a table; "
                        + "write each table as a mapping");
        assertRejection(MINIMAL + "    exclude: email\n")
                .contains("line 6: tables[0].exclude: the text 'email' is not a list of columns; write the column names as a list");
        assertRejection(MINIMAL + "snapshot: 4\n")
                .contains("line 6: snapshot: the number '4' is not a mapping; write rowsPerPartition and parallelism");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "batchSize: 0                      | batchSize: 0 is out of range; write a whole number from 1 to 1000000",
        "batchSize: 1000001                | batchSize: 1000001 is out of range; write a whole number from 1 to 1000000",
        "batchSize: 99999999999999999999999 | batchSize: 99999999999999999999999 is out of range; write a whole number from 1 to 1000000",
        "snapshot: {parallelism: 65}       | snapshot.parallelism: 65 is out of range; write a whole number from 1 to 64",
        "snapshot: {rowsPerPartition: 999} | snapshot.rowsPerPartition: 999 is out of range; write a whole number from 1000 to 100000000",
        "idleTimeout: 50ms                 | idleTimeout: 50ms is out of range; write a duration from 100ms to 10m",
        "idleTimeout: 1h                   | idleTimeout: 1h is out of range; write a duration from 100ms to 10m",
    })
    void shouldRejectAValueOutOfRange(String line, String message) throws IOException {
        assertRejection(MINIMAL + line + "\n").isEqualTo("orders.yaml line 6: " + message.strip());
    }

    @Test
    void shouldTakeOnlyDecimalNumbersNotTheHexOctalOrBinaryOfYaml11() throws IOException {
        String decimalHint = " in decimal digits (grouped with _ if you like, e.g. 10_000)";
        assertRejection(MINIMAL + "batchSize: 0x10\n").isEqualTo("orders.yaml line 6: batchSize: '0x10' is not a "
                + "decimal number; write a whole number from 1 to 1000000" + decimalHint);
        assertRejection(MINIMAL + "batchSize: 010\n").isEqualTo("orders.yaml line 6: batchSize: '010' is not a "
                + "decimal number; write a whole number from 1 to 1000000" + decimalHint);
        assertRejection(MINIMAL + "snapshot: {parallelism: 0b10}\n").isEqualTo("orders.yaml line 6: "
                + "snapshot.parallelism: '0b10' is not a decimal number; write a whole number from 1 to 64" + decimalHint);
        assertRejection(MINIMAL + "retry: {backoffCoefficient: 0x2}\n").isEqualTo("orders.yaml line 6: "
                + "retry.backoffCoefficient: '0x2' is not a decimal number; write a number from 1 to 100" + decimalHint);

        assertThat(parse(MINIMAL + "batchSize: 1_024\n").batchSize()).isEqualTo(1_024);
        assertThat(parse(MINIMAL + "retry: {backoffCoefficient: 1.25}\n").retry().backoffCoefficient()).isEqualTo(1.25);
        assertThat(parse(MINIMAL + "retry: {backoffCoefficient: 2}\n").retry().backoffCoefficient()).isEqualTo(2.0);
    }

    @Test
    void shouldRejectAnEmptyTablesList() throws IOException {
        assertRejection("name: orders\nsource: shop\ndestination: warehouse\ntables: []\n")
                .isEqualTo("orders.yaml line 4: tables: the list is empty; list at least one table, e.g. - source: public.orders");
    }

    @Test
    void shouldRejectASourceTableListedTwiceEvenWhenSpelledWithoutItsSchema() throws IOException {
        assertRejection(MINIMAL + "  - source: customers\n  - source: orders\n    destination: archive.orders\n")
                .isEqualTo("orders.yaml line 7: tables[2].source: table public.orders is listed twice (first at line 5); "
                        + "list each source table once");
    }

    @Test
    void shouldRejectTwoSourceTablesMappedToOneDestinationTable() throws IOException {
        assertRejection(MINIMAL + "  - source: sales.orders\n    destination: public.orders\n")
                .isEqualTo("orders.yaml line 7: tables[1].destination: table public.orders is also the destination of "
                        + "public.orders (line 5); give each source table its own destination");
        assertRejection(MINIMAL.replace("public.orders", "legacy.orders\n    destination: public.orders") + "  - source: orders\n")
                .isEqualTo("orders.yaml line 7: tables[1].source: its destination public.orders (by default the source's name) "
                        + "is also the destination of legacy.orders (line 6); give each source table its own destination");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Orders", "1orders", "orders-eu", "_orders", "a_name_of_forty_nine_characters_is_one_too_long_x"})
    void shouldRejectABadMirrorName(String name) throws IOException {
        assertRejection(MINIMAL.replace("name: orders", "name: " + name))
                .isEqualTo("orders.yaml line 1: name: '" + name + "' is not a valid mirror name; use 1 to 48 lowercase "
                        + "letters, digits or underscores, starting with a letter (it becomes the workflow id mirror/<name>)");
    }

    @Test
    void shouldRejectABadPeerName() throws IOException {
        assertRejection(MINIMAL.replace("source: shop", "source: Shop-DB"))
                .startsWith("orders.yaml line 2: source: 'Shop-DB' is not a peer name; peer names are 1 to 63 lowercase letters");
    }

    @Test
    void shouldRejectTheSamePeerAsSourceAndDestination() throws IOException {
        assertRejection(MINIMAL.replace("destination: warehouse", "destination: shop"))
                .isEqualTo("orders.yaml line 3: destination: peer 'shop' is also the source; a mirror copies from one peer "
                        + "to another, so name a different destination peer");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "soon                   | 'soon' is not a duration; write e.g. 500ms, 5s, 2m or 1h, from 100ms to 10m",
        "5 minutes              | '5 minutes' is not a duration; write e.g. 500ms, 5s, 2m or 1h, from 100ms to 10m",
        "-5s                    | '-5s' is not a duration",
        "99999999999999999999h  | '99999999999999999999h' is not a duration",
        "5                      | '5' has no unit; write e.g. 5s or 5ms, from 100ms to 10m",
    })
    void shouldRejectABadDuration(String value, String message) throws IOException {
        assertRejection(MINIMAL + "idleTimeout: " + value + "\n").startsWith("orders.yaml line 6: idleTimeout: " + message.strip());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // written in the YAML file                 | stored exactly, in the written form
        "public.orders                              | public.orders",
        "Public.Orders                              | public.orders",
        "ORDERS                                     | public.orders",
        "'\"Order Items\"'                          | public.\"Order Items\"",
        "'\"Sales\".\"Q1\"'                         | \"Sales\".\"Q1\"",
        "'sales.\"Q1\"'                             | sales.\"Q1\"",
        "données                                    | public.\"données\"",
        "'\"données\"'                              | public.\"données\"",
        "DONNÉES                                    | public.\"donnÉes\"",
        "a$b                                        | public.\"a$b\"",
        "'\"a.b\".\"say \"\"hi\"\"\"'               | \"a.b\".\"say \"\"hi\"\"\"",
        "'\"orders\"'                               | public.orders",
        "public.2024_sales                          | public.2024_sales",
    })
    void shouldReadTableNamesInPostgresIdentifierSyntax(String written, String stored) throws IOException {
        MirrorSpec spec = parse(MINIMAL.replace("source: public.orders", "source: " + written.strip()));
        assertThat(spec.tables().get(0).source()).isEqualTo(stored.strip());
        assertThat(spec.tables().get(0).destination()).isEqualTo(stored.strip());
        assertThat(MirrorSpecJson.read(MirrorSpecJson.write(spec))).isEqualTo(spec);
    }

    @Test
    void shouldKeepExactColumnNamesOfExcludedQuotedColumns() throws IOException {
        MirrorSpec spec = parse(MINIMAL.replace("source: public.orders", "source: '\"Order Items\"'")
                + "    destination: '\"Archive\".\"Order Items\"'\n"
                + "    exclude: ['\"Qty Value\"', Email, '\"say \"\"hi\"\"\"', données]\n");
        assertThat(spec.tables()).containsExactly(new TableSpec("public.\"Order Items\"", "\"Archive\".\"Order Items\"",
                List.of("Qty Value", "email", "say \"hi\"", "données")));
        assertThat(MirrorSpecJson.read(MirrorSpecJson.write(spec))).isEqualTo(spec);
    }

    @Test
    void shouldReadTheDocumentedQuotedNamesAsTheDocsSay() throws IOException {
        String docs = Files.readString(REPOSITORY.resolve("docs/mirror-spec.md"));
        Matcher blocks = Pattern.compile("```yaml\n(tables:\n.*?)```", Pattern.DOTALL).matcher(docs);
        assertThat(blocks.find()).as("docs/mirror-spec.md shows quoted names").isTrue();
        MirrorSpec spec = MirrorSpecParser.parse("name: orders\nsource: shop\ndestination: warehouse\n" + blocks.group(1),
                "docs/mirror-spec.md");
        assertThat(spec.tables()).containsExactly(
                new TableSpec("\"Sales\".\"Q1\"", "\"Archive\".\"Q1 2024\"", List.of()),
                new TableSpec("public.\"Order Items\"", "public.\"Order Items\"", List.of("Qty Value", "email")),
                new TableSpec("public.\"données\"", "public.\"données\"", List.of()));
    }

    @Test
    void shouldTreatTwoSpellingsOfOneQuotedTableAsOne() throws IOException {
        assertRejection(MINIMAL + "  - source: '\"public\".\"orders\"'\n")
                .startsWith("orders.yaml line 6: tables[1].source: table public.orders is listed twice (first at line 5)");
        assertRejection(MINIMAL.replace("source: public.orders", "source: '\"Q1\"'") + "  - source: '\"q1\"'\n"
                + "    destination: '\"Q1\"'\n")
                .startsWith("orders.yaml line 7: tables[1].destination: table public.\"Q1\" is also the destination of "
                        + "public.\"Q1\"");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "a.b.c                      | it has more than two parts; write table or schema.table",
        "orders-2024                | '-' cannot be part of a name without double quotes",
        "'my orders'                | a space cannot be part of a name without double quotes",
        ".orders                    | a name is missing before the dot",
        "public.                    | a name is missing after the dot",
        "'\"Order Items'            | a double quote is not closed",
        "'\"\"'                     | \"\" is an empty name",
        "'public.\"\"'              | \"\" is an empty name",
        "'Order\"Items\"'           | a double quote may only enclose a whole name",
        "'\"Order\"Items'           | a quoted name must be followed by a dot or end there",
        "$orders                    | '$' cannot be part of a name without double quotes",
    })
    void shouldRefuseATableNameThatIsNotAnIdentifier(String written, String why) throws IOException {
        String value = written.strip();
        assertRejection(MINIMAL.replace("source: public.orders", "source: " + value))
                .startsWith("orders.yaml line 5: tables[0].source: '")
                .contains("' is not a table name: " + why.strip() + "; write table or schema.table, and put a name with "
                        + "capitals, spaces or other characters in double quotes inside a YAML string, e.g. "
                        + "source: '\"Sales\".\"Q1\"'")
                .doesNotContain("\n");
    }

    @Test
    void shouldSayHowToWriteAQuotedNameThatYamlTookForItsOwnQuotes() throws IOException {
        assertRejection(MINIMAL.replace("source: public.orders", "source: \"Sales\".\"Q1\""))
                .startsWith("orders.yaml line 5, column ")
                .endsWith("a table name in SQL double quotes must be inside a YAML string: write it in single quotes, "
                        + "e.g. source: '\"Sales\".\"Q1\"'");
        // YAML's own quotes alone are not SQL's: the name is folded like any unquoted one, and
        // a name PostgreSQL would only take quoted is refused with the way to write it.
        assertRejection(MINIMAL.replace("source: public.orders", "source: \"Order Items\""))
                .startsWith("orders.yaml line 5: tables[0].source: 'Order Items' is not a table name: a space cannot be part "
                        + "of a name without double quotes; write table or schema.table, and put a name with capitals");
    }

    @Test
    void shouldRefuseCapitalsInYamlDoubleQuotesThatWouldBeFolded() throws IOException {
        assertRejection(MINIMAL.replace("source: public.orders", "source: \"Orders\""))
                .isEqualTo("orders.yaml line 5: tables[0].source: 'Orders' is in YAML's double quotes, which are not SQL's, "
                        + "so it would name public.orders in lower case; put SQL's double quotes inside single quotes for the "
                        + "exact name, e.g. source: '\"Orders\"'");
        assertRejection(MINIMAL.replace("source: public.orders", "source: \"Sales.Q1\""))
                .contains("so it would name sales.q1 in lower case; put SQL's double quotes inside single quotes for the "
                        + "exact name, e.g. source: '\"Sales\".\"Q1\"'");
        assertRejection(MINIMAL + "    exclude: [\"Email\"]\n")
                .isEqualTo("orders.yaml line 6: tables[0].exclude: 'Email' is in YAML's double quotes, which are not SQL's, "
                        + "so it would name the column email; put SQL's double quotes inside single quotes for the exact "
                        + "name, e.g. exclude: ['\"Email\"']");
        // Lowercase names mean the same either way, and SQL's quotes inside YAML's are taken as written.
        assertThat(parse(MINIMAL.replace("source: public.orders", "source: \"public.orders\"")).tables().get(0).source())
                .isEqualTo("public.orders");
        assertThat(parse(MINIMAL.replace("source: public.orders", "source: \"\\\"Orders\\\"\"")).tables().get(0).source())
                .isEqualTo("public.\"Orders\"");
    }

    @Test
    void shouldRefuseANulInAQuotedName() throws IOException {
        // YAML's double-quoted strings write a NUL as \0.
        assertRejection(MINIMAL.replace("source: public.orders", "source: \"\\\"a\\0b\\\"\""))
                .startsWith("orders.yaml line 5: tables[0].source: '\"a\\u0000b\"' is not a table name: it contains a NUL "
                        + "character, which PostgreSQL names cannot hold; write table or schema.table");
    }

    @Test
    void shouldRefuseATableNameLongerThanPostgresKeepsInBytes() throws IOException {
        assertRejection(MINIMAL.replace("source: public.orders", "source: public." + "t".repeat(64)))
                .startsWith("orders.yaml line 5: tables[0].source: 'public.ttt")
                .contains("is not a table name: a name is 64 bytes long in UTF-8, longer than the 63 that PostgreSQL keeps");
        // 32 two-byte letters are 32 characters but 64 bytes, which PostgreSQL would cut short.
        assertRejection(MINIMAL.replace("source: public.orders", "source: '\"" + "é".repeat(32) + "\"'"))
                .contains("is not a table name: a name is 64 bytes long in UTF-8");
        assertThat(parse(MINIMAL.replace("source: public.orders", "source: '\"" + "é".repeat(31) + "x\"'"))
                .tables().get(0).source()).isEqualTo("public.\"" + "é".repeat(31) + "x\"");
    }

    @Test
    void shouldRejectAColumnExcludedTwice() throws IOException {
        assertRejection(MINIMAL + "    exclude:\n      - email\n      - phone\n      - email\n")
                .isEqualTo("orders.yaml line 9: tables[0].exclude: column 'email' is listed twice; list each excluded column once");
    }

    @Test
    void shouldRefuseAnExcludedColumnThatIsNotAnIdentifier() throws IOException {
        assertRejection(MINIMAL + "    exclude: [Qty Value]\n")
                .isEqualTo("orders.yaml line 6: tables[0].exclude: 'Qty Value' is not a column name: a space cannot be part of "
                        + "a name without double quotes; put a name with capitals, spaces or other characters in double "
                        + "quotes inside a YAML string, e.g. exclude: ['\"Qty Value\"']");
        assertRejection(MINIMAL + "    exclude: ['public.\"Qty\"']\n")
                .startsWith("orders.yaml line 6: tables[0].exclude: 'public.\"Qty\"' is not a column name: it has a dot "
                        + "outside double quotes");
        assertRejection(MINIMAL + "    exclude: ['\"Qty']\n")
                .startsWith("orders.yaml line 6: tables[0].exclude: '\"Qty' is not a column name: a double quote is not closed");
        assertRejection(MINIMAL + "    exclude: [email, EMAIL]\n")
                .startsWith("orders.yaml line 6: tables[0].exclude: column 'EMAIL' is listed twice");
        assertRejection(MINIMAL + "    exclude: [7]\n")
                .startsWith("orders.yaml line 6: tables[0].exclude: the number '7' is not a column name");
    }

    @Test
    void shouldRejectAKeyWrittenTwice() throws IOException {
        assertRejection(MINIMAL + "batchSize: 10\nbatchSize: 20\n")
                .isEqualTo("orders.yaml line 7: batchSize: the key appears twice in the same mapping (first at line 6); keep one of them");
        assertRejection(MINIMAL + "    destination: a.b\n    destination: a.c\n")
                .startsWith("orders.yaml line 7: destination: the key appears twice in the same mapping (first at line 6)");
    }

    @Test
    void shouldRejectAYamlSyntaxErrorWithItsLineAndColumn() throws IOException {
        assertRejection("name: orders\n  source: shop\n")
                .isEqualTo("orders.yaml line 2, column 9: not valid YAML: mapping values are not allowed here; check the "
                        + "indentation (spaces, not tabs), the colons after keys and the quotes around values");
        assertRejection("name: orders\nsource: \"shop\ndestination: warehouse\n")
                .startsWith("orders.yaml line 4, column 1: not valid YAML: found unexpected end of stream "
                        + "(while scanning a quoted scalar at line 2)");
        assertRejection("name: orders\n\tsource: shop\n")
                .startsWith("orders.yaml line 2, column 1: not valid YAML: found character '\\t(TAB)' that cannot start any token");
        assertRejection("name: orders\ntables: [a, b\n").startsWith("orders.yaml line 3, column 1: not valid YAML:");
        assertRejection("? [a, b]\n: c\n")
                .startsWith("orders.yaml line 1, column 4: not valid YAML: a key must be a plain name, not a list or a mapping");
    }

    @Test
    void shouldRejectWhatYamlAllowsButASpecMustNotHold() throws IOException {
        assertRejection("").isEqualTo("orders.yaml is empty; write a mirror spec into it (see docs/mirror-spec.md)");
        assertRejection("# only a comment\n").startsWith("orders.yaml is empty");
        assertRejection(MINIMAL + "---\n" + MINIMAL)
                .isEqualTo("orders.yaml line 7: a second YAML document starts here; keep one mirror spec per file");
        assertRejection("- name: orders\n").startsWith("orders.yaml line 1: a mirror spec is a mapping of keys");
        assertRejection("name: &n orders\nsource: shop\ndestination: *n\ntables: [{source: a}]\n")
                .isEqualTo("orders.yaml line 3: the alias *n is not supported in a mirror spec; write the value out in full");
    }

    @Test
    void shouldKeepAMessageOnOneLineWhenTheValueSpansSeveral() throws IOException {
        assertRejection(MINIMAL.replace("name: orders", "name: |\n  two\n  lines"))
                .startsWith("orders.yaml line 1: name: 'two\\nlines\\n' is not a valid mirror name");
        assertRejection(MINIMAL.replace("name: orders", "name: " + "x".repeat(200)))
                .contains("'" + "x".repeat(60) + "...' is not a valid mirror name");
    }

    @Test
    void shouldRejectAMissingFile() {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> MirrorSpecParser.parse(missing))
                .isInstanceOf(SpecException.class)
                .hasMessage("mirror spec " + missing + " does not exist; check the path given with -f");
    }

    @Test
    void shouldRejectADirectory() {
        assertThatThrownBy(() -> MirrorSpecParser.parse(dir))
                .hasMessage(dir + " is a directory; give the path of a mirror spec YAML file");
    }

    @Test
    void shouldRejectAnUnreadableFile() throws Exception {
        Path file = Files.writeString(dir.resolve("secret.yaml"), MINIMAL);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));

        // In a JVM that the file's mode binds, even when this one runs as root.
        assertThat(UnprivilegedJvm.result(UnprivilegedJvm.run(MirrorSpecReader.class, file.toString())))
                .isEqualTo("cannot read mirror spec " + file + ": permission denied; check the file's permissions");
    }

    @Test
    void shouldRejectAFileThatIsNotUtf8() throws IOException {
        Path file = Files.write(dir.resolve("latin1.yaml"), "name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        assertThatThrownBy(() -> MirrorSpecParser.parse(file))
                .hasMessage(file + " is not UTF-8 text; save the mirror spec as UTF-8");
    }

    @Test
    void shouldRoundTripThroughTheCatalogsJsonUnchanged() throws IOException {
        MirrorSpec spec = MirrorSpecParser.parse(REPOSITORY.resolve("examples/orders-mirror.yaml"));

        String json = MirrorSpecJson.write(spec);

        assertThat(MirrorSpecJson.read(json)).isEqualTo(spec);
        assertThat(json).startsWith("{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"warehouse\",\"tables\":[")
                .contains("\"idleTimeoutMillis\":2000")
                .doesNotContain("\"idleTimeout\"");
    }

    @Test
    void shouldReadStoredJsonOfTheOldTopLevelSlotAndPublicationAsTheSpecFileMeans() throws IOException {
        MirrorSpec stored = MirrorSpecJson.read("{\"name\":\"orders\",\"source\":\"shop\",\"destination\":"
                + "\"warehouse\",\"tables\":[{\"source\":\"public.orders\"}],\"slot\":\"orders_slot\","
                + "\"publication\":\"shop_pub\"}");

        assertThat(stored).isEqualTo(parse(MINIMAL + "sourceOptions: {slot: orders_slot, publication: shop_pub}\n"));
        assertThat(MirrorSpecJson.write(stored)).endsWith(
                "\"sourceOptions\":{\"slot\":\"orders_slot\",\"publication\":\"shop_pub\"},\"batchLingerMillis\":5,\"batchBytes\":33554432}");
    }

    @Test
    void shouldParseTheExampleSpecAndTheDocumentedOneAlike() throws IOException {
        MirrorSpec example = MirrorSpecParser.parse(REPOSITORY.resolve("examples/orders-mirror.yaml"));
        String docs = Files.readString(REPOSITORY.resolve("docs/mirror-spec.md"));
        Matcher blocks = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(docs);
        assertThat(blocks.find()).as("docs/mirror-spec.md has a full example").isTrue();
        MirrorSpec documented = MirrorSpecParser.parse(blocks.group(1), "docs/mirror-spec.md");
        assertThat(blocks.find()).as("docs/mirror-spec.md has a minimal example").isTrue();
        MirrorSpec minimal = MirrorSpecParser.parse(blocks.group(1), "docs/mirror-spec.md");

        assertThat(documented).isEqualTo(example);
        assertThat(example.tables()).extracting(TableSpec::source)
                .containsExactly("public.orders", "public.order_items", "public.customers");
        assertThat(example.tables().get(2)).isEqualTo(new TableSpec("public.customers", "crm.customers", List.of("email", "phone")));
        assertThat(minimal).isEqualTo(MirrorSpec.withDefaults("orders", "shop", "warehouse", List.of(TableSpec.of("public.orders"))));
    }

    private MirrorSpec parse(String yaml) throws IOException {
        return MirrorSpecParser.parse(Files.writeString(dir.resolve("orders.yaml"), yaml));
    }

    /**
     * The message of the rejection, checked to be what the CLI can print as it is: one line,
     * no exception class names or stack frames. The file is named as given, so messages start
     * with the path of the temporary directory, which is cut off here.
     */
    private AbstractStringAssert<?> assertRejection(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("orders.yaml"), yaml);
        SpecException e = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class, () -> MirrorSpecParser.parse(file));
        String message = e.getMessage();
        assertThat(message).doesNotContain("\n", "\r", "Exception", "\tat ", "snakeyaml", "jackson").startsWith(dir.toString());
        return assertThat(message.substring(dir.toString().length() + 1));
    }
}
