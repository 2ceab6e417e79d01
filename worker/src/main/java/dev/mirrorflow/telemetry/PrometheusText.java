package dev.mirrorflow.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The worker's meters in the Prometheus text exposition format (version 0.0.4), read when scraped:
 * an OpenTelemetry {@link MetricReader} registered on the worker's meter provider next to any
 * exporter, so {@code /metrics} shows the same instruments OTLP would export. (The OpenTelemetry
 * Prometheus exporter is not on the package registries this project can use.)
 *
 * <p>Names: dots and other characters Prometheus does not take become {@code _}
 * ({@code mirrorflow.cdc.rows} is {@code mirrorflow_cdc_rows}); a monotonic sum is a counter with
 * {@code _total}, other sums and gauges are gauges, histograms have {@code _bucket}, {@code _sum}
 * and {@code _count}. Attributes become labels ({@code mirrorflow.mirror} -> {@code mirrorflow_mirror});
 * the resource's {@code service.*} attributes are one {@code target_info} series.
 */
public final class PrometheusText implements MetricReader {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private volatile CollectionRegistration registration = CollectionRegistration.noop();

    @Override
    public void register(CollectionRegistration registration) {
        this.registration = registration;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        registration = CollectionRegistration.noop();
        return CompletableResultCode.ofSuccess();
    }

    /** Every instrument's current values, as a scrape reads them. */
    public String scrape() {
        return format(registration.collectAllMetrics());
    }

    static String format(Collection<MetricData> metrics) {
        StringBuilder out = new StringBuilder();
        List<MetricData> sorted = metrics.stream().sorted(Comparator.comparing(MetricData::getName)).toList();
        if (!sorted.isEmpty()) {
            Map<String, String> target = new TreeMap<>();
            sorted.get(0).getResource().getAttributes().forEach((key, value) -> {
                if (key.getKey().startsWith("service.")) {
                    target.put(name(key.getKey()), String.valueOf(value));
                }
            });
            out.append("# TYPE target_info gauge\ntarget_info").append(labels(target, null, null)).append(" 1\n");
        }
        for (MetricData metric : sorted) {
            String name = name(metric.getName());
            switch (metric.getType()) {
                case LONG_SUM -> {
                    boolean counter = metric.getLongSumData().isMonotonic();
                    String series = counter ? name + "_total" : name;
                    header(out, metric, name, counter ? "counter" : "gauge");
                    for (LongPointData p : metric.getLongSumData().getPoints()) {
                        out.append(series).append(labels(p)).append(' ').append(p.getValue()).append('\n');
                    }
                }
                case DOUBLE_SUM -> {
                    boolean counter = metric.getDoubleSumData().isMonotonic();
                    String series = counter ? name + "_total" : name;
                    header(out, metric, name, counter ? "counter" : "gauge");
                    for (DoublePointData p : metric.getDoubleSumData().getPoints()) {
                        out.append(series).append(labels(p)).append(' ').append(number(p.getValue())).append('\n');
                    }
                }
                case LONG_GAUGE -> {
                    header(out, metric, name, "gauge");
                    for (LongPointData p : metric.getLongGaugeData().getPoints()) {
                        out.append(name).append(labels(p)).append(' ').append(p.getValue()).append('\n');
                    }
                }
                case DOUBLE_GAUGE -> {
                    header(out, metric, name, "gauge");
                    for (DoublePointData p : metric.getDoubleGaugeData().getPoints()) {
                        out.append(name).append(labels(p)).append(' ').append(number(p.getValue())).append('\n');
                    }
                }
                case HISTOGRAM -> {
                    header(out, metric, name, "histogram");
                    for (HistogramPointData p : metric.getHistogramData().getPoints()) {
                        long cumulative = 0;
                        List<Double> bounds = p.getBoundaries();
                        for (int i = 0; i < bounds.size(); i++) {
                            cumulative += p.getCounts().get(i);
                            out.append(name).append("_bucket").append(labels(p, "le", number(bounds.get(i))))
                                    .append(' ').append(cumulative).append('\n');
                        }
                        out.append(name).append("_bucket").append(labels(p, "le", "+Inf")).append(' ')
                                .append(p.getCount()).append('\n');
                        out.append(name).append("_sum").append(labels(p)).append(' ').append(number(p.getSum())).append('\n');
                        out.append(name).append("_count").append(labels(p)).append(' ').append(p.getCount()).append('\n');
                    }
                }
                default -> {
                    // Exponential histograms and summaries: the worker records none.
                }
            }
        }
        return out.toString();
    }

    private static void header(StringBuilder out, MetricData metric, String name, String type) {
        if (!metric.getDescription().isEmpty()) {
            out.append("# HELP ").append(name).append(' ')
                    .append(metric.getDescription().replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        }
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String labels(PointData point) {
        return labels(point, null, null);
    }

    private static String labels(PointData point, String extraName, String extraValue) {
        Map<String, String> labels = new TreeMap<>();
        Attributes attributes = point.getAttributes();
        attributes.forEach((AttributeKey<?> key, Object value) -> labels.put(name(key.getKey()), String.valueOf(value)));
        return labels(labels, extraName, extraValue);
    }

    private static String labels(Map<String, String> labels, String extraName, String extraValue) {
        if (labels.isEmpty() && extraName == null) {
            return "";
        }
        StringBuilder out = new StringBuilder("{");
        labels.forEach((key, value) -> out.append(out.length() > 1 ? "," : "").append(key).append("=\"")
                .append(escape(value)).append('"'));
        if (extraName != null) {
            out.append(out.length() > 1 ? "," : "").append(extraName).append("=\"").append(extraValue).append('"');
        }
        return out.append('}').toString();
    }

    /** A metric or label name Prometheus accepts. */
    static String name(String otel) {
        StringBuilder out = new StringBuilder(otel.length());
        for (int i = 0; i < otel.length(); i++) {
            char c = otel.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            out.append(ok ? c : '_');
        }
        return out.toString();
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
