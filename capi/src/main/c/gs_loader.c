/*
 * libgpusched's loader: starts the JVM on first use (or gs_init), once and thread-safely, on a
 * start-up thread of its own, and asks the Java side to fill the function table that the
 * generated trampolines call through. Also the functions that never need the JVM.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jni.h>

#include "gpusched.h"
#include "gs_internal.h"

#ifndef GS_DEFAULT_JAVA_HOME
#define GS_DEFAULT_JAVA_HOME ""
#endif

#define GS_JAR_NAME "gpusched-capi.jar"
#define GS_MAX_OPTIONS 64

typedef jint (*create_vm_fn)(JavaVM **, void **, void *);

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_done = PTHREAD_COND_INITIALIZER;
static int start_finished;            /* guarded by start_lock */
static int start_state;               /* 1 running, < 0 failed; written before start_finished */
static void **fn_table;
static char *user_options;            /* from gs_init, guarded by start_lock until start */

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("gpusched: cannot start the library: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* out = dir + rest; -1 if it does not fit. */
static int path_join(char *out, size_t len, const char *dir, const char *rest) {
    int n = snprintf(out, len, "%s%s", dir, rest);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The directory holding this library (to find the jar and the recorded JDK next to it). */
static int library_dir(char *out, size_t len) {
    Dl_info info;
    if (dladdr((void *)&gs_init, &info) == 0 || info.dli_fname == NULL)
        return -1;
    char real[PATH_MAX];
    if (realpath(info.dli_fname, real) == NULL)
        return -1;
    char *slash = strrchr(real, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    return path_join(out, len, real, "");
}

static int readable(const char *path) {
    return access(path, R_OK) == 0;
}

/* Feature version of the JDK at home (its release file), 0 if unknown. */
static int jdk_version(const char *home) {
    char path[PATH_MAX];
    if (path_join(path, sizeof path, home, "/release") != 0)
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char line[256];
    int version = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "JAVA_VERSION=\"", 14) == 0) {
            version = atoi(line + 14);
            break;
        }
    }
    fclose(f);
    return version;
}

/* A usable JDK: JAVA_HOME, then the path recorded at install, then the build's. */
static int find_jdk(const char *libdir, char *out, size_t len) {
    const char *candidates[3] = {getenv("JAVA_HOME"), NULL, GS_DEFAULT_JAVA_HOME};
    char recorded[PATH_MAX] = "";
    char path[PATH_MAX];
    FILE *f = path_join(path, sizeof path, libdir, "/../share/gpusched/java-home") == 0 ? fopen(path, "r") : NULL;
    if (f != NULL) {
        if (fgets(recorded, sizeof recorded, f) != NULL)
            recorded[strcspn(recorded, "\r\n")] = '\0';
        fclose(f);
        candidates[1] = recorded;
    }
    for (int i = 0; i < 3; i++) {
        const char *home = candidates[i];
        if (home == NULL || home[0] == '\0')
            continue;
        if (path_join(path, sizeof path, home, "/lib/server/libjvm.so") == 0 && readable(path)
            && jdk_version(home) >= 25)
            return path_join(out, len, path, "");
    }
    return -1;
}

static int find_jar(const char *libdir, char *out, size_t len) {
    const char *env = getenv("GPUSCHED_JAR");
    if (env != NULL && env[0] != '\0')
        return path_join(out, len, env, "") == 0 && readable(out) ? 0 : -1;
    if (path_join(out, len, libdir, "/" GS_JAR_NAME) == 0 && readable(out))
        return 0;
    return path_join(out, len, libdir, "/../share/gpusched/" GS_JAR_NAME) == 0 && readable(out) ? 0 : -1;
}

static void finish_start(int state) {
    pthread_mutex_lock(&start_lock);
    start_state = state;
    start_finished = 1;
    pthread_cond_broadcast(&start_done);
    pthread_mutex_unlock(&start_lock);
}

/* The start-up thread: creates the JVM, lets Java fill the table, then stays parked (it is the
   JVM's creating thread and costs nothing while it waits). */
