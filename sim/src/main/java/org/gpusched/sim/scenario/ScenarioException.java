package org.gpusched.sim.scenario;

/**
 * A scenario file is malformed or describes something impossible. The message names the file,
 * the line (when known) and the field, in the form {@code FILE:LINE: field 'F': problem}.
 */
public final class ScenarioException extends Exception {

    private final String file;
    private final int line;
    private final String field;
    private final String problem;

    /**
     * @param file    the file (as given on the command line)
     * @param line    1-based line, or 0 if unknown
     * @param field   the field concerned (a path such as {@code clients[2].job_duration}), or null
     * @param problem what is wrong and, where possible, how to fix it
     */
    public ScenarioException(String file, int line, String field, String problem) {
        super(format(file, line, field, problem), null, false, false);
        this.file = file;
        this.line = line;
        this.field = field;
        this.problem = problem;
    }

    private static String format(String file, int line, String field, String problem) {
        StringBuilder b = new StringBuilder(file);
        if (line > 0) {
            b.append(':').append(line);
        }
        b.append(": ");
        if (field != null) {
            b.append("field '").append(field).append("': ");
        }
        return b.append(problem).toString();
    }

    /** The file name. */
    public String file() {
        return file;
    }

    /** The 1-based line, or 0 if unknown. */
    public int line() {
        return line;
    }

    /** The field path, or null. */
    public String field() {
        return field;
    }

    /** The problem without the location. */
    public String problem() {
        return problem;
    }
}
