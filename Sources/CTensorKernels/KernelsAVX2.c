// AVX2 + FMA kernels (8 lanes, masked tails). Compiled for AVX2 per function only; called
// through Dispatch.c when tk_cpu_level() == 1.
#if defined(__x86_64__)
#include "Internal.h"
#include <immintrin.h>
#include <math.h>

#define K256 __attribute__((target("avx2,fma")))
#define INLINE256 static inline __attribute__((always_inline, target("avx2,fma")))

/// e^x per lane, the same polynomial as exp512 in KernelsAVX512.c; 2^n built in the exponent
/// bits (n is within [-126, 127] after the clamp).
INLINE256 __m256 exp256(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.3f);
    __m256 v = _mm256_min_ps(_mm256_max_ps(x, lo), _mm256_set1_ps(88.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.44269504f)),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), v);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.98756915e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.39819995e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.16657959e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.66666655e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001e-1f));
    __m256 y = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
    return _mm256_andnot_ps(_mm256_cmp_ps(x, lo, _CMP_LT_OQ), y);
}

/// All-ones in the first `count` lanes (count clamped to 0...8).
INLINE256 __m256i lanes256(long count) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count < 0 ? 0 : count > 8 ? 8 : count)),
        index);
}

INLINE256 float hmax256(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

INLINE256 float hsum256(__m256 v) {
    __m128 m = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_add_ps(m, _mm_movehl_ps(m, m));
    m = _mm_add_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

K256 void tk_softmax_rows_avx2(float *x, long rows, long columns, long stride) {
    if (columns <= 0) return;
    const long full = columns / 8, rest = columns % 8;
    const __m256i tail = lanes256(rest);
    const __m256 minusInf = _mm256_set1_ps(-INFINITY);
    for (long r = 0; r < rows; r++) {
        float *row = x + r * stride;
        __m256 mx = minusInf, chk = _mm256_setzero_ps();
        for (long j = 0; j < full; j++) {
            __m256 v = _mm256_loadu_ps(row + 8 * j);
            mx = _mm256_max_ps(mx, v);
            chk = _mm256_add_ps(chk, v);
        }
        if (rest) {
            __m256 v = _mm256_maskload_ps(row + 8 * full, tail);
            mx = _mm256_max_ps(mx, _mm256_blendv_ps(minusInf, v, _mm256_castsi256_ps(tail)));
            chk = _mm256_add_ps(chk, v);
        }
        float m = hmax256(mx), c = hsum256(chk);
        if (!isfinite(m) || !isfinite(c)) { tk_softmax_row_plain(row, columns); continue; }
        const __m256 shift = _mm256_set1_ps(m);
        __m256 sum = _mm256_setzero_ps();
        for (long j = 0; j < full; j++) {
            __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(row + 8 * j), shift));
            _mm256_storeu_ps(row + 8 * j, e);
            sum = _mm256_add_ps(sum, e);
        }
        if (rest) {
            __m256 e = exp256(_mm256_sub_ps(_mm256_maskload_ps(row + 8 * full, tail), shift));
            e = _mm256_and_ps(e, _mm256_castsi256_ps(tail));
            _mm256_maskstore_ps(row + 8 * full, tail, e);
            sum = _mm256_add_ps(sum, e);
        }
        const __m256 inv = _mm256_set1_ps(1.0f / hsum256(sum));
        for (long j = 0; j < full; j++)
            _mm256_storeu_ps(row + 8 * j, _mm256_mul_ps(_mm256_loadu_ps(row + 8 * j), inv));
        if (rest)
            _mm256_maskstore_ps(row + 8 * full, tail,
                _mm256_mul_ps(_mm256_maskload_ps(row + 8 * full, tail), inv));
    }
}

K256 void tk_silu_avx2(float *x, long count) {
    const __m256 one = _mm256_set1_ps(1.0f);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), v));
        _mm256_storeu_ps(x + i, _mm256_div_ps(v, _mm256_add_ps(one, e)));
    }
    for (; i < count; i++) x[i] = x[i] / (1 + expf(-x[i]));
}