static void *jvm_main(void *unused) {
    (void)unused;
    char libdir[PATH_MAX], jvm[PATH_MAX], jar[PATH_MAX];
    if (library_dir(libdir, sizeof libdir) != 0) {
        fail("cannot locate libgpusched.so itself");
        finish_start(-EIO);
        return NULL;
    }
    if (find_jdk(libdir, jvm, sizeof jvm) != 0) {
        fail("no JDK 25 or newer found: set JAVA_HOME to one (checked JAVA_HOME, %s/../share/gpusched/java-home "
             "and the build's JDK)", libdir);
        finish_start(-EIO);
        return NULL;
    }
    if (find_jar(libdir, jar, sizeof jar) != 0) {
        fail("cannot find %s next to the library or in %s/../share/gpusched (set GPUSCHED_JAR)", GS_JAR_NAME, libdir);
        finish_start(-EIO);
        return NULL;
    }
    void *lib = dlopen(jvm, RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        fail("cannot load %s: %s", jvm, dlerror());
        finish_start(-EIO);
        return NULL;
    }
    create_vm_fn create = (create_vm_fn)dlsym(lib, "JNI_CreateJavaVM");
    if (create == NULL) {
        fail("%s has no JNI_CreateJavaVM", jvm);
        finish_start(-EIO);
        return NULL;
    }

    static char classpath[PATH_MAX + 32];
    if (path_join(classpath, sizeof classpath, "-Djava.class.path=", jar) != 0) {
        fail("the jar's path is too long");
        finish_start(-EIO);
        return NULL;
    }
    JavaVMOption options[GS_MAX_OPTIONS];
    int n = 0;
    options[n++].optionString = classpath;
    options[n++].optionString = "-Xrs";
    options[n++].optionString = "--enable-native-access=ALL-UNNAMED";
    options[n++].optionString = "-Xms8m";
    options[n++].optionString = "-Xmx256m";
    options[n++].optionString = "-XX:+UseSerialGC";
    options[n++].optionString = "-XX:TieredStopAtLevel=4";
    char *extra = user_options;
    if (extra != NULL) {
        for (char *tok = strtok(extra, " \t"); tok != NULL && n < GS_MAX_OPTIONS; tok = strtok(NULL, " \t"))
            options[n++].optionString = tok;
    }
    for (int i = 0; i < n; i++)
        options[i].extraInfo = NULL;
    JavaVMInitArgs args;
    args.version = JNI_VERSION_10;
    args.nOptions = n;
    args.options = options;
    args.ignoreUnrecognized = JNI_FALSE;

    JavaVM *vm;
    JNIEnv *env;
    jint r = create(&vm, (void **)&env, &args);
    if (r != JNI_OK) {
        fail("JNI_CreateJavaVM failed (%d); check the options given to gs_init", (int)r);
        finish_start(-EIO);
        return NULL;
    }
    jclass boot = (*env)->FindClass(env, "org/gpusched/capi/Bootstrap");
    jmethodID init = boot == NULL ? NULL : (*env)->GetStaticMethodID(env, boot, "init", "(JI)I");
    if (init == NULL) {
        (*env)->ExceptionDescribe(env);
        (*env)->ExceptionClear(env);
        fail("%s has no org.gpusched.capi.Bootstrap.init(long, int)", jar);
        finish_start(-EIO);
        return NULL;
    }
    jint status = (*env)->CallStaticIntMethod(env, boot, init, (jlong)(intptr_t)fn_table, (jint)gs__fn_count);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionDescribe(env);
        (*env)->ExceptionClear(env);
        status = -EIO;
    }
    if (status != 0)
        fail("the Java side failed to initialise (%d)", (int)status);
    finish_start(status == 0 ? 1 : status);

    /* Park for good: this thread created the JVM and must not return into nothing. */
    pthread_mutex_t park = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t never = PTHREAD_COND_INITIALIZER;
    pthread_mutex_lock(&park);
    for (;;)
        pthread_cond_wait(&never, &park);
    return NULL;
}

static void start(void) {
    fn_table = calloc((size_t)gs__fn_count, sizeof(void *));
    if (fn_table == NULL) {
        finish_start(-ENOMEM);
        return;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8u << 20);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int r = pthread_create(&t, &attr, jvm_main, NULL);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        fail("cannot create the start-up thread: %s", strerror(r));
        finish_start(-EIO);
        return;
    }
    pthread_mutex_lock(&start_lock);
    while (!start_finished)
        pthread_cond_wait(&start_done, &start_lock);
    pthread_mutex_unlock(&start_lock);
}

static int ensure_started(void) {
    if (__atomic_load_n(&start_finished, __ATOMIC_ACQUIRE) && start_state == 1)
        return 0;
    pthread_once(&start_once, start);
    pthread_mutex_lock(&start_lock);
    int state = start_state;
    pthread_mutex_unlock(&start_lock);
    return state == 1 ? 0 : (state < 0 ? state : -EIO);
}

void *gs__fn(int id) {
    if (ensure_started() != 0 || id < 0 || id >= gs__fn_count)
        return NULL;
    return fn_table[id];
}

int gs_init(const char *jvm_options) {
    pthread_mutex_lock(&start_lock);
    if (user_options == NULL && jvm_options != NULL && !start_finished)
        user_options = strdup(jvm_options);
    pthread_mutex_unlock(&start_lock);
    return ensure_started();
}

uint32_t gs_abi_version(void) {
    return GS_ABI_VERSION;
}

const char *gs_strerror(int err) {
    switch (err) {
    case 0: return "success";
    case -EINVAL: return "invalid argument";
    case -EBADF: return "bad handle (NULL, stale, foreign or of the wrong type)";
    case -ENOMEM: return "out of memory";
    case -EALREADY: return "already signalled";
    case -EPERM: return "not permitted (only the emitter signals a fence)";
    case -ETIMEDOUT: return "timed out";
    case -ENOENT: return "not found, or already signalled";
    case -EBUSY: return "busy (not signalled yet, or the scheduler is not stopped)";
    case -EDEADLK: return "would deadlock (blocking call inside a callback)";
    case -ECANCELED: return "cancelled (the scheduler was destroyed)";
    case -ESRCH: return "killed (its entity was destroyed before it ran)";
    case -ENODEV: return "device gone, or scheduler destroyed";
    case -EIO: return "internal failure (or the library could not start)";
    case -EFAULT: return "GPU fault";
    default: return err < 0 ? "unknown error" : "not an error code";
    }
}
