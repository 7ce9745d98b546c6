// AVX-512F kernels (16 lanes, masked tails). Compiled for AVX-512 per function only; called
// through Dispatch.c when tk_cpu_level() == 2.
#if defined(__x86_64__)
#include "Internal.h"
#include <immintrin.h>
#include <math.h>

#define K512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE512 static inline __attribute__((always_inline, target("avx512f,avx2,fma")))

/// e^x per lane: Cephes range reduction + degree-6 polynomial (the coefficients of
/// Sources/Tensor/VectorExp.swift), 2^n by VSCALEFPS; 0 below -87.3, clamped above 88.3.
INLINE512 __m512 exp512(__m512 x) {
    const __m512 lo = _mm512_set1_ps(-87.3f);
    __m512 v = _mm512_min_ps(_mm512_max_ps(x, lo), _mm512_set1_ps(88.3f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(v, _mm512_set1_ps(1.44269504f)),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), v);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.98756915e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.39819995e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.16657959e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.66666655e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001e-1f));
    __m512 y = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    y = _mm512_scalef_ps(y, n);
    __mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
    return _mm512_mask_mov_ps(y, under, _mm512_setzero_ps());
}

INLINE512 __mmask16 lanes512(long count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1u);
}

K512 void tk_softmax_rows_avx512(float *x, long rows, long columns, long stride) {
    if (columns <= 0) return;
    const long full = columns / 16;
    const __mmask16 tail = lanes512(columns % 16);
    for (long r = 0; r < rows; r++) {
        float *row = x + r * stride;
        __m512 mx = _mm512_set1_ps(-INFINITY), chk = _mm512_setzero_ps();
        for (long j = 0; j < full; j++) {
            __m512 v = _mm512_loadu_ps(row + 16 * j);
            mx = _mm512_max_ps(mx, v);
            chk = _mm512_add_ps(chk, v);
        }
        if (tail) {
            __m512 v = _mm512_maskz_loadu_ps(tail, row + 16 * full);
            mx = _mm512_mask_max_ps(mx, tail, mx, v);
            chk = _mm512_add_ps(chk, v);
        }
        float m = _mm512_reduce_max_ps(mx), c = _mm512_reduce_add_ps(chk);
        // c is NaN or infinite when the row holds NaN or ±inf.
        if (!isfinite(m) || !isfinite(c)) { tk_softmax_row_plain(row, columns); continue; }
        const __m512 shift = _mm512_set1_ps(m);
        __m512 sum = _mm512_setzero_ps();
        for (long j = 0; j < full; j++) {
            __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(row + 16 * j), shift));
            _mm512_storeu_ps(row + 16 * j, e);
            sum = _mm512_add_ps(sum, e);
        }
        if (tail) {
            __m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, row + 16 * full), shift));
            _mm512_mask_storeu_ps(row + 16 * full, tail, e);
            sum = _mm512_mask_add_ps(sum, tail, sum, e);
        }
        const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
        for (long j = 0; j < full; j++)
            _mm512_storeu_ps(row + 16 * j, _mm512_mul_ps(_mm512_loadu_ps(row + 16 * j), inv));
        if (tail)
            _mm512_mask_storeu_ps(row + 16 * full, tail,
                _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, row + 16 * full), inv));
    }
}

K512 void tk_silu_avx512(float *x, long count) {
    const __m512 one = _mm512_set1_ps(1.0f);
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), v));
        _mm512_storeu_ps(x + i, _mm512_div_ps(v, _mm512_add_ps(one, e)));
    }
    if (i < count) {
        __mmask16 m = lanes512(count - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), v));
        _mm512_mask_storeu_ps(x + i, m, _mm512_div_ps(v, _mm512_add_ps(one, e)));
    }
}

