package org.gpusched.vulkan;

import static org.lwjgl.system.MemoryStack.stackPush;
import static org.lwjgl.vulkan.VK10.*;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gpusched.fence.Fence;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.EXTCalibratedTimestamps;
import org.lwjgl.vulkan.VK;
import org.lwjgl.vulkan.VK11;
import org.lwjgl.vulkan.VK12;
import org.lwjgl.vulkan.VkApplicationInfo;
import org.lwjgl.vulkan.VkCalibratedTimestampInfoKHR;
import org.lwjgl.vulkan.VkDevice;
import org.lwjgl.vulkan.VkDeviceCreateInfo;
import org.lwjgl.vulkan.VkDeviceQueueCreateInfo;
import org.lwjgl.vulkan.VkExtensionProperties;
import org.lwjgl.vulkan.VkInstance;
import org.lwjgl.vulkan.VkInstanceCreateInfo;
import org.lwjgl.vulkan.VkPhysicalDevice;
import org.lwjgl.vulkan.VkPhysicalDeviceFeatures2;
import org.lwjgl.vulkan.VkPhysicalDeviceMemoryProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan12Features;
import org.lwjgl.vulkan.VkQueue;
import org.lwjgl.vulkan.VkQueueFamilyProperties;
import org.lwjgl.vulkan.VkSemaphoreCreateInfo;
import org.lwjgl.vulkan.VkSemaphoreSignalInfo;
import org.lwjgl.vulkan.VkSemaphoreTypeCreateInfo;
import org.lwjgl.vulkan.VkSemaphoreWaitInfo;

/**
 * One open Vulkan device: its queues of one compute-capable family, the {@link VulkanRing rings}
 * that feed them, and the one completion thread that turns the rings' timeline semaphores into
 * gpusched fences.
 *
 * <h2>Opening</h2>
 * {@link #list()} describes the machine's devices; {@link #open(String)} opens one by index or
 * by (part of) its name, {@link #open()} the best one (a discrete GPU before an integrated one,
 * a virtual one and a CPU implementation such as lavapipe last). Without a loader, without a
 * driver or without a usable device these throw {@link VulkanUnavailableException} with a
 * message that says what to install, never crash.
 *
 * <h2>Completion</h2>
 * Each ring signals its own timeline semaphore with a value per job. One daemon thread per
 * device waits with {@code vkWaitSemaphores} (wait-any) on every ring that has work on the GPU,
 * plus a host-signalled "wake" semaphore that a ring bumps when it goes from idle to busy, and
 * signals each ring's hardware fences in value order. No thread per job, no polling.
 *
 * <h2>Lifetime</h2>
 * Close the schedulers first, then the rings ({@link VulkanRing#close()}, which waits for their
 * GPU work), then the device; {@link #close()} closes rings, programs and buffers left open.
 * Thread-safe.
 */
public final class VulkanDevice implements AutoCloseable {

    /** The Vulkan version the backend asks for: timeline semaphores are core in 1.2. */
    static final int API_VERSION = VK12.VK_API_VERSION_1_2;
    private static final long WAIT_SLICE_NANOS = 1_000_000_000L;

    private final DeviceInfo info;
    private final VkInstance instance;
    private final VkPhysicalDevice physical;
    private final VkDevice device;
    private final int family;
    private final VkQueue[] queues;
    private final Object[] queueLocks;
    private final int memoryType;
    private final float timestampPeriod;
    private final long timestampMask;
    private final boolean calibrated;
    /** Host CLOCK_MONOTONIC (System.nanoTime) minus device time in ns, if calibrated. */
    private volatile long hostOffsetNanos;

    private final CopyOnWriteArrayList<VulkanRing> rings = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> owned = new CopyOnWriteArrayList<>();
    private final List<Long> retiredSemaphores = new CopyOnWriteArrayList<>();
    /** Jobs on the GPU, by the finished fence of their scheduler job: GPU-side dependencies look here. */
    private final Map<Fence, VulkanRing.Submission> submissions = new ConcurrentHashMap<>();

