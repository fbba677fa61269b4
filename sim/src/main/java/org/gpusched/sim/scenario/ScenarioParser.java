package org.gpusched.sim.scenario;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sim.scenario.Scenario.ClientSpec;
import org.gpusched.sim.scenario.Scenario.Faults;
import org.gpusched.sim.scenario.Scenario.SchedulerSpec;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a scenario file (DESIGN section 6) strictly: every field is checked for type, unit and
 * range, unknown fields are rejected, and every problem is reported as one
 * {@link ScenarioException} naming the file, the line and the field.
 *
 * <p>YAML is read with SnakeYAML's node API (not bound to objects) so that each value keeps its
 * line. Stateless and thread-safe.
 */
public final class ScenarioParser {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|ms|s)");
    private static final Set<String> TOP = Set.of("name", "duration", "policy", "schedulers", "clients", "release_at");
    private static final Set<String> SCHED = Set.of("name", "credit_limit", "timeout");
    private static final Set<String> CLIENT = Set.of("name", "priority", "schedulers", "jobs_per_cycle",
            "job_duration", "credits", "sync", "wait", "duration", "chain", "depends_on", "first_job", "faults");
    private static final Set<String> FAULTS = Set.of("hang_every", "fail_every");

    /** Longest duration a field may give: a scenario is an experiment, not a service. */
    static final long MAX_DURATION_NANOS = 3_600_000_000_000L;
    /** Most jobs one client may plan. */
    static final long MAX_JOBS_PER_CLIENT = 10_000_000L;

    private final String file;

    private ScenarioParser(String file) {
        this.file = file;
    }

    /** Reads and checks the scenario in {@code path}. */
    public static Scenario parse(Path path) throws ScenarioException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ScenarioException(path.toString(), 0, null, "cannot read the file: no such file");
        } catch (AccessDeniedException e) {
            throw new ScenarioException(path.toString(), 0, null, "cannot read the file: permission denied");
        } catch (IOException e) {
            throw new ScenarioException(path.toString(), 0, null, "cannot read the file: " + e.getMessage());
        }
        return parse(text, path.toString());
    }

    /** Reads and checks a scenario given as text; {@code file} names it in messages. */
    public static Scenario parse(String text, String file) throws ScenarioException {
        return new ScenarioParser(file).read(new StringReader(text));
    }

    private Scenario read(Reader reader) throws ScenarioException {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(new SafeConstructor(options)).compose(reader);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new ScenarioException(file, m == null ? 0 : m.getLine() + 1, null,
                    "not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new ScenarioException(file, 0, null, "not valid YAML: " + e.getMessage());
        }
        if (root == null) {
            throw new ScenarioException(file, 1, null, "the file is empty; a scenario needs at least 'name' and 'clients'");
        }
        Map<String, NodeTuple> top = fields(root, "", TOP);

        String name = requiredString(top, "name", "");
        long duration = top.containsKey("duration") ? duration(top.get("duration"), "duration", false) : 1_000_000_000L;
        if (duration <= 0) {
            throw error(top.get("duration").getValueNode(), "duration", "must be positive");
        }
        Policy policy = top.containsKey("policy") ? policy(top.get("policy")) : Policy.FAIR;
        long releaseAt = top.containsKey("release_at") ? duration(top.get("release_at"), "release_at", false) : -1;

        List<SchedulerSpec> scheds = new ArrayList<>();
        if (top.containsKey("schedulers")) {
            List<Node> items = sequence(top.get("schedulers").getValueNode(), "schedulers");
            if (items.isEmpty()) {
                throw error(top.get("schedulers").getValueNode(), "schedulers", "must list at least one scheduler");
            }
            for (int i = 0; i < items.size(); i++) {
                SchedulerSpec s = scheduler(items.get(i), "schedulers[" + i + "]");
                for (SchedulerSpec other : scheds) {
                    if (other.name().equals(s.name())) {
                        throw error(items.get(i), "schedulers[" + i + "].name", "duplicate scheduler name '" + s.name() + "'");
                    }
                }
                scheds.add(s);
            }
        } else {
            scheds.add(new SchedulerSpec("gpu", 1, -1));
        }

        if (!top.containsKey("clients")) {
            throw new ScenarioException(file, line(root), "clients", "missing; a scenario needs at least one client");
        }
        List<Node> clientNodes = sequence(top.get("clients").getValueNode(), "clients");
        if (clientNodes.isEmpty()) {
            throw error(top.get("clients").getValueNode(), "clients", "must list at least one client");
        }
        List<ClientSpec> clients = new ArrayList<>();
        Map<String, Node> clientNode = new LinkedHashMap<>();
        for (int i = 0; i < clientNodes.size(); i++) {
            String path = "clients[" + i + "]";
            ClientSpec c = client(clientNodes.get(i), path, scheds, releaseAt);
            if (clientNode.containsKey(c.name())) {
                throw error(clientNodes.get(i), path + ".name", "duplicate client name '" + c.name() + "'");
            }
            clientNode.put(c.name(), clientNodes.get(i));
            clients.add(c);
        }
        for (int i = 0; i < clients.size(); i++) {
            ClientSpec c = clients.get(i);
            for (String dep : c.dependsOn()) {
                if (!clientNode.containsKey(dep)) {
                    throw error(listItem(clientNodes.get(i), "depends_on", dep), "clients[" + i + "].depends_on",
                            "unknown client '" + dep + "'; clients are " + String.join(", ", clientNode.keySet()));
                }
                if (dep.equals(c.name())) {
                    throw error(listItem(clientNodes.get(i), "depends_on", dep), "clients[" + i + "].depends_on",
                            "a client cannot depend on itself (use chain: true)");
                }
            }
        }
        Scenario planned = new Scenario(name, duration, policy, scheds, clients, releaseAt);
        for (int i = 0; i < clients.size(); i++) {
            ClientSpec c = clients.get(i);
            long jobs = planned.cyclesOf(c) * c.jobsPerCycle();
            if (jobs > MAX_JOBS_PER_CLIENT) {
                throw error(clientNodes.get(i), "clients[" + i + "]", "plans " + jobs
                        + " jobs; the lab runs at most " + MAX_JOBS_PER_CLIENT + " per client (shorten duration or"
                        + " lengthen the cycle)");
            }
        }
        if (releaseAt >= 0 && clients.stream().noneMatch(ClientSpec::firstJobManual)) {
            throw error(top.get("release_at").getKeyNode(), "release_at",
                    "is set but no client has 'first_job: manual'");
        }
        return new Scenario(name, duration, policy, scheds, clients, releaseAt);
    }

    private SchedulerSpec scheduler(Node node, String path) throws ScenarioException {
        Map<String, NodeTuple> f = fields(node, path, SCHED);
        String name = requiredString(f, "name", path);
        int credits = f.containsKey("credit_limit") ? positiveInt(f.get("credit_limit"), path + ".credit_limit") : 1;
        long timeout = -1;
        if (f.containsKey("timeout")) {
            NodeTuple t = f.get("timeout");
            String v = scalar(t.getValueNode(), path + ".timeout");
            if (!v.equals("none")) {
                timeout = duration(t, path + ".timeout", false);
                if (timeout == 0) {
                    throw error(t.getValueNode(), path + ".timeout", "must be positive, or 'none' for no timeout");
                }
            }
        }
        return new SchedulerSpec(name, credits, timeout);
    }

    private ClientSpec client(Node node, String path, List<SchedulerSpec> scheds, long releaseAt)
            throws ScenarioException {
        Map<String, NodeTuple> f = fields(node, path, CLIENT);
        String name = requiredString(f, "name", path);
        Priority prio = f.containsKey("priority") ? priority(f.get("priority"), path + ".priority") : Priority.NORMAL;
        List<String> schedNames = new ArrayList<>();
        if (f.containsKey("schedulers")) {
            Node list = f.get("schedulers").getValueNode();
            for (Node item : sequence(list, path + ".schedulers")) {
                String s = scalar(item, path + ".schedulers");
                boolean known = scheds.stream().anyMatch(x -> x.name().equals(s));
                if (!known) {
                    throw error(item, path + ".schedulers", "unknown scheduler '" + s + "'; schedulers are "
                            + String.join(", ", scheds.stream().map(SchedulerSpec::name).toList()));
                }
                if (schedNames.contains(s)) {
                    throw error(item, path + ".schedulers", "scheduler '" + s + "' is listed twice");
                }
                schedNames.add(s);
            }
            if (schedNames.isEmpty()) {
                throw error(list, path + ".schedulers", "must name at least one scheduler (or leave it out for all)");
            }
        } else {
            scheds.forEach(s -> schedNames.add(s.name()));
        }
        int jobs = f.containsKey("jobs_per_cycle") ? positiveInt(f.get("jobs_per_cycle"), path + ".jobs_per_cycle") : 1;
        if (!f.containsKey("job_duration")) {
            throw new ScenarioException(file, line(node), path + ".job_duration", "missing; every client needs a job_duration such as 2500us");
        }
        long jobDuration = duration(f.get("job_duration"), path + ".job_duration", false);
        if (jobDuration <= 0) {
            throw error(f.get("job_duration").getValueNode(), path + ".job_duration", "must be positive");
        }
        int credits = f.containsKey("credits") ? positiveInt(f.get("credits"), path + ".credits") : 1;
        int limit = Integer.MAX_VALUE;
        for (String s : schedNames) {
            for (SchedulerSpec spec : scheds) {
                if (spec.name().equals(s)) {
                    limit = Math.min(limit, spec.creditLimit());
                }
            }
        }
        if (credits > limit) {
            throw error(f.get("credits").getValueNode(), path + ".credits", "is " + credits
                    + " but its scheduler's credit_limit is " + limit + "; such a job could only run alone, clamped");
        }
        boolean sync = f.containsKey("sync") && bool(f.get("sync"), path + ".sync");
        long wait = f.containsKey("wait") ? duration(f.get("wait"), path + ".wait", true) : 0;
        // An overflowing period would silently plan no cycles at all.
        if (BigDecimal.valueOf(jobs).multiply(BigDecimal.valueOf(jobDuration)).add(BigDecimal.valueOf(wait))
                .compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 4)) > 0) {
            String key = f.containsKey("jobs_per_cycle") ? "jobs_per_cycle" : "job_duration";
            throw error(f.get(key).getValueNode(), path + "." + key,
                    "a cycle (jobs_per_cycle x job_duration + wait) would be too long to simulate");
        }
        long duration = -1;
        if (f.containsKey("duration")) {
            duration = duration(f.get("duration"), path + ".duration", false);
            if (duration <= 0) {
                throw error(f.get("duration").getValueNode(), path + ".duration", "must be positive");
            }
        }
        boolean chain = f.containsKey("chain") && bool(f.get("chain"), path + ".chain");
        List<String> deps = new ArrayList<>();
        if (f.containsKey("depends_on")) {
            for (Node item : sequence(f.get("depends_on").getValueNode(), path + ".depends_on")) {
                deps.add(scalar(item, path + ".depends_on"));
            }
        }
        boolean manual = false;
        if (f.containsKey("first_job")) {
            NodeTuple t = f.get("first_job");
            String v = scalar(t.getValueNode(), path + ".first_job");
            if (!v.equals("manual")) {
                throw error(t.getValueNode(), path + ".first_job", "unknown value '" + v + "'; the only value is 'manual'");
            }
            if (releaseAt < 0) {
                throw error(t.getValueNode(), path + ".first_job",
                        "'manual' needs the scenario's 'release_at' time (when the first job completes)");
            }
            manual = true;
        }
        Faults faults = Faults.NONE;
        if (f.containsKey("faults")) {
            Map<String, NodeTuple> ff = fields(f.get("faults").getValueNode(), path + ".faults", FAULTS);
            int hang = ff.containsKey("hang_every") ? positiveInt(ff.get("hang_every"), path + ".faults.hang_every") : 0;
            int fail = ff.containsKey("fail_every") ? positiveInt(ff.get("fail_every"), path + ".faults.fail_every") : 0;
            faults = new Faults(hang, fail);
            if (hang > 0) {
                for (String s : schedNames) {
                    SchedulerSpec spec = scheds.stream().filter(x -> x.name().equals(s)).findFirst().orElseThrow();
                    if (spec.timeoutNanos() < 0) {
                        throw error(ff.get("hang_every").getKeyNode(), path + ".faults.hang_every",
                                "hanging jobs need a timeout, but scheduler '" + s + "' has none; set its 'timeout'");
                    }
                }
            }
        }
        return new ClientSpec(name, prio, schedNames, jobs, jobDuration, credits, sync, wait, duration, chain, deps,
                manual, faults);
    }

    // ------------------------------------------------------------------ typed readers

    private Map<String, NodeTuple> fields(Node node, String path, Set<String> allowed) throws ScenarioException {
        if (!(node instanceof MappingNode m)) {
            throw error(node, path.isEmpty() ? null : path, "must be a mapping of 'field: value' lines");
        }
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (NodeTuple t : m.getValue()) {
            String key = scalar(t.getKeyNode(), path);
            String full = path.isEmpty() ? key : path + "." + key;
            if (!allowed.contains(key)) {
                throw error(t.getKeyNode(), full, "unknown field; allowed here: " + String.join(", ", allowed.stream().sorted().toList()));
            }
            if (!seen.add(key)) {
                throw error(t.getKeyNode(), full, "given twice");
            }
            out.put(key, t);
        }
        return out;
    }

    private String requiredString(Map<String, NodeTuple> f, String key, String path) throws ScenarioException {
        String full = path.isEmpty() ? key : path + "." + key;
        NodeTuple t = f.get(key);
        if (t == null) {
            throw new ScenarioException(file, f.isEmpty() ? 0 : line(f.values().iterator().next().getKeyNode()), full, "missing");
        }
        String v = scalar(t.getValueNode(), full);
        if (v.isBlank()) {
            throw error(t.getValueNode(), full, "must not be empty");
        }
        return v;
    }

    private String scalar(Node node, String path) throws ScenarioException {
        if (!(node instanceof ScalarNode s)) {
            throw error(node, path, "must be a single value, not a list or mapping");
        }
        return s.getValue().trim();
    }

    private List<Node> sequence(Node node, String path) throws ScenarioException {
        if (!(node instanceof SequenceNode s)) {
            throw error(node, path, "must be a list (e.g. [a, b] or '- a' lines)");
        }
        return s.getValue();
    }

    private int positiveInt(NodeTuple t, String path) throws ScenarioException {
        String v = scalar(t.getValueNode(), path);
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw error(t.getValueNode(), path, "must be a positive integer, got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw error(t.getValueNode(), path, "must be a positive integer, got '" + v + "'");
        }
    }

    private boolean bool(NodeTuple t, String path) throws ScenarioException {
        String v = scalar(t.getValueNode(), path).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw error(t.getValueNode(), path, "must be true or false, got '" + v + "'");
        };
    }

    private Policy policy(NodeTuple t) throws ScenarioException {
        String v = scalar(t.getValueNode(), "policy");
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "fifo" -> Policy.FIFO;
            case "rr" -> Policy.RR;
            case "fair" -> Policy.FAIR;
            default -> throw error(t.getValueNode(), "policy", "unknown policy '" + v + "'; use fifo, rr or fair");
        };
    }

    private Priority priority(NodeTuple t, String path) throws ScenarioException {
        String v = scalar(t.getValueNode(), path);
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "kernel" -> Priority.KERNEL;
            case "high" -> Priority.HIGH;
            case "normal" -> Priority.NORMAL;
            case "low" -> Priority.LOW;
            default -> throw error(t.getValueNode(), path, "unknown priority '" + v + "'; use kernel, high, normal or low");
        };
    }

    /**
     * A duration with a unit (ns, us, ms, s; decimals allowed), or a bare 0 where
     * {@code bareZero} or always for zero.
     */
    long duration(NodeTuple t, String path, boolean bareZero) throws ScenarioException {
        String v = scalar(t.getValueNode(), path);
        if (v.equals("0")) {
            return 0;
        }
        if (v.startsWith("-")) {
            throw error(t.getValueNode(), path, "must not be negative, got '" + v + "'");
        }
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            if (v.matches("\\d+(\\.\\d+)?")) {
                throw error(t.getValueNode(), path, "'" + v + "' needs a unit: ns, us, ms or s (e.g. " + v + "us)");
            }
            throw error(t.getValueNode(), path, "'" + v + "' is not a duration; write a number with a unit: ns, us, ms or s (e.g. 2500us)");
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        long scale = switch (m.group(2)) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            default -> 1_000_000_000L;
        };
        BigDecimal nanos = amount.multiply(BigDecimal.valueOf(scale));
        if (nanos.stripTrailingZeros().scale() > 0) {
            throw error(t.getValueNode(), path, "'" + v + "' is not a whole number of nanoseconds");
        }
        if (nanos.compareTo(BigDecimal.valueOf(MAX_DURATION_NANOS)) > 0) {
            throw error(t.getValueNode(), path, "'" + v + "' is too long; the lab simulates at most 1 hour (3600s)");
        }
        return nanos.longValueExact();
    }

    /**
     * The item {@code value} of the list {@code field} of a mapping, so that an error points at
     * the offending line; the mapping itself if the item cannot be found.
     */
    private static Node listItem(Node mapping, String field, String value) {
        if (mapping instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(field)
                        && t.getValueNode() instanceof SequenceNode list) {
                    for (Node item : list.getValue()) {
                        if (item instanceof ScalarNode v && v.getValue().trim().equals(value)) {
                            return item;
                        }
                    }
                }
            }
        }
        return mapping;
    }

    private int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    private ScenarioException error(Node node, String field, String problem) {
        return new ScenarioException(file, line(node), field, problem);
    }
}