/// As rows512 in KernelsAVX512.c with 8-lane vectors: R (<= 4) query rows, NV (1...4)
/// vectors per value row, the last one masked by `vlast`.
INLINE256 int rows256(const float *q, long ldq, const int R, const float *kt, long ldkt,
    long keys, const float *v, long ldv, const int NV, long hd, __m256i vlast, float scale,
    float *out, long ldo, float *s)
{
    const long vectors = ldkt / 8;
    const __m256 minusInf = _mm256_set1_ps(-INFINITY), sc = _mm256_set1_ps(scale);
    __m256 mx[4], chk[4];
    for (int r = 0; r < R; r++) { mx[r] = minusInf; chk[r] = _mm256_setzero_ps(); }
    for (long jv = 0; jv < vectors; jv++) {
        __m256 acc[4];
        for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
        for (long d = 0; d < hd; d++) {
            __m256 kv = _mm256_loadu_ps(kt + d * ldkt + 8 * jv);
            for (int r = 0; r < R; r++)
                acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(q + r * ldq + d), kv, acc[r]);
        }
        const int partial = 8 * jv + 8 > keys;
        const __m256 valid = _mm256_castsi256_ps(lanes256(keys - 8 * jv));
        for (int r = 0; r < R; r++) {
            __m256 a = _mm256_mul_ps(acc[r], sc);
            __m256 kept = a;
            if (partial) {
                a = _mm256_blendv_ps(minusInf, a, valid);
                kept = _mm256_and_ps(kept, valid);
            }
            _mm256_storeu_ps(s + r * ldkt + 8 * jv, a);
            mx[r] = _mm256_max_ps(mx[r], a);
            chk[r] = _mm256_add_ps(chk[r], kept);
        }
    }
    float inv[4];
    for (int r = 0; r < R; r++) {
        float m = hmax256(mx[r]), c = hsum256(chk[r]);
        if (!isfinite(m) || !isfinite(c)) return 1;
        const __m256 shift = _mm256_set1_ps(m);
        __m256 sum = _mm256_setzero_ps();
        float *row = s + r * ldkt;
        for (long jv = 0; jv < vectors; jv++) {
            __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(row + 8 * jv), shift));
            _mm256_storeu_ps(row + 8 * jv, e);
            sum = _mm256_add_ps(sum, e);
        }
        inv[r] = 1.0f / hsum256(sum);
    }
    __m256 o[4][4];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < NV; c++) o[r][c] = _mm256_setzero_ps();
    for (long j = 0; j < keys; j++) {
        const float *vr = v + j * ldv;
        __m256 vv[4];
        for (int c = 0; c < NV - 1; c++) vv[c] = _mm256_loadu_ps(vr + 8 * c);
        vv[NV - 1] = _mm256_maskload_ps(vr + 8 * (NV - 1), vlast);
        for (int r = 0; r < R; r++) {
            __m256 p = _mm256_broadcast_ss(s + r * ldkt + j);
            for (int c = 0; c < NV; c++) o[r][c] = _mm256_fmadd_ps(p, vv[c], o[r][c]);
        }
    }
    for (int r = 0; r < R; r++) {
        const __m256 iv = _mm256_set1_ps(inv[r]);
        float *dst = out + r * ldo;
        for (int c = 0; c < NV - 1; c++) _mm256_storeu_ps(dst + 8 * c, _mm256_mul_ps(o[r][c], iv));
        _mm256_maskstore_ps(dst + 8 * (NV - 1), vlast, _mm256_mul_ps(o[r][NV - 1], iv));
    }
    return 0;
}

#define TK_ROWS256(NV)                                                                        \
    do {                                                                                      \
        const __m256i vlast = lanes256(hd - 8 * ((NV) - 1));                                 \
        for (; i + 4 <= queries; i += 4)                                                      \
            if (rows256(q + i * ldq, ldq, 4, kt, ldkt, keys, v, ldv, (NV), hd, vlast, scale,  \
                    out + i * ldo, ldo, s)) return 1;                                         \
        for (; i < queries; i++)                                                              \
            if (rows256(q + i * ldq, ldq, 1, kt, ldkt, keys, v, ldv, (NV), hd, vlast, scale,  \
                    out + i * ldo, ldo, s)) return 1;                                         \
    } while (0)

K256 int tk_attention_head_avx2(const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, long hd,
    float scale, float *scratch)
{
    const long ldkt = tk_packed_keys(keys);
    float *kt = scratch, *s = scratch + hd * ldkt;
    tk_pack_transposed(k, ldk, keys, hd, kt, ldkt);
    long i = 0;
    switch ((hd + 7) / 8) {
    case 1: TK_ROWS256(1); break;
    case 2: TK_ROWS256(2); break;
    case 3: TK_ROWS256(3); break;
    default: TK_ROWS256(4); break;
    }
    return 0;
}
#endif
