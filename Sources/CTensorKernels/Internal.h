// Declarations shared by the kernel files (not part of the module's public header).
#ifndef GEOMAP_TENSOR_KERNELS_INTERNAL_H
#define GEOMAP_TENSOR_KERNELS_INTERNAL_H

/// Softmax of one row by the plain definition (libm expf, NaN-propagating maximum).
void tk_softmax_row_plain(float *row, long columns);

/// Leading dimension of the packed transposed keys: `keys` rounded up to 16.
static inline long tk_packed_keys(long keys) { return (keys + 15) & ~15L; }

/// kt[d * ldkt + j] = k[j * ldk + d] for j < keys, 0 for keys <= j < ldkt.
static inline void tk_pack_transposed(const float *k, long ldk, long keys, long hd, float *kt,
    long ldkt)
{
    for (long d = 0; d < hd; d++) {
        float *dst = kt + d * ldkt;
        for (long j = 0; j < keys; j++) dst[j] = k[j * ldk + d];
        for (long j = keys; j < ldkt; j++) dst[j] = 0;
    }
}

void tk_softmax_rows_avx2(float *x, long rows, long columns, long stride);
void tk_softmax_rows_avx512(float *x, long rows, long columns, long stride);
void tk_silu_avx2(float *x, long count);
void tk_silu_avx512(float *x, long count);
int tk_attention_head_avx2(const float *q, long ldq, const float *k, long ldk, const float *v,
    long ldv, float *out, long ldo, long queries, long keys, long hd, float scale, float *scratch);
int tk_attention_head_avx512(const float *q, long ldq, const float *k, long ldk, const float *v,
    long ldv, float *out, long ldo, long queries, long keys, long hd, float scale, float *scratch);

#endif
