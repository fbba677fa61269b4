#version 450
// One job, one invocation: appends (entity, seq, value) to the log, so the host can check that
// every job ran exactly once, and in which order the jobs of each entity ran.
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
    uint value;
} job;

void main() {
    uint slot = atomicAdd(count, 1u);
    if (slot < entries.length()) {
        entries[slot] = uvec4(job.entity, job.seq, job.value, 0u);
    }
}