    private final long wakeSemaphore;
    private final Object wakeLock = new Object();
    private long wakeValue; // guarded by wakeLock; read racily by the completion thread through wakeSeen
    private volatile long wakePublished;
    private final Thread completionThread;
    private volatile boolean stopping;
    private volatile boolean lost;
    private volatile boolean closed;
    private final Map<String, ComputeProgram> builtins = new ConcurrentHashMap<>();

    private VulkanDevice(DeviceInfo info, VkInstance instance, VkPhysicalDevice physical, int family, int queueCount,
                         boolean calibrate) {
        this.info = info;
        this.instance = instance;
        this.physical = physical;
        this.family = family;
        try (MemoryStack stack = stackPush()) {
            var prio = stack.mallocFloat(queueCount);
            for (int i = 0; i < queueCount; i++) {
                prio.put(i, 1.0f);
            }
            VkDeviceQueueCreateInfo.Buffer qci = VkDeviceQueueCreateInfo.calloc(1, stack).sType$Default()
                    .queueFamilyIndex(family).pQueuePriorities(prio);
            VkPhysicalDeviceVulkan12Features f12 = VkPhysicalDeviceVulkan12Features.calloc(stack).sType$Default()
                    .timelineSemaphore(true);
            PointerBuffer ext = null;
            if (calibrate) {
                ext = stack.pointers(stack.UTF8(EXTCalibratedTimestamps.VK_EXT_CALIBRATED_TIMESTAMPS_EXTENSION_NAME));
            }
            VkDeviceCreateInfo dci = VkDeviceCreateInfo.calloc(stack).sType$Default().pNext(f12).pQueueCreateInfos(qci)
                    .ppEnabledExtensionNames(ext);
            PointerBuffer pp = stack.mallocPointer(1);
            Vk.check(vkCreateDevice(physical, dci, null, pp), "vkCreateDevice");
            this.device = new VkDevice(pp.get(0), physical, dci, API_VERSION);
            this.queues = new VkQueue[queueCount];
            this.queueLocks = new Object[queueCount];
            for (int i = 0; i < queueCount; i++) {
                vkGetDeviceQueue(device, family, i, pp);
                queues[i] = new VkQueue(pp.get(0), device);
                queueLocks[i] = new Object();
            }
            VkPhysicalDeviceProperties props = VkPhysicalDeviceProperties.calloc(stack);
            vkGetPhysicalDeviceProperties(physical, props);
            this.timestampPeriod = props.limits().timestampPeriod();
            int bits = info.queueFamilies().get(family).timestampBits();
            this.timestampMask = bits == 0 ? 0 : bits >= 64 ? -1L : (1L << bits) - 1;
            this.memoryType = findHostVisibleMemory(stack);
        }
        this.calibrated = calibrate && timestampMask != 0;
        if (calibrated) {
            recalibrate();
        }
        this.wakeSemaphore = createTimelineSemaphore();
        this.completionThread = Thread.ofPlatform().daemon().name("gpusched-vulkan-" + info.index() + "-completion")
                .unstarted(this::completionLoop);
        completionThread.start();
    }

    // ================================================================== discovery

    /**
     * Describes every Vulkan device of the machine (usable or not).
     *
     * @throws VulkanUnavailableException if there is no loader or no driver
     */
    public static List<DeviceInfo> list() {
        VkInstance inst = createInstance();
        try {
            List<DeviceInfo> out = new ArrayList<>();
            for (VkPhysicalDevice pd : physicalDevices(inst)) {
                out.add(describe(pd, out.size()));
            }
            return out;
        } finally {
            vkDestroyInstance(inst, null);
        }
    }

    /** Opens the best usable device (see the class comment). */
    public static VulkanDevice open() {
        return open(null);
    }

