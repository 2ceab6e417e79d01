package dev.mirrorflow.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.PeerSummary;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the peers: name, type, host:port/database, user and when each was created. Shows no "
                + "secrets and needs no secret key.")
final class PeerListCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CatalogOptions catalogOptions;

    @Option(names = "--json", description = "Print a JSON array instead of a table (adds options and key id).")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        List<PeerSummary> peers;
        try (Catalog catalog = CatalogSession.openToRead(spec, catalogOptions.catalogConfig())) {
            peers = new PeerStore(catalog.peers()).list();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(CliJson.INDENTED.writeValueAsString(asJson(peers)));
        } else if (peers.isEmpty()) {
            out.println("no peers yet; create one with: mirrorflow peer create NAME --type postgres --url URL"
                    + " --password-file FILE");
        } else {
            printTable(out, peers);
        }
        out.flush();
        return 0;
    }

    private static ArrayNode asJson(List<PeerSummary> peers) {
        ArrayNode array = CliJson.INDENTED.createArrayNode();
        for (PeerSummary p : peers) {
            ObjectNode node = array.addObject();
            node.put("name", p.name());
            node.put("type", p.type());
            node.put("host", p.host());
            node.put("port", p.port());
            node.put("database", p.database());
            node.put("user", p.user());
            ObjectNode options = node.putObject("options");
            new TreeMap<>(p.options()).forEach(options::put);
            node.put("keyId", p.keyId());
            node.put("createdAt", p.createdAt().truncatedTo(ChronoUnit.SECONDS).toString());
        }
        return array;
    }

    private static void printTable(PrintWriter out, List<PeerSummary> peers) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "TYPE", "LOCATION", "USER", "CREATED"});
        for (PeerSummary p : peers) {
            rows.add(new String[] {p.name(), p.type(), p.location(), p.user(),
                p.createdAt().truncatedTo(ChronoUnit.SECONDS).toString()});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line);
        }
    }
}
