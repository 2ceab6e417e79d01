package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.worker.HealthEndpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * What can be checked of the deployment files without a container engine: docker-compose.yml and
 * deploy/Dockerfile set only settings mirrorflow reads (a misspelt variable is ignored without a
 * word, so a stack would run on defaults), keep secrets out of the files, and the image's
 * entrypoint, user, state volume and health check fit the jar and the worker's settings.
 */
class DeploymentFilesTest {

    /** Surefire runs in the worker module; the deployment files are at the repository root. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path COMPOSE = ROOT.resolve("docker-compose.yml");
    private static final Pattern OUR_VARIABLE = Pattern.compile("(MIRRORFLOW|OTEL)_[A-Z0-9_]+");

    @Test
    void shouldSetOnlyVariablesMirrorflowReadsInTheComposeFile() throws IOException {
        Map<String, Map<String, String>> environments = composeEnvironments();
        Set<String> known = MirrorflowCommand.environmentVariables();

        Map<String, List<String>> unknown = new TreeMap<>();
        Set<String> set = new TreeSet<>();
        environments.forEach((service, environment) -> environment.keySet().stream()
                .filter(name -> OUR_VARIABLE.matcher(name).matches())
                .forEach(name -> {
                    set.add(name);
                    if (!known.contains(name)) {
                        unknown.computeIfAbsent(name, n -> new ArrayList<>()).add(service);
                    }
                }));

        // The file was read, not skipped: the workers' essential settings are among what it sets.
        assertThat(set).contains("MIRRORFLOW_CATALOG_URL", "MIRRORFLOW_CATALOG_PASSWORD_FILE",
                "MIRRORFLOW_SECRET_KEY_FILE", "MIRRORFLOW_TEMPORAL_ADDRESS", "OTEL_EXPORTER_OTLP_ENDPOINT");
        assertThat(unknown).as("variables docker-compose.yml sets (and the services setting them) that mirrorflow"
                + " does not read; see MirrorflowCommand.environmentVariables()").isEmpty();
    }

    @Test
    void shouldSetOnlyVariablesMirrorflowReadsInTheImage() throws IOException {
        Map<String, String> env = DeployDockerfile.read().env();
        Set<String> known = MirrorflowCommand.environmentVariables();

        assertThat(env).containsEntry("MIRRORFLOW_HTTP_ADDRESS", "0.0.0.0").containsKey("MIRRORFLOW_HTTP_PORT")
                .containsKey("MIRRORFLOW_STATE_DIR");
        assertThat(env.keySet().stream().filter(name -> OUR_VARIABLE.matcher(name).matches())
                .filter(name -> !known.contains(name)).toList())
                .as("variables deploy/Dockerfile sets that mirrorflow does not read").isEmpty();
    }

    @Test
    void shouldNameOnlyVariablesMirrorflowReadsInTheDeploymentGuide() throws IOException {
        // The Kubernetes example and the prose of docs/deployment.md are copied into real deployments.
        String guide = Files.readString(ROOT.resolve("docs/deployment.md"));
        Set<String> known = MirrorflowCommand.environmentVariables();

        Set<String> named = new TreeSet<>();
        Matcher m = OUR_VARIABLE.matcher(guide);
        while (m.find()) {
            named.add(m.group());
        }

        assertThat(named).contains("MIRRORFLOW_CATALOG_PASSWORD_FILE", "MIRRORFLOW_SECRET_KEY_FILE");
        // A name ending in _ is a family (MIRRORFLOW_TEMPORAL_TLS_*): some variable must be of it.
        assertThat(named.stream().filter(name -> name.endsWith("_")
                        ? known.stream().noneMatch(k -> k.startsWith(name)) : !known.contains(name)).toList())
                .as("variables docs/deployment.md names that mirrorflow does not read").isEmpty();
    }

    @Test
    void shouldGiveSecretsToServicesOnlyAsFilesOfComposeSecrets() throws IOException {
        Map<String, Object> compose = compose();
        Map<String, Object> secrets = map(compose.get("secrets"));
        Map<String, Map<String, String>> environments = composeEnvironments();

        for (Map.Entry<String, Object> service : map(compose.get("services")).entrySet()) {
            Map<String, Object> definition = map(service.getValue());
            List<String> granted = new ArrayList<>();
            for (Object secret : list(definition.get("secrets"))) {
                granted.add(String.valueOf(secret instanceof Map<?, ?> m ? m.get("source") : secret));
            }
            for (Map.Entry<String, String> variable : environments.get(service.getKey()).entrySet()) {
                String name = variable.getKey();
                if (name.matches(".*(PASSWORD|SECRET|KEY|PWD|TOKEN).*") && !name.endsWith("_FILE")) {
                    throw new AssertionError(service.getKey() + " sets " + name + " in docker-compose.yml itself;"
                            + " a secret goes into a file under deploy/secrets and reaches the service as a compose"
                            + " secret (a *_FILE variable)");
                }
                if (name.endsWith("_FILE") && variable.getValue().startsWith("/run/secrets/")) {
                    assertThat(granted).as("%s reads %s from %s", service.getKey(), name, variable.getValue())
                            .contains(variable.getValue().substring("/run/secrets/".length()));
                }
            }
            for (String secret : granted) {
                assertThat(secrets).as("secrets of %s", service.getKey()).containsKey(secret);
            }
        }
        for (Map.Entry<String, Object> secret : secrets.entrySet()) {
            assertThat(String.valueOf(map(secret.getValue()).get("file")))
                    .as("the file of secret %s", secret.getKey()).startsWith("./deploy/secrets/");
        }
        // The workers get the key and the catalog password that way.
        assertThat(environments.get("worker-1")).containsEntry("MIRRORFLOW_SECRET_KEY_FILE",
                "/run/secrets/mirrorflow_secret_key").containsEntry("MIRRORFLOW_CATALOG_PASSWORD_FILE",
                "/run/secrets/catalog_password");
    }

    @Test
    void shouldRunTheWorkersAndTheCliFromTheImageOfDeployDockerfile() throws IOException {
        Map<String, Object> services = map(compose().get("services"));

        for (String service : List.of("worker-1", "worker-2", "cli")) {
            Map<String, Object> definition = map(services.get(service));
            assertThat(map(definition.get("build"))).as(service).containsEntry("dockerfile", "deploy/Dockerfile")
                    .containsEntry("context", ".");
        }
        assertThat(list(map(services.get("worker-1")).get("command"))).containsExactly("worker");
        assertThat(list(map(services.get("cli")).get("profiles"))).containsExactly("cli");
        assertThat(list(map(services.get("otel-collector")).get("profiles"))).containsExactly("otel");
        // Each worker keeps its own instance id, so each has a state volume of its own.
        assertThat(list(map(services.get("worker-1")).get("volumes")))
                .isNotEqualTo(list(map(services.get("worker-2")).get("volumes")));
        // Every image is pinned to a version.
        for (Map.Entry<String, Object> service : services.entrySet()) {
            String image = String.valueOf(map(service.getValue()).get("image"));
            assertThat(image).as("image of %s", service.getKey()).matches("[^:]+:[0-9][^:]*|mirrorflow:dev")
                    .doesNotEndWith(":latest");
        }
    }

    @Test
    void shouldBuildTheImageFromThePinnedTemurinJreAndTheShadedJarAsANonRootUser() throws IOException {
        DeployDockerfile dockerfile = DeployDockerfile.read();
        List<String> lines = dockerfile.instructions();

        assertThat(dockerfile.instruction("FROM")).as("the base image, pinned to an exact Temurin 17 release")
                .matches("eclipse-temurin:17\\.0\\.\\d+_\\d+-jre-[a-z]+");
        assertThat(lines).noneMatch(line -> line.contains(":latest"));
        // No network fetch at build: no package manager, no download beside the base image.
        assertThat(lines).noneMatch(line -> line.matches("(?i)(RUN|ADD) .*(apt-get|apt |curl|wget|http://|https://).*"));

        String user = dockerfile.instruction("USER");
        assertThat(user).as("the user the image runs as").matches("[1-9][0-9]*(:[1-9][0-9]*)?");

        // The entrypoint runs the jar Maven builds (worker/pom.xml's finalName) where COPY puts it.
        String copy = dockerfile.instruction("COPY");
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>mirrorflow</finalName>");
        assertThat(copy.split("\\s+")).hasSize(2).startsWith("worker/target/mirrorflow.jar");
        String jarInImage = copy.split("\\s+")[1];
        List<String> entrypoint = dockerfile.execForm("ENTRYPOINT");
        assertThat(entrypoint).startsWith("java").contains("-jar");
        assertThat(entrypoint.get(entrypoint.indexOf("-jar") + 1)).isEqualTo(jarInImage);
        assertThat(entrypoint.get(entrypoint.size() - 1)).as("nothing after the jar, so `docker run IMAGE mirror"
                + " list` passes `mirror list` to mirrorflow").isEqualTo(jarInImage);
        // The worker's state directory is the volume, and the user owns it.
        Map<String, String> env = dockerfile.env();
        assertThat(dockerfile.execForm("VOLUME")).containsExactly(env.get("MIRRORFLOW_STATE_DIR"));
        assertThat(dockerfile.instruction("RUN")).contains("install -d -o mirrorflow -g mirrorflow -m 0700 "
                + env.get("MIRRORFLOW_STATE_DIR")).contains("--uid " + user.split(":")[0]);
        assertThat(dockerfile.instruction("EXPOSE")).isEqualTo(env.get("MIRRORFLOW_HTTP_PORT"));
    }

    @Test
    void shouldAnswerTheImagesHealthCheckOnlyWhileTheWorkersProbeListens() throws Exception {
        List<String> command = DeployDockerfile.read().healthCheckCommand();
        // A shell, so that the port is the container's MIRRORFLOW_HTTP_PORT at the time of the check.
        assertThat(command).hasSize(3).startsWith("/bin/sh", "-c");
        assertThat(command.get(2)).contains("/healthz").contains("${MIRRORFLOW_HTTP_PORT}");

        int port;
        try (HealthEndpoints probes = HealthEndpoints.start("127.0.0.1", 0, Map.of())) {
            port = probes.port();
            assertThat(DeployDockerfile.runHealthCheck(command, port)).as("the health check with the probe listening").isZero();
        }
        assertThat(DeployDockerfile.runHealthCheck(command, port)).as("the health check with nothing listening").isEqualTo(1);
    }

    private static Map<String, Object> compose() throws IOException {
        return new Yaml().load(Files.readString(COMPOSE));
    }

    /** Each service's environment as compose resolves it (anchors merged; list or map form). */
    private static Map<String, Map<String, String>> composeEnvironments() throws IOException {
        Map<String, Map<String, String>> environments = new LinkedHashMap<>();
        for (Map.Entry<String, Object> service : map(compose().get("services")).entrySet()) {
            Object environment = map(service.getValue()).get("environment");
            Map<String, String> variables = new LinkedHashMap<>();
            if (environment instanceof Map<?, ?> m) {
                m.forEach((k, v) -> variables.put(String.valueOf(k), String.valueOf(v)));
            } else {
                for (Object entry : list(environment)) {
                    String[] kv = String.valueOf(entry).split("=", 2);
                    variables.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
            }
            environments.put(service.getKey(), variables);
        }
        return environments;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }
}