    /**
     * Opens a device by index (as {@link #list()} numbers them) or by a case-insensitive part
     * of its name; null or blank picks the best usable one.
     *
     * @throws VulkanUnavailableException if there is no loader, no driver or no usable device
     * @throws IllegalArgumentException   if no device matches {@code nameOrIndex}, or the one
     *                                    that does cannot be used (the message lists them)
     */
    public static VulkanDevice open(String nameOrIndex) {
        VkInstance inst = createInstance();
        try {
            List<VkPhysicalDevice> pds = physicalDevices(inst);
            List<DeviceInfo> infos = new ArrayList<>();
            for (VkPhysicalDevice pd : pds) {
                infos.add(describe(pd, infos.size()));
            }
            DeviceInfo pick = pick(infos, nameOrIndex);
            VkPhysicalDevice pd = pds.get(pick.index());
            DeviceInfo.QueueFamily fam = pick.queueFamilies().stream().filter(DeviceInfo.QueueFamily::compute)
                    .min(Comparator.comparingInt(f -> f.graphics() ? 1 : 0)) // a compute-only family if there is one
                    .orElseThrow();
            boolean calibrate = hasExtension(pd, EXTCalibratedTimestamps.VK_EXT_CALIBRATED_TIMESTAMPS_EXTENSION_NAME)
                    && hasMonotonicDomain(pd);
            return new VulkanDevice(pick, inst, pd, fam.index(), Math.min(fam.queueCount(), 8), calibrate);
        } catch (RuntimeException | Error e) {
            vkDestroyInstance(inst, null);
            throw e;
        }
    }

    static DeviceInfo pick(List<DeviceInfo> infos, String nameOrIndex) {
        if (infos.isEmpty()) {
            throw new VulkanUnavailableException("the Vulkan driver reports no device");
        }
        String all = describeAll(infos);
        if (nameOrIndex == null || nameOrIndex.isBlank()) {
            return infos.stream().filter(DeviceInfo::usable).min(Comparator.comparingInt(VulkanDevice::typeRank))
                    .orElseThrow(() -> new VulkanUnavailableException(
                            "no Vulkan device can run the backend (it needs Vulkan 1.2 timeline semaphores and a compute queue):\n"
                                    + all));
        }
        String want = nameOrIndex.trim();
        DeviceInfo found = null;
        if (want.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(want);
            if (i < infos.size()) {
                found = infos.get(i);
            }
        } else {
            String w = want.toLowerCase(Locale.ROOT);
            found = infos.stream().filter(d -> d.name().toLowerCase(Locale.ROOT).contains(w)).findFirst().orElse(null);
        }
        if (found == null) {
            throw new IllegalArgumentException("no Vulkan device matches '" + want + "'; the devices are:\n" + all);
        }
        if (!found.usable()) {
            throw new IllegalArgumentException("Vulkan device '" + found.name()
                    + "' cannot run the backend (it needs timeline semaphores and a compute queue):\n" + all);
        }
        return found;
    }

    private static String describeAll(List<DeviceInfo> infos) {
        StringBuilder b = new StringBuilder();
        for (DeviceInfo d : infos) {
            b.append("  ").append(d.describe()).append('\n');
        }
        return b.toString();
    }

    private static int typeRank(DeviceInfo d) {
        return switch (d.type()) {
            case "discrete-gpu" -> 0;
            case "integrated-gpu" -> 1;
            case "virtual-gpu" -> 2;
            case "cpu" -> 3;
            default -> 4;
        };
    }

    private static VkInstance createInstance() {
        Vk.load();
        try (MemoryStack stack = stackPush()) {
            int loaderVersion = VK.getInstanceVersionSupported();
            if (VK_API_VERSION_MAJOR(loaderVersion) == 1 && VK_API_VERSION_MINOR(loaderVersion) < 2) {
                throw new VulkanUnavailableException("the Vulkan loader supports only Vulkan "
                        + version(loaderVersion) + "; the backend needs 1.2 (timeline semaphores)");
            }
            VkApplicationInfo app = VkApplicationInfo.calloc(stack).sType$Default()
                    .pApplicationName(stack.UTF8("gpusched")).pEngineName(stack.UTF8("gpusched"))
                    .apiVersion(API_VERSION);
            VkInstanceCreateInfo ci = VkInstanceCreateInfo.calloc(stack).sType$Default().pApplicationInfo(app);
            PointerBuffer pp = stack.mallocPointer(1);
            int r = vkCreateInstance(ci, null, pp);
            if (r == Vk.ERROR_INCOMPATIBLE_DRIVER) {
                throw new VulkanUnavailableException("no Vulkan driver was found (vkCreateInstance: "
                        + "VK_ERROR_INCOMPATIBLE_DRIVER): install one (a GPU's, or lavapipe on the CPU: "
                        + "apt-get install mesa-vulkan-drivers), or check VK_ICD_FILENAMES / VK_DRIVER_FILES");
            }
            if (r != Vk.SUCCESS) {
                throw new VulkanUnavailableException("vkCreateInstance failed: " + Vk.resultName(r) + " (" + r + ")");
            }
            return new VkInstance(pp.get(0), ci);
        }
    }

