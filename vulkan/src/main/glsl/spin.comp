#version 450
// One job, one invocation: spins for job.iterations rounds of 256 dependent steps (a busy loop
// whose length the host calibrates into GPU time), then appends (entity, seq, result) to the
// log like add.comp. The result goes to the log so that the loop cannot be optimised away.
// Each round is unrolled because lavapipe silently ends a shader's loops after 65535 iterations
// in all (its guard against shaders that never end): rounds of 256 steps keep a job of up to
// 65535 rounds exact there.
layout(local_size_x = 1) in;

layout(std430, set = 0, binding = 0) buffer Log {
    uint count;
    uint pad0;
    uint pad1;
    uint pad2;
    uvec4 entries[];
};

layout(push_constant) uniform Job {
    uint entity;
    uint seq;
    uint iterations;
} job;

// Each step needs the previous one, so no compiler can shorten a round.
#define STEP x = x * 1664525u + 1013904223u; x ^= x >> 13;
#define S4 STEP STEP STEP STEP
#define S16 S4 S4 S4 S4
#define S64 S16 S16 S16 S16
#define S256 S64 S64 S64 S64

void main() {
    uint x = job.seq ^ 0x9e3779b9u;
    for (uint i = 0u; i < job.iterations; i++) {
        S256
    }
    uint slot = atomicAdd(count, 1u);
    if (slot < entries.length()) {
        entries[slot] = uvec4(job.entity, job.seq, x, 1u);
    }
}
