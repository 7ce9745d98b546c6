// bfloat16 matrix products with float32 accumulation (AVX512_BF16, VDPBF16PS). The weights are
// packed once at load into 16-column blocks of bfloat16 pairs; activations are bfloat16 rows.
// Compiled for AVX512_BF16 per function only; called through Tensor when tk_cpu_level() == 3.
#include "TensorKernels.h"
#include <math.h>
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
/// Lane l of the result holds the bfloat16 pair (lo[l], hi[l]) (a VDPBF16PS operand that pairs
/// two rows of 16 floats lane by lane).
INLINEBF16 __m512bh pairs16(__m512 lo, __m512 hi) {
    const __m512i order = _mm512_setr_epi32(0x00100000, 0x00110001, 0x00120002, 0x00130003,
        0x00140004, 0x00150005, 0x00160006, 0x00170007, 0x00180008, 0x00190009, 0x001A000A,
        0x001B000B, 0x001C000C, 0x001D000D, 0x001E000E, 0x001F000F);
    return (__m512bh)_mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

/// 2^x per lane for x <= 0 (softmax weights about to be rounded to bfloat16): x = n + f with
/// |f| <= 1/2, 2^f by its degree-4 Taylor polynomial (relative error <= 5e-5, under a tenth of
/// bfloat16's half ulp), times 2^n by VSCALEFPS (0 for very negative x).
INLINEBF16 __m512 exp2_bf16(__m512 x) {
    const __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 f = _mm512_sub_ps(x, n);
    __m512 p = _mm512_set1_ps(9.6181291e-3f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504109e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022651e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/// The transposed attention kernel of KernelsAVX512.c (16 queries per lane) with both products
/// in bfloat16 pairs: scores = Σ over HD/2 pairs of (q, k) dimension pairs, out = Σ over pairs
/// of keys of (p, v). Softmax (max, exp, sum) and the output scaling stay float32. HD even.
INLINEBF16 int block16_bf16(const float *q, long ldq, long valid, const uint32_t *kp,
    const uint32_t *vp, long keys, const int HD, float scale, float *out, long ldo, float *st)
{
    const __mmask16 lanes = lanes16(valid);
    const __m512i rowsQ = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32((int)ldq));
    const __m512i rowsOut = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32((int)ldo));
    // Scores in base 2: scale · log2(e) folded into q, so softmax needs 2^x, not e^x.
    const __m512 sc = _mm512_set1_ps(scale * 1.44269504f), zero = _mm512_setzero_ps();
    const int H2 = HD / 2;
    __m512bh qp[16];
    for (int i = 0; i < H2; i++) {
        const __m512 a = _mm512_mask_i32gather_ps(zero, lanes, rowsQ, q + 2 * i, 4);
        const __m512 b = _mm512_mask_i32gather_ps(zero, lanes, rowsQ, q + 2 * i + 1, 4);
        qp[i] = pairs16(_mm512_mul_ps(a, sc), _mm512_mul_ps(b, sc));
    }
    __m512 mx = _mm512_set1_ps(-INFINITY), chk = zero;
    long j = 0;
    for (; j + 8 <= keys; j += 8) {
        const uint32_t *k0 = kp + j * H2;
        __m512 a[8];
        for (int u = 0; u < 8; u++) a[u] = zero;
#pragma clang loop unroll(full)
        for (int i = 0; i < H2; i++)
            for (int u = 0; u < 8; u++)
                a[u] = _mm512_dpbf16_ps(a[u], (__m512bh)_mm512_set1_epi32((int)k0[u * H2 + i]),
                    qp[i]);
        for (int u = 0; u < 8; u++) {
            _mm512_storeu_ps(st + 16 * (j + u), a[u]);
            mx = _mm512_max_ps(mx, a[u]);
            chk = _mm512_add_ps(chk, a[u]);
        }
    }
    for (; j < keys; j++) {
        __m512 a = zero;
        for (int i = 0; i < H2; i++)
            a = _mm512_dpbf16_ps(a, (__m512bh)_mm512_set1_epi32((int)kp[j * H2 + i]), qp[i]);
        _mm512_storeu_ps(st + 16 * j, a);
        mx = _mm512_max_ps(mx, a);
        chk = _mm512_add_ps(chk, a);
    }
    // x − x is 0 exactly when x is finite.
    __mmask16 finite = _mm512_cmp_ps_mask(_mm512_sub_ps(chk, chk), zero, _CMP_EQ_OQ)
        & _mm512_cmp_ps_mask(_mm512_sub_ps(mx, mx), zero, _CMP_EQ_OQ);
    if (finite != (__mmask16)0xFFFF) return 1;
    __m512 sum = zero;
    for (j = 0; j < keys; j++) {
        __m512 e = exp2_bf16(_mm512_sub_ps(_mm512_loadu_ps(st + 16 * j), mx));
        _mm512_storeu_ps(st + 16 * j, e);
        sum = _mm512_add_ps(sum, e);
    }
    if (keys % 2) _mm512_storeu_ps(st + 16 * keys, zero);  // the odd key's partner
    const __m512 inv = _mm512_div_ps(_mm512_set1_ps(1.0f), sum);
    __m512 o[32];
    for (int d = 0; d < HD; d++) o[d] = zero;
    for (long jj = 0; jj < (keys + 1) / 2; jj++) {
        const __m512bh p = pairs16(_mm512_loadu_ps(st + 32 * jj),
            _mm512_loadu_ps(st + 32 * jj + 16));
        const uint32_t *vr = vp + jj * HD;
        for (int d = 0; d < HD; d++)
            o[d] = _mm512_dpbf16_ps(o[d], (__m512bh)_mm512_set1_epi32((int)vr[d]), p);
    }
    for (int d = 0; d < HD; d++)
        _mm512_mask_i32scatter_ps(out + d, lanes, rowsOut, _mm512_mul_ps(o[d], inv), 4);
    return 0;
}

INLINEBF16 int attention_bf16(const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, const int HD,
    float scale, float *scratch)
{
    float *st = scratch;  // [keys + 1][16]
    uint32_t *kp = (uint32_t *)(st + 16 * (keys + 1));  // [keys][HD / 2]
    uint32_t *vp = kp + keys * (HD / 2);  // [(keys + 1) / 2][HD]
    // k rows rounded in place order: the (2i, 2i+1) dimension pairs are adjacent already.
    const __mmask16 rest = lanes16(HD - 16);
    for (long j = 0; j < keys; j++) {
        const __m512 row = _mm512_loadu_ps(k + j * ldk);
        const __m512 tail = _mm512_maskz_loadu_ps(rest, k + j * ldk + 16);
        const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(tail, row);
        _mm512_mask_storeu_epi16((uint16_t *)(kp + j * (HD / 2)), (__mmask32)((1ull << HD) - 1),
            both);
    }
    // v: pairs of keys interleaved lane by lane (dimension d = lane).
    for (long jj = 0; jj < (keys + 1) / 2; jj++) {
        const float *v0 = v + 2 * jj * ldv;
        const int partner = 2 * jj + 1 < keys;
        const float *v1 = partner ? v0 + ldv : v0;
        const __m512 zero = _mm512_setzero_ps();
        __m512 a = _mm512_loadu_ps(v0), b = partner ? _mm512_loadu_ps(v1) : zero;
        _mm512_storeu_si512(vp + jj * HD, (__m512i)pairs16(a, b));
        if (HD > 16) {
            a = _mm512_maskz_loadu_ps(rest, v0 + 16);
            b = partner ? _mm512_maskz_loadu_ps(rest, v1 + 16) : zero;
            _mm512_mask_storeu_epi32(vp + jj * HD + 16, rest, (__m512i)pairs16(a, b));
        }
    }
    for (long i = 0; i < queries; i += 16) {
        long valid = queries - i < 16 ? queries - i : 16;
        if (block16_bf16(q + i * ldq, ldq, valid, kp, vp, keys, HD, scale, out + i * ldo, ldo,
                st))
            return 1;
    }
    return 0;
}

KBF16 int tk_bf16_attention_head(const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, long hd,
    float scale, float *scratch)
{
    if (keys < 1 || queries < 1) return 1;
    if (hd == 18)
        return attention_bf16(q, ldq, k, ldk, v, ldv, out, ldo, queries, keys, 18, scale,
            scratch);
    if (hd == 16)
        return attention_bf16(q, ldq, k, ldk, v, ldv, out, ldo, queries, keys, 16, scale,
            scratch);
    return 1;
}
#else
int tk_bf16_attention_head(const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, long hd,
    float scale, float *scratch) { return 1; }
void tk_bf16_convert_rows(const float *x, long ldx, const float *y, long ldy, long rows, long k,
    uint16_t *out, long ldo) {}
void tk_bf16_gemm(long m, long n, long k, const uint16_t *a, long lda, const uint16_t *b,
    const float *bias, float *c, long ldc, int accumulate) {}
void tk_bf16_gemm_silu_scatter(long m, long n, long k, const uint16_t *a, long lda,
    const long *rows, const uint16_t *b, const float *bias, const float *gain, float *c,
    long ldc) {}
#endif
