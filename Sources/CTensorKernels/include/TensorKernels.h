// Vector kernels for the Tensor module, compiled per function for AVX2+FMA or AVX-512 with
// `__attribute__((target(...)))` so the package itself still builds for baseline x86-64.
// Callers pick a level at run time (tk_cpu_level) and never call a level the CPU lacks.
#ifndef GEOMAP_TENSOR_KERNELS_H
#define GEOMAP_TENSOR_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// 0: baseline (no kernel here may be called), 1: AVX2 + FMA, 2: AVX-512F (with AVX2 + FMA).
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

#ifdef __cplusplus
}
#endif
#endif
