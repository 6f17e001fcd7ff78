using System.Runtime.InteropServices;

namespace Inference.Hosting;

/// <summary>
/// glibc's allocator, as the services need it. Its threshold for mapping a large block on its own (128 KB at start) rises each time
/// such a block is freed, up to 32 MB; from then on large blocks come from the heap, and once freed they stay in the process.
/// ONNX Runtime frees many large blocks as it loads a graph and runs batches of changing shapes, so the threshold rises early and
/// the process keeps what it freed: fixed at 128 KB, large blocks go back to the system when freed (the deep classifier's peak
/// RSS 248-254 → 232-235 MB at 100/s, the same CPU; bench/results/experiments/native-heap/). Setting it also turns off glibc's
/// dynamic threshold, as <c>MALLOC_MMAP_THRESHOLD_</c> would.
/// </summary>
public static class NativeHeap
{
    const int MmapThresholdParameter = -3; // M_MMAP_THRESHOLD in malloc.h
    const int MmapThresholdBytes = 128 * 1024;

    /// <summary>Fixes the threshold; does nothing where the C library is not glibc (musl has no <c>mallopt</c>).</summary>
    public static void ReturnLargeBlocks()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(MmapThresholdParameter, MmapThresholdBytes);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [DllImport("libc", ExactSpelling = true)]
    static extern int mallopt(int parameter, int value);
}