/// R query rows (R <= 4) of one head whose rows hold NV (1 or 2) vectors of 16 values, the
/// last one `vlast` lanes: scores against the packed keys kt ([hd][ldkt]) into s ([R][ldkt]),
/// softmax, then the weighted sum of the value rows. Returns 1 on a non-finite score row.
INLINE512 int rows512(const float *q, long ldq, const int R, const float *kt, long ldkt,
    long keys, const float *v, long ldv, const int NV, long hd, __mmask16 vlast, float scale,
    float *out, long ldo, float *s)
{
    const long vectors = ldkt / 16;
    const __mmask16 klast = lanes512(keys - 16 * (vectors - 1));
    const __m512 minusInf = _mm512_set1_ps(-INFINITY), sc = _mm512_set1_ps(scale);
    __m512 mx[4], chk[4];
    for (int r = 0; r < R; r++) { mx[r] = minusInf; chk[r] = _mm512_setzero_ps(); }
    for (long jv = 0; jv < vectors; jv++) {
        __m512 acc[4];
        for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
        for (long d = 0; d < hd; d++) {
            __m512 kv = _mm512_loadu_ps(kt + d * ldkt + 16 * jv);
            for (int r = 0; r < R; r++)
                acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r * ldq + d]), kv, acc[r]);
        }
        __mmask16 valid = jv == vectors - 1 ? klast : (__mmask16)0xFFFF;
        for (int r = 0; r < R; r++) {
            __m512 a = _mm512_mask_mov_ps(minusInf, valid, _mm512_mul_ps(acc[r], sc));
            _mm512_storeu_ps(s + r * ldkt + 16 * jv, a);
            mx[r] = _mm512_max_ps(mx[r], a);
            chk[r] = _mm512_mask_add_ps(chk[r], valid, chk[r], a);
        }
    }
    float inv[4];
    for (int r = 0; r < R; r++) {
        float m = _mm512_reduce_max_ps(mx[r]), c = _mm512_reduce_add_ps(chk[r]);
        if (!isfinite(m) || !isfinite(c)) return 1;
        const __m512 shift = _mm512_set1_ps(m);
        __m512 sum = _mm512_setzero_ps();
        float *row = s + r * ldkt;
        for (long jv = 0; jv < vectors; jv++) {
            __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(row + 16 * jv), shift));
            _mm512_storeu_ps(row + 16 * jv, e);
            sum = _mm512_add_ps(sum, e);
        }
        inv[r] = 1.0f / _mm512_reduce_add_ps(sum);
    }
    __m512 o0[4], o1[4];
    for (int r = 0; r < R; r++) { o0[r] = _mm512_setzero_ps(); o1[r] = _mm512_setzero_ps(); }
    for (long j = 0; j < keys; j++) {
        const float *vr = v + j * ldv;
        __m512 v0, v1 = _mm512_setzero_ps();
        if (NV == 1) {
            v0 = _mm512_maskz_loadu_ps(vlast, vr);
        } else {
            v0 = _mm512_loadu_ps(vr);
            v1 = _mm512_maskz_loadu_ps(vlast, vr + 16);
        }
        for (int r = 0; r < R; r++) {
            __m512 p = _mm512_set1_ps(s[r * ldkt + j]);
            o0[r] = _mm512_fmadd_ps(p, v0, o0[r]);
            if (NV == 2) o1[r] = _mm512_fmadd_ps(p, v1, o1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        const __m512 iv = _mm512_set1_ps(inv[r]);
        float *dst = out + r * ldo;
        if (NV == 1) {
            _mm512_mask_storeu_ps(dst, vlast, _mm512_mul_ps(o0[r], iv));
        } else {
            _mm512_storeu_ps(dst, _mm512_mul_ps(o0[r], iv));
            _mm512_mask_storeu_ps(dst + 16, vlast, _mm512_mul_ps(o1[r], iv));
        }
    }
    return 0;
}

K512 int tk_attention_head_avx512(const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, long hd,
    float scale, float *scratch)
{
    const long ldkt = tk_packed_keys(keys);
    float *kt = scratch, *s = scratch + hd * ldkt;
    tk_pack_transposed(k, ldk, keys, hd, kt, ldkt);
    long i = 0;
    if (hd <= 16) {
        const __mmask16 vlast = lanes512(hd);
        for (; i + 4 <= queries; i += 4)
            if (rows512(q + i * ldq, ldq, 4, kt, ldkt, keys, v, ldv, 1, hd, vlast, scale,
                    out + i * ldo, ldo, s)) return 1;
        for (; i < queries; i++)
            if (rows512(q + i * ldq, ldq, 1, kt, ldkt, keys, v, ldv, 1, hd, vlast, scale,
                    out + i * ldo, ldo, s)) return 1;
    } else {
        const __mmask16 vlast = lanes512(hd - 16);
        for (; i + 4 <= queries; i += 4)
            if (rows512(q + i * ldq, ldq, 4, kt, ldkt, keys, v, ldv, 2, hd, vlast, scale,
                    out + i * ldo, ldo, s)) return 1;
        for (; i < queries; i++)
            if (rows512(q + i * ldq, ldq, 1, kt, ldkt, keys, v, ldv, 2, hd, vlast, scale,
                    out + i * ldo, ldo, s)) return 1;
    }
    return 0;
}
#endif
