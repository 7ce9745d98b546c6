// float32 matrix products against weights packed once (AVX-512F FMA): the block products of the
// MoE-MAE encoder without BLAS's per-call packing of the weights, without zeroing the output
// first, and with the routed experts read in place (a row index list) and finished by a fused
// gate · SiLU(·) (⊙ multiplier) epilogue. Compiled for AVX-512 per function only; called
// through Tensor when tk_cpu_level() >= 2.
#include "TensorKernels.h"

long tk_f32_packed_count(long n, long k) { return ((n + 15) / 16) * 16 * k; }

void tk_f32_pack_weights(const float *w, long ldw, long n, long k, float *packed) {
    const long blocks = (n + 15) / 16;
    for (long jb = 0; jb < blocks; jb++)
        for (long p = 0; p < k; p++) {
            float *dst = packed + (jb * k + p) * 16;
            for (long c = 0; c < 16; c++) {
                const long row = jb * 16 + c;
                dst[c] = row < n ? w[row * ldw + p] : 0;
            }
        }
}

#if defined(__x86_64__)
#include "Exp512.h"
#include <immintrin.h>

#define KF32 __attribute__((target("avx512f,avx2,fma")))

/// Rows of one register tile: MR × 32 columns = 2·MR accumulators.
#define MR 8

INLINE512 __mmask16 lanesF32(long count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? 0 : (__mmask16)((1u << count) - 1u);
}

/// acc[r][b] = Σ_p a_r[p] · B_b[p] for R rows and NB (1 or 2) blocks of 16 columns.
INLINE512 void tile_f32(const int R, const int NB, long k, const float *const *arow,
    const float *b0, const float *b1, __m512 acc[MR][2])
{
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (long p = 0; p < k; p++) {
        const __m512 w0 = _mm512_loadu_ps(b0 + 16 * p);
        const __m512 w1 = NB > 1 ? _mm512_loadu_ps(b1 + 16 * p) : w0;
        for (int r = 0; r < R; r++) {
            const __m512 x = _mm512_set1_ps(arow[r][p]);
            acc[r][0] = _mm512_fmadd_ps(x, w0, acc[r][0]);
            if (NB > 1) acc[r][1] = _mm512_fmadd_ps(x, w1, acc[r][1]);
        }
    }
}

/// Column strips of 32 outer (a strip's packed weights, k × 128 bytes, stay in L1), register
/// tiles of MR rows inner. `index` (or NULL) maps tile rows to rows of A and C; `gain` (or
/// NULL) selects the epilogue C[row] += gain · SiLU(acc + bias) (⊙ mult[row] when mult is not
/// NULL), else C[row] = (accumulate ? C[row] : 0) + acc + bias.
INLINE512 void gemm_f32(long m, long n, long k, const float *a, long lda, const long *index,
    const float *b, const float *bias, float *c, long ldc, int accumulate, const float *gain,
    const float *mult, long ldm)
{
    const long blocks = (n + 15) / 16;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (long jb = 0; jb < blocks; jb += 2) {
        const int nb = jb + 1 < blocks ? 2 : 1;
        const float *b0 = b + jb * k * 16, *b1 = b0 + k * 16;
        const __mmask16 mask[2] = {lanesF32(n - 16 * jb), lanesF32(n - 16 * (jb + 1))};
        __m512 bias0[2];
        for (int h = 0; h < 2; h++)
            bias0[h] = bias ? _mm512_maskz_loadu_ps(mask[h], bias + 16 * (jb + h))
                            : _mm512_setzero_ps();
        for (long i0 = 0; i0 < m; i0 += MR) {
            const float *arow[MR];
            long crow[MR];
            const int rows = m - i0 < MR ? (int)(m - i0) : MR;
            for (int r = 0; r < MR; r++) {
                const long i = i0 + (r < rows ? r : rows - 1);
                crow[r] = index ? index[i] : i;
                arow[r] = a + crow[r] * lda;
            }
            __m512 acc[MR][2];
            if (rows > 4) {  // a partial tile repeats its last row (computed, not stored)
                if (nb == 2) tile_f32(MR, 2, k, arow, b0, b1, acc);
                else tile_f32(MR, 1, k, arow, b0, b1, acc);
            } else {
                if (nb == 2) tile_f32(4, 2, k, arow, b0, b1, acc);
                else tile_f32(4, 1, k, arow, b0, b1, acc);
            }
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < nb; h++) {
                    float *dst = c + crow[r] * ldc + 16 * (jb + h);
                    __m512 v = _mm512_add_ps(acc[r][h], bias0[h]);
                    if (gain) {
                        const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), v));
                        v = _mm512_mul_ps(_mm512_set1_ps(gain[i0 + r]),
                            _mm512_div_ps(v, _mm512_add_ps(one, e)));
                        if (mult)
                            v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(mask[h],
                                mult + crow[r] * ldm + 16 * (jb + h)));
                        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[h], dst));
                    } else if (accumulate) {
                        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[h], dst));
                    }
                    _mm512_mask_storeu_ps(dst, mask[h], v);
                }
            }
        }
    }
}

KF32 void tk_f32_gemm(long m, long n, long k, const float *a, long lda, const float *b,
    const float *bias, float *c, long ldc, int accumulate)
{
    if (m <= 0 || n <= 0) return;
    gemm_f32(m, n, k, a, lda, 0, b, bias, c, ldc, accumulate, 0, 0, 0);
}

KF32 void tk_f32_gemm_silu_scatter(long m, long n, long k, const float *a, long lda,
    const long *rows, const float *b, const float *bias, const float *gain, const float *mult,
    long ldm, float *c, long ldc)
{
    if (m <= 0 || n <= 0) return;
    gemm_f32(m, n, k, a, lda, rows, b, bias, c, ldc, 1, gain, mult, ldm);
}
#else
void tk_f32_gemm(long m, long n, long k, const float *a, long lda, const float *b,
    const float *bias, float *c, long ldc, int accumulate) {}
void tk_f32_gemm_silu_scatter(long m, long n, long k, const float *a, long lda,
    const long *rows, const float *b, const float *bias, const float *gain, const float *mult,
    long ldm, float *c, long ldc) {}
#endif
