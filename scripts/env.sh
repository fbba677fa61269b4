# Sourced by ./gpusched and ./run-tests: finds a JDK >= 25 and sets up Maven for it.
# Order: $JAVA_HOME if it is 25 or newer, then /usr/lib/jvm/*25* (and newer), else a clear error.

gpusched_java_major() {
    # Prints the feature version of the JDK at $1 (e.g. 25), or nothing.
    local release="$1/release"
    [ -f "$release" ] || return 0
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}

gpusched_find_jdk() {
    local candidate major
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        major=$(gpusched_java_major "$JAVA_HOME")
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            return 0
        fi
    fi
    for candidate in /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/*3[0-9]*; do
        [ -x "$candidate/bin/java" ] || continue
        major=$(gpusched_java_major "$candidate")
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            export JAVA_HOME="$candidate"
            return 0
        fi
    done
    echo "gpusched: needs a JDK 25 or newer. Set JAVA_HOME to one, or install one under /usr/lib/jvm" \
         "(found: ${JAVA_HOME:-no JAVA_HOME}; $(ls -d /usr/lib/jvm/* 2>/dev/null | tr '\n' ' '))" >&2
    return 1
}

gpusched_find_jdk || exit 2
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's own libraries call sun.misc.Unsafe; on JDK 25 that only prints warnings, so allow it.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
if ! command -v mvn >/dev/null 2>&1; then
    echo "gpusched: Maven (mvn) is not installed; install it (Debian: apt-get install -y maven)" >&2
    exit 2
fi