    private static List<VkPhysicalDevice> physicalDevices(VkInstance inst) {
        try (MemoryStack stack = stackPush()) {
            IntBuffer n = stack.mallocInt(1);
            Vk.check(vkEnumeratePhysicalDevices(inst, n, null), "vkEnumeratePhysicalDevices");
            PointerBuffer p = stack.mallocPointer(n.get(0));
            Vk.check(vkEnumeratePhysicalDevices(inst, n, p), "vkEnumeratePhysicalDevices");
            List<VkPhysicalDevice> out = new ArrayList<>();
            for (int i = 0; i < n.get(0); i++) {
                out.add(new VkPhysicalDevice(p.get(i), inst));
            }
            return out;
        }
    }

    private static DeviceInfo describe(VkPhysicalDevice pd, int index) {
        try (MemoryStack stack = stackPush()) {
            VkPhysicalDeviceProperties props = VkPhysicalDeviceProperties.calloc(stack);
            vkGetPhysicalDeviceProperties(pd, props);
            boolean timeline = false;
            if (VK_API_VERSION_MINOR(props.apiVersion()) >= 2 || VK_API_VERSION_MAJOR(props.apiVersion()) > 1) {
                VkPhysicalDeviceVulkan12Features f12 = VkPhysicalDeviceVulkan12Features.calloc(stack).sType$Default();
                VkPhysicalDeviceFeatures2 f2 = VkPhysicalDeviceFeatures2.calloc(stack).sType$Default().pNext(f12);
                VK11.vkGetPhysicalDeviceFeatures2(pd, f2);
                timeline = f12.timelineSemaphore();
            }
            IntBuffer n = stack.mallocInt(1);
            vkGetPhysicalDeviceQueueFamilyProperties(pd, n, null);
            VkQueueFamilyProperties.Buffer fams = VkQueueFamilyProperties.calloc(n.get(0), stack);
            vkGetPhysicalDeviceQueueFamilyProperties(pd, n, fams);
            List<DeviceInfo.QueueFamily> families = new ArrayList<>();
            for (int i = 0; i < fams.capacity(); i++) {
                VkQueueFamilyProperties f = fams.get(i);
                int flags = f.queueFlags();
                families.add(new DeviceInfo.QueueFamily(i, f.queueCount(), (flags & VK_QUEUE_GRAPHICS_BIT) != 0,
                        (flags & VK_QUEUE_COMPUTE_BIT) != 0, (flags & VK_QUEUE_TRANSFER_BIT) != 0,
                        f.timestampValidBits()));
            }
            return new DeviceInfo(index, props.deviceNameString(), typeName(props.deviceType()),
                    version(props.apiVersion()), timeline, families);
        }
    }

    private static String typeName(int t) {
        return switch (t) {
            case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU -> "discrete-gpu";
            case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU -> "integrated-gpu";
            case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU -> "virtual-gpu";
            case VK_PHYSICAL_DEVICE_TYPE_CPU -> "cpu";
            default -> "other";
        };
    }

    private static String version(int v) {
        return VK_API_VERSION_MAJOR(v) + "." + VK_API_VERSION_MINOR(v) + "." + VK_API_VERSION_PATCH(v);
    }

    private static boolean hasExtension(VkPhysicalDevice pd, String name) {
        try (MemoryStack stack = stackPush()) {
            IntBuffer n = stack.mallocInt(1);
            Vk.check(vkEnumerateDeviceExtensionProperties(pd, (String) null, n, null), "vkEnumerateDeviceExtensionProperties");
            VkExtensionProperties.Buffer props = VkExtensionProperties.calloc(n.get(0), stack);
            Vk.check(vkEnumerateDeviceExtensionProperties(pd, (String) null, n, props), "vkEnumerateDeviceExtensionProperties");
            for (int i = 0; i < props.capacity(); i++) {
                if (name.equals(props.get(i).extensionNameString())) {
                    return true;
                }
            }
            return false;
        }
    }

