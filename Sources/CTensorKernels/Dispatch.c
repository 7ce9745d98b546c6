// CPU detection, dispatch to the AVX2 / AVX-512 kernels (the bfloat16 ones: KernelsBF16.c), and the plain scalar softmax row.
#include "TensorKernels.h"
#include "Internal.h"
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long tk_xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

int tk_cpu_level(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx || !fma) return 0;
    unsigned long long xcr0 = tk_xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0;  // XMM and YMM state saved by the OS
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    int avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    if (!avx2) return 0;
    if (!avx512f || (xcr0 & 0xE0) != 0xE0) return 1;  // opmask, ZMM_Hi256, Hi16_ZMM state
    __cpuid_count(7, 1, a, b, c, d);
    int avx512bf16 = (a >> 5) & 1;  // leaf 7 sub-leaf 1, EAX bit 5: VDPBF16PS, VCVTNEPS2BF16
    return avx512bf16 && avx512bw && avx512vl ? 3 : 2;
}
#else
int tk_cpu_level(void) { return 0; }
#endif

void tk_softmax_row_plain(float *row, long columns) {
    if (columns <= 0) return;
    float maximum = row[0];
    for (long j = 1; j < columns; j++)
        if (row[j] > maximum || isnan(row[j])) maximum = row[j];
    float sum = 0;
    for (long j = 0; j < columns; j++) {
        row[j] = expf(row[j] - maximum);
        sum += row[j];
    }
    for (long j = 0; j < columns; j++) row[j] /= sum;
}

void tk_softmax_rows(int level, float *x, long rows, long columns, long stride) {
#if defined(__x86_64__)
    if (level >= 2) { tk_softmax_rows_avx512(x, rows, columns, stride); return; }
    if (level == 1) { tk_softmax_rows_avx2(x, rows, columns, stride); return; }
#endif
    for (long r = 0; r < rows; r++) tk_softmax_row_plain(x + r * stride, columns);
}

void tk_silu(int level, float *x, long count) {
#if defined(__x86_64__)
    if (level >= 2) { tk_silu_avx512(x, count); return; }
    if (level == 1) { tk_silu_avx2(x, count); return; }
#endif
    for (long i = 0; i < count; i++) x[i] = x[i] / (1 + expf(-x[i]));
}

long tk_attention_scratch_count(long keys, long head_dim) {
    // Row kernels: packed keys [head_dim][ldkt] + 4 score rows; the transposed AVX-512
    // kernel: [keys][16] scores + [head_dim][16] + packed keys and values. Enough for either.
    return (head_dim + 4) * tk_packed_keys(keys) + 16 * (keys + head_dim)
        + 2 * keys * head_dim;
}

int tk_attention_head(int level, const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, long head_dim,
    float scale, float *scratch)
{
    if (head_dim < 1 || head_dim > 32 || keys < 1) return 1;
#if defined(__x86_64__)
    if (level >= 2)
        return tk_attention_head_avx512(q, ldq, k, ldk, v, ldv, out, ldo, queries, keys,
            head_dim, scale, scratch);
    if (level == 1)
        return tk_attention_head_avx2(q, ldq, k, ldk, v, ldv, out, ldo, queries, keys,
            head_dim, scale, scratch);
#endif
    return 1;
}
