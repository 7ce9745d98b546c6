// Vector kernels for the Tensor module, compiled per function for AVX2+FMA or AVX-512 with
// `__attribute__((target(...)))` so the package itself still builds for baseline x86-64.
// Callers pick a level at run time (tk_cpu_level) and never call a level the CPU lacks.
#ifndef GEOMAP_TENSOR_KERNELS_H
#define GEOMAP_TENSOR_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdint.h>

/// 0: baseline (no kernel here may be called), 1: AVX2 + FMA, 2: AVX-512F (with AVX2 + FMA),
/// 3: level 2 plus AVX512_BF16, AVX512BW and AVX512VL (the tk_bf16_* products).
/// Checks CPUID and that the OS saves the YMM/ZMM state (XGETBV). 0 on non-x86 builds.
int tk_cpu_level(void);

/// Softmax over `columns` values of each of `rows` rows (starts `stride` apart), in place, at
/// `level` (1 or 2). The maximum is subtracted first; a row holding NaN or ±inf gets the plain
/// definition (libm expf), so NaN and all -inf rows become NaN as in PyTorch.
void tk_softmax_rows(int level, float *x, long rows, long columns, long stride);

/// SiLU `x / (1 + e^-x)` of `count` values, in place, at `level` (1 or 2).
void tk_silu(int level, float *x, long count);

/// Floats of scratch that tk_attention_head needs for `keys` keys of `head_dim` values.
long tk_attention_scratch_count(long keys, long head_dim);

/// One attention head, fused: out[i, :] = softmax_j(scale · q[i, :] · k[j, :]) · v[j, :]
/// for i < queries, j < keys, each row `head_dim` values (q rows `ldq` apart, k `ldk`, v `ldv`,
/// out `ldo`). `scratch` holds tk_attention_scratch_count floats. Needs level 1 or 2 and
/// head_dim <= 32. Returns 0 when done, 1 when a score row was not finite (NaN or ±inf, or so
/// large its sum overflowed): then `out` is unspecified and the caller uses the plain path.
int tk_attention_head(int level, const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, long head_dim,
    float scale, float *scratch);

// bfloat16 products, float32 accumulation. Weights [n, k] (PyTorch `[out, in]`) are packed once
// by tk_bf16_pack_weights (any CPU); activations are bfloat16 rows whose k values are padded
// with a 0 to an even count. The tk_bf16_gemm* and tk_bf16_convert_rows functions need level 3.

/// bfloat16 bits of `x`, rounded to nearest (ties to even); NaN stays a (quiet) NaN.
uint16_t tk_bf16_from_float(float x);
/// The float32 value of bfloat16 bits (exact).
float tk_bf16_to_float(uint16_t x);
/// uint16 values tk_bf16_pack_weights writes for an [n, k] matrix: n rounded up to 16 times
/// k rounded up to 2.
long tk_bf16_packed_count(long n, long k);
/// Packs w ([n, k], rows `ldw` apart) into blocks of 16 rows, each [k/2 pairs][16][2]
/// bfloat16, zero-padded to whole blocks and pairs.
void tk_bf16_pack_weights(const float *w, long ldw, long n, long k, uint16_t *packed);
/// out[r, :] = bfloat16(x[r, :k] (· y[r, :k] when y is not NULL)) for r < rows, padded with 0
/// to an even count; rows `ldx`, `ldy`, `ldo` elements apart. Level 3.
void tk_bf16_convert_rows(const float *x, long ldx, const float *y, long ldy, long rows, long k,
    uint16_t *out, long ldo);
/// c[i, :n] = (accumulate ? c[i, :n] : 0) + bias + a[i, :k] · Wᵀ for i < m, with W packed by
/// tk_bf16_pack_weights, a bfloat16 rows `lda` apart (even), bias [n] float or NULL. Level 3.
void tk_bf16_gemm(long m, long n, long k, const uint16_t *a, long lda, const uint16_t *b,
    const float *bias, float *c, long ldc, int accumulate);
/// The routed-expert form: for i < m, with t = rows[i],
/// c[t, :n] += gain[i] · SiLU(bias + a[t, :k] · Wᵀ) (rows distinct). Level 3.
void tk_bf16_gemm_silu_scatter(long m, long n, long k, const uint16_t *a, long lda,
    const long *rows, const uint16_t *b, const float *bias, const float *gain, float *c,
    long ldc);

/// tk_attention_head with both products in bfloat16 (scale·q and k rounded, the softmax
/// probabilities and v rounded; float32 accumulation, max, exp and sums) for head_dim 16 or
/// 18; `scratch` as for tk_attention_head. Returns 1 (out unspecified) for other head dims or
/// a non-finite score row: the caller then uses the float32 kernel. Level 3.
int tk_bf16_attention_head(const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, long hd,
    float scale, float *scratch);

// float32 products against weights packed once (tk_f32_pack_weights, any CPU: blocks of 16
// rows of W, each [k][16] floats). tk_f32_gemm* need level 2 or 3.

/// floats tk_f32_pack_weights writes for an [n, k] matrix: n rounded up to 16 times k.
long tk_f32_packed_count(long n, long k);
/// Packs w ([n, k], rows `ldw` apart) into blocks of 16 rows, each [k][16], zero-padded.
void tk_f32_pack_weights(const float *w, long ldw, long n, long k, float *packed);
/// c[i, :n] = (accumulate ? c[i, :n] : 0) + bias + a[i, :k] · Wᵀ for i < m (a rows `lda`
/// apart, bias [n] or NULL). Level 2.
void tk_f32_gemm(long m, long n, long k, const float *a, long lda, const float *b,
    const float *bias, float *c, long ldc, int accumulate);
/// The routed-expert form: for i < m, with t = rows[i] (distinct),
/// c[t, :n] += gain[i] · SiLU(bias + a[t, :k] · Wᵀ) (⊙ mult[t, :n], rows `ldm` apart, when
/// mult is not NULL). Level 2.
void tk_f32_gemm_silu_scatter(long m, long n, long k, const float *a, long lda,
    const long *rows, const float *b, const float *bias, const float *gain, const float *mult,
    long ldm, float *c, long ldc);

#ifdef __cplusplus
}
#endif
#endif