    private static boolean hasMonotonicDomain(VkPhysicalDevice pd) {
        try (MemoryStack stack = stackPush()) {
            IntBuffer n = stack.mallocInt(1);
            if (EXTCalibratedTimestamps.vkGetPhysicalDeviceCalibrateableTimeDomainsEXT(pd, n, null) != Vk.SUCCESS) {
                return false;
            }
            IntBuffer d = stack.mallocInt(n.get(0));
            if (EXTCalibratedTimestamps.vkGetPhysicalDeviceCalibrateableTimeDomainsEXT(pd, n, d) != Vk.SUCCESS) {
                return false;
            }
            boolean device = false;
            boolean mono = false;
            for (int i = 0; i < n.get(0); i++) {
                device |= d.get(i) == EXTCalibratedTimestamps.VK_TIME_DOMAIN_DEVICE_EXT;
                mono |= d.get(i) == EXTCalibratedTimestamps.VK_TIME_DOMAIN_CLOCK_MONOTONIC_EXT;
            }
            return device && mono;
        }
    }

    private int findHostVisibleMemory(MemoryStack stack) {
        VkPhysicalDeviceMemoryProperties mp = VkPhysicalDeviceMemoryProperties.calloc(stack);
        vkGetPhysicalDeviceMemoryProperties(physical, mp);
        int want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        for (int i = 0; i < mp.memoryTypeCount(); i++) {
            if ((mp.memoryTypes(i).propertyFlags() & want) == want) {
                return i;
            }
        }
        throw new VulkanUnavailableException("device " + info.name() + " has no host-visible coherent memory");
    }

    /**
     * Samples the device and host clocks together (VK_EXT_calibrated_timestamps), so that GPU
     * timestamps can be put on the host's {@link System#nanoTime()} clock (CLOCK_MONOTONIC).
     */
    void recalibrate() {
        if (!calibrated) {
            return;
        }
        try (MemoryStack stack = stackPush()) {
            VkCalibratedTimestampInfoKHR.Buffer infos = VkCalibratedTimestampInfoKHR.calloc(2, stack);
            infos.get(0).sType(EXTCalibratedTimestamps.VK_STRUCTURE_TYPE_CALIBRATED_TIMESTAMP_INFO_EXT)
                    .timeDomain(EXTCalibratedTimestamps.VK_TIME_DOMAIN_DEVICE_EXT);
            infos.get(1).sType(EXTCalibratedTimestamps.VK_STRUCTURE_TYPE_CALIBRATED_TIMESTAMP_INFO_EXT)
                    .timeDomain(EXTCalibratedTimestamps.VK_TIME_DOMAIN_CLOCK_MONOTONIC_EXT);
            LongBuffer ts = stack.mallocLong(2);
            LongBuffer dev = stack.mallocLong(1);
            Vk.check(EXTCalibratedTimestamps.vkGetCalibratedTimestampsEXT(device, infos, ts, dev), "vkGetCalibratedTimestampsEXT");
            hostOffsetNanos = ts.get(1) - ticksToNanos(ts.get(0));
        }
    }

    // ================================================================== accessors

    /** What {@link #list()} says about this device. */
    public DeviceInfo info() {
        return info;
    }

    /** The device's name. */
    public String name() {
        return info.name();
    }

    /** One line for reports: name, type, Vulkan version, the queue family used and its queue count. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (%s, Vulkan %s), queue family %d with %d queue%s", info.name(),
                info.type(), info.apiVersion(), family, queues.length, queues.length == 1 ? "" : "s");
    }

    /** Number of queues the rings can use (rings may share one). */
    public int queueCount() {
        return queues.length;
    }

    /** Whether the queues write timestamps (GPU times of jobs are then measured on the GPU). */
    public boolean hasTimestamps() {
        return timestampMask != 0;
    }

    /** Whether GPU timestamps can be put on the host clock (VK_EXT_calibrated_timestamps). */
    public boolean hasCalibratedTimestamps() {
        return calibrated;
    }

    /** True once the device was lost (VK_ERROR_DEVICE_LOST): nothing runs on it any more. */
    public boolean isLost() {
        return lost;
    }

