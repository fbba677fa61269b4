/* Internal to libgpusched: the function table that the Java side fills at start-up. */
#ifndef GS_INTERNAL_H
#define GS_INTERNAL_H

/* Number of slots of the table (generated with the trampolines). */
extern const int gs__fn_count;

/* The Java upcall stub of export `id`, starting the JVM on first use; NULL if it cannot start. */
void *gs__fn(int id);

#endif
