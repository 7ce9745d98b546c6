// bfloat16 matrix products with float32 accumulation (AVX512_BF16, VDPBF16PS). The weights are
// packed once at load into 16-column blocks of bfloat16 pairs; activations are bfloat16 rows.
// Compiled for AVX512_BF16 per function only; called through Tensor when tk_cpu_level() == 3.
#include "TensorKernels.h"
#include <string.h>

uint16_t tk_bf16_from_float(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40u);  // quiet NaN
    u += 0x7FFFu + ((u >> 16) & 1u);  // round to nearest, ties to even
    return (uint16_t)(u >> 16);
}

float tk_bf16_to_float(uint16_t x) {
    uint32_t u = (uint32_t)x << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

long tk_bf16_packed_count(long n, long k) { return ((n + 15) / 16) * 16 * 2 * ((k + 1) / 2); }

void tk_bf16_pack_weights(const float *w, long ldw, long n, long k, uint16_t *packed) {
    const long pairs = (k + 1) / 2, blocks = (n + 15) / 16;
    for (long jb = 0; jb < blocks; jb++)
        for (long p = 0; p < pairs; p++) {
            uint16_t *dst = packed + (jb * pairs + p) * 32;
            for (long c = 0; c < 16; c++) {
                const long row = jb * 16 + c;
                for (long h = 0; h < 2; h++) {
                    const long col = 2 * p + h;
                    dst[2 * c + h] = row < n && col < k ? tk_bf16_from_float(w[row * ldw + col]) : 0;
                }
            }
        }
}

#if defined(__x86_64__)
#include "Exp512.h"
#include <immintrin.h>

#define KBF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))
#define INLINEBF16 \
    static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))

/// Rows of one register tile.
#define MR 8

INLINEBF16 __mmask16 lanes16(long count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? 0 : (__mmask16)((1u << count) - 1u);
}

KBF16 void tk_bf16_convert_rows(const float *x, long ldx, const float *y, long ldy, long rows,
    long k, uint16_t *out, long ldo)
{
    const long padded = 2 * ((k + 1) / 2);
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * ldx;
        const float *yr = y ? y + r * ldy : 0;
        uint16_t *o = out + r * ldo;
        for (long j = 0; j < padded; j += 16) {
            const __mmask16 m = lanes16(k - j);
            __m512 v = _mm512_maskz_loadu_ps(m, xr + j);
            if (yr) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, yr + j));
            __m256bh h = _mm512_cvtneps_pbh(v);
            _mm256_mask_storeu_epi16(o + j, lanes16(padded - j), (__m256i)h);
        }
    }
}

/// acc[r][b] = Σ_p a_r[p] · B_b[p] over `pairs` bfloat16 pairs for MR rows and NB (1 or 2)
/// blocks of 16 columns: a_r[p] is the p-th 32-bit pair of row r, B_b[p] 16 packed pairs.
INLINEBF16 void tile_bf16(const int NB, long pairs, const uint32_t *const *arow,
    const uint16_t *b0, const uint16_t *b1, __m512 acc[MR][2])
{
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (long p = 0; p < pairs; p++) {
        const __m512bh w0 = (__m512bh)_mm512_loadu_si512(b0 + 32 * p);
        const __m512bh w1 = NB > 1 ? (__m512bh)_mm512_loadu_si512(b1 + 32 * p) : w0;
        for (int r = 0; r < MR; r++) {
            const __m512bh x = (__m512bh)_mm512_set1_epi32((int)arow[r][p]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, w0);
            if (NB > 1) acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, w1);
        }
    }
}

/// The shared driver: column strips of 32 outer (the strip's packed weights stay in L1),
/// register tiles of MR rows inner. `index` (or nil) maps tile rows to rows of A and C;
/// `gain` (or nil) selects the SwiGLU epilogue C[row] += gain · SiLU(acc + bias).
INLINEBF16 void gemm_bf16(long m, long n, long pairs, const uint16_t *a, long lda,
    const long *index, const uint16_t *b, const float *bias, float *c, long ldc, int accumulate,
    const float *gain)
{
    const long blocks = (n + 15) / 16;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (long jb = 0; jb < blocks; jb += 2) {
        const int nb = jb + 1 < blocks ? 2 : 1;
        const uint16_t *b0 = b + jb * pairs * 32, *b1 = b0 + pairs * 32;
        const __mmask16 mask[2] = {lanes16(n - 16 * jb), lanes16(n - 16 * (jb + 1))};
        __m512 bias0[2];
        for (int h = 0; h < 2; h++)
            bias0[h] = bias ? _mm512_maskz_loadu_ps(mask[h], bias + 16 * (jb + h))
                            : _mm512_setzero_ps();
        for (long i0 = 0; i0 < m; i0 += MR) {
            const uint32_t *arow[MR];
            long crow[MR];
            for (int r = 0; r < MR; r++) {
                const long i = i0 + r < m ? i0 + r : m - 1;
                crow[r] = index ? index[i] : i;
                arow[r] = (const uint32_t *)(a + crow[r] * lda);
            }
            __m512 acc[MR][2];
            if (nb == 2)
                tile_bf16(2, pairs, arow, b0, b1, acc);
            else
                tile_bf16(1, pairs, arow, b0, b1, acc);
            const int rows = m - i0 < MR ? (int)(m - i0) : MR;
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < nb; h++) {
                    float *dst = c + crow[r] * ldc + 16 * (jb + h);
                    __m512 v = _mm512_add_ps(acc[r][h], bias0[h]);
                    if (gain) {
                        const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), v));
                        v = _mm512_mul_ps(_mm512_set1_ps(gain[i0 + r]),
                            _mm512_div_ps(v, _mm512_add_ps(one, e)));
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

KBF16 void tk_bf16_gemm(long m, long n, long k, const uint16_t *a, long lda, const uint16_t *b,
    const float *bias, float *c, long ldc, int accumulate)
{
    if (m <= 0 || n <= 0) return;
    gemm_bf16(m, n, (k + 1) / 2, a, lda, 0, b, bias, c, ldc, accumulate, 0);
}

KBF16 void tk_bf16_gemm_silu_scatter(long m, long n, long k, const uint16_t *a, long lda,
    const long *rows, const uint16_t *b, const float *bias, const float *gain, float *c, long ldc)
{
    if (m <= 0 || n <= 0) return;
    gemm_bf16(m, n, (k + 1) / 2, a, lda, rows, b, bias, c, ldc, 1, gain);
}
#else
void tk_bf16_convert_rows(const float *x, long ldx, const float *y, long ldy, long rows, long k,
    uint16_t *out, long ldo) {}
void tk_bf16_gemm(long m, long n, long k, const uint16_t *a, long lda, const uint16_t *b,
    const float *bias, float *c, long ldc, int accumulate) {}
void tk_bf16_gemm_silu_scatter(long m, long n, long k, const uint16_t *a, long lda,
    const long *rows, const uint16_t *b, const float *bias, const float *gain, float *c,
    long ldc) {}
#endif