    /** The LWJGL device handle, for recording command buffers of one's own. */
    public VkDevice vkDevice() {
        return device;
    }

    /** The queue family index the rings submit to. */
    public int queueFamily() {
        return family;
    }

    /** Starts configuring a ring (a scheduler's backend) on this device. */
    public VulkanRing.Builder ring(String name) {
        checkOpen();
        return new VulkanRing.Builder(this, name);
    }

    /** Creates a closed {@link GpuGate} on this device. */
    public GpuGate gate() {
        checkOpen();
        return new GpuGate(this);
    }

    /** Creates a host-visible storage buffer of {@code bytes} bytes, zero-filled and mapped. */
    public VulkanBuffer createBuffer(long bytes) {
        checkOpen();
        return own(new VulkanBuffer(this, bytes));
    }

    /**
     * Creates a compute program from SPIR-V whose set 0 has {@code storageBuffers} storage
     * buffers at bindings 0..n-1 and whose push constants take {@code pushConstantBytes} bytes.
     */
    public ComputeProgram createProgram(String name, ByteBuffer spirv, int storageBuffers, int pushConstantBytes) {
        checkOpen();
        return own(new ComputeProgram(this, name, spirv, storageBuffers, pushConstantBytes));
    }

    /**
     * One of the built-in shaders ({@code add} or {@code spin}, see {@code src/main/glsl}),
     * created once per device and closed with it.
     */
    public ComputeProgram builtin(String name) {
        checkOpen();
        return builtins.computeIfAbsent(name, n -> createProgram(n, Shaders.spirv(n), 1, 16));
    }

    // ================================================================== package plumbing

    VkQueue queue(int i) {
        return queues[i];
    }

    Object queueLock(int i) {
        return queueLocks[i];
    }

    int hostVisibleMemoryType() {
        return memoryType;
    }

    long timestampMask() {
        return timestampMask;
    }

    long ticksToNanos(long ticks) {
        return (long) (ticks * (double) timestampPeriod);
    }

    /** GPU ticks as System.nanoTime() time, or -1 without calibration. */
    long ticksToHostNanos(long ticks) {
        return calibrated ? ticksToNanos(ticks) + hostOffsetNanos : -1;
    }

    <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    void disown(AutoCloseable resource) {
        owned.remove(resource);
    }

    void checkOpen() {
        if (closed || stopping) {
            throw new IllegalStateException("Vulkan device " + info.name() + " is closed");
        }
    }

    long createTimelineSemaphore() {
        try (MemoryStack stack = stackPush()) {
            VkSemaphoreTypeCreateInfo type = VkSemaphoreTypeCreateInfo.calloc(stack).sType$Default()
                    .semaphoreType(VK12.VK_SEMAPHORE_TYPE_TIMELINE).initialValue(0);
            VkSemaphoreCreateInfo ci = VkSemaphoreCreateInfo.calloc(stack).sType$Default().pNext(type);
            LongBuffer p = stack.mallocLong(1);
            Vk.check(vkCreateSemaphore(device, ci, null, p), "vkCreateSemaphore");
            return p.get(0);
        }
    }

    /** A ring's semaphore outlives the ring: the completion thread may still hold it in a wait. */
    void retireSemaphore(long semaphore) {
        retiredSemaphores.add(semaphore);
    }

    void addRing(VulkanRing r) {
        rings.add(r);
    }

    void removeRing(VulkanRing r) {
        rings.remove(r);
        wake();
    }

    void register(Fence finished, VulkanRing.Submission s) {
        submissions.put(finished, s);
    }

    void unregister(Fence finished, VulkanRing.Submission s) {
        submissions.remove(finished, s);
    }

    /** The submission of the job whose finished fence is {@code f}, while its GPU work or its job lives. */
    VulkanRing.Submission submissionOf(Fence f) {
        return submissions.get(f);
    }

    /** Makes the completion thread rebuild its wait set (a ring went from idle to busy). */
    void wake() {
        synchronized (wakeLock) {
            if (lost) {
                return;
            }
            signalWake();
        }
    }

    /**
     * Behaves as if a Vulkan call had returned VK_ERROR_DEVICE_LOST on the completion thread:
     * marks the device lost and wakes the thread, which fails every pending job. The GPU itself
     * is not touched (work on it still runs): for tests of the device-loss path.
     */
    void simulateDeviceLoss() {
        synchronized (wakeLock) {
            markLost();
            signalWake();
        }
    }

    /** Under wakeLock. */
    private void signalWake() {
        long v = ++wakeValue;
        try (MemoryStack stack = stackPush()) {
            VkSemaphoreSignalInfo si = VkSemaphoreSignalInfo.calloc(stack).sType$Default().semaphore(wakeSemaphore).value(v);
            int r = VK12.vkSignalSemaphore(device, si);
            if (r == Vk.ERROR_DEVICE_LOST) {
                markLost();
            }
        }
        wakePublished = v;
    }

    /** The device was lost: every job on every ring ends with DEVICE_GONE, now and later. */
    void markLost() {
        lost = true;
    }

    // ================================================================== completion thread

    private void completionLoop() {
        long[] sems = new long[0];
        long[] vals = new long[0];
        VulkanRing[] waiting = new VulkanRing[0];
        long[] counter = new long[1];
        while (!stopping) {
            long seen = wakePublished;
            List<VulkanRing> snapshot = rings;
            int n = 0;
            if (sems.length < snapshot.size() + 1) {
                sems = new long[snapshot.size() + 1];
                vals = new long[snapshot.size() + 1];
                waiting = new VulkanRing[snapshot.size()];
            }
            for (VulkanRing r : snapshot) {
                long v = r.oldestPendingValue();
                if (v > 0) {
                    sems[n] = r.semaphore();
                    vals[n] = v;
                    waiting[n++] = r;
                }
            }
            sems[n] = wakeSemaphore;
            vals[n] = seen + 1;
            int result;
            if (lost) {
                result = Vk.ERROR_DEVICE_LOST;
            } else {
                try (MemoryStack stack = stackPush()) {
                    VkSemaphoreWaitInfo wi = VkSemaphoreWaitInfo.calloc(stack).sType$Default()
                            .flags(VK12.VK_SEMAPHORE_WAIT_ANY_BIT).semaphoreCount(n + 1)
                            .pSemaphores(stack.longs(java.util.Arrays.copyOf(sems, n + 1)))
                            .pValues(stack.longs(java.util.Arrays.copyOf(vals, n + 1)));
                    result = VK12.vkWaitSemaphores(device, wi, WAIT_SLICE_NANOS);
                }
            }
            if (result == Vk.ERROR_DEVICE_LOST) {
                markLost();
                for (VulkanRing r : rings) {
                    r.failAll();
                }
                if (stopping) {
                    return;
                }
                waitForWake();
                continue;
            }
            for (int i = 0; i < n; i++) {
                VulkanRing r = waiting[i];
                int rr = VK12.vkGetSemaphoreCounterValue(device, r.semaphore(), counter);
                if (rr == Vk.ERROR_DEVICE_LOST) {
                    markLost();
                    break;
                }
                if (rr == Vk.SUCCESS) {
                    r.complete(counter[0]);
                }
            }
        }
    }

    /** After device loss vkWaitSemaphores fails at once: sleep until something changes instead of spinning. */
    private void waitForWake() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ================================================================== teardown

    /**
     * Closes the device: closes its rings (waiting for their GPU work), stops the completion
     * thread, closes programs and buffers left open, and destroys the device. Idempotent.
     * Close the rings' schedulers first.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed || stopping) {
                return;
            }
            stopping = true;
        }
        for (VulkanRing r : rings) {
            r.close();
        }
        wake();
        try {
            completionThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        vkDeviceWaitIdle(device); // no ring is left to submit: the queues need no lock
        for (AutoCloseable c : List.copyOf(owned)) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing the rest matters more than one resource that failed to close.
            }
        }
        for (long s : retiredSemaphores) {
            vkDestroySemaphore(device, s, null);
        }
        vkDestroySemaphore(device, wakeSemaphore, null);
        vkDestroyDevice(device, null);
        vkDestroyInstance(instance, null);
        closed = true;
    }

    @Override
    public String toString() {
        return "VulkanDevice[" + describe() + (lost ? " LOST" : "") + (closed ? " closed" : "") + "]";
    }
}
