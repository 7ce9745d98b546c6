// AVX-512F kernels (16 lanes, masked tails). Compiled for AVX-512 per function only; called
// through Dispatch.c when tk_cpu_level() == 2.
#if defined(__x86_64__)
#include "Internal.h"
#include "Exp512.h"
#include <immintrin.h>
#include <math.h>

#define K512 __attribute__((target("avx512f,avx2,fma")))

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

/// Sixteen queries at once, one per lane (the transposed form, for a head dim HD known at
/// compile time): scale·qᵀ (gathered) stays in HD registers; for each key j the scores of all
/// 16 queries are HD broadcast FMAs, the softmax maximum and sum are lane-wise (no horizontal
/// reductions), and out[:, d] for the 16 queries is HD accumulators fed by one broadcast of
/// v[j, d] each, scattered to the output rows at the end. k and v are packed [keys][HD];
/// `st` holds [keys][16] scores. `valid` queries (<= 16) are read and written. Returns 1 on a
/// non-finite score.
INLINE512 int block16(const float *q, long ldq, long valid, const float *k, const float *v,
    long keys, const int HD, float scale, float *out, long ldo, float *st)
{
    const __mmask16 lanes = lanes512(valid);
    const __m512i rowsQ = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32((int)ldq));
    const __m512i rowsOut = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32((int)ldo));
    const __m512 sc = _mm512_set1_ps(scale), zero = _mm512_setzero_ps();
    __m512 qt[32];
    for (int d = 0; d < HD; d++)
        qt[d] = _mm512_mul_ps(_mm512_mask_i32gather_ps(zero, lanes, rowsQ, q + d, 4), sc);
    __m512 mx = _mm512_set1_ps(-INFINITY), chk = zero;
    long j = 0;
    // Eight keys at a time: eight independent FMA chains hide the FMA latency.
    for (; j + 8 <= keys; j += 8) {
        const float *k0 = k + j * HD;
        __m512 a[8];
        for (int u = 0; u < 8; u++) a[u] = zero;
#pragma clang loop unroll(full)
        for (int d = 0; d < HD; d++)
            for (int u = 0; u < 8; u++)
                a[u] = _mm512_fmadd_ps(_mm512_set1_ps(k0[u * HD + d]), qt[d], a[u]);
        for (int u = 0; u < 8; u++) {
            _mm512_storeu_ps(st + 16 * (j + u), a[u]);
            mx = _mm512_max_ps(mx, a[u]);
            chk = _mm512_add_ps(chk, a[u]);
        }
    }
    for (; j < keys; j++) {
        __m512 a = zero;
        for (int d = 0; d < HD; d++) a = _mm512_fmadd_ps(_mm512_set1_ps(k[j * HD + d]), qt[d], a);
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
        __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(st + 16 * j), mx));
        _mm512_storeu_ps(st + 16 * j, e);
        sum = _mm512_add_ps(sum, e);
    }
    const __m512 inv = _mm512_div_ps(_mm512_set1_ps(1.0f), sum);
    __m512 o[32];
    for (int d = 0; d < HD; d++) o[d] = zero;
    for (j = 0; j < keys; j++) {
        const __m512 p = _mm512_loadu_ps(st + 16 * j);
        const float *vr = v + j * HD;
        for (int d = 0; d < HD; d++) o[d] = _mm512_fmadd_ps(_mm512_set1_ps(vr[d]), p, o[d]);
    }
    for (int d = 0; d < HD; d++)
        _mm512_mask_i32scatter_ps(out + d, lanes, rowsOut, _mm512_mul_ps(o[d], inv), 4);
    return 0;
}

/// The transposed kernel over all queries for head dim HD (16 or 18); `scratch` holds
/// [keys][16] scores, then the packed keys and values ([keys][HD] each).
INLINE512 int transposed512(const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, const int HD,
    float scale, float *scratch)
{
    float *st = scratch;
    // The head's keys and values packed densely ([keys][HD] each): every 16-query block reads
    // them again, from L1 instead of strided rows of a wide q|k|v matrix.
    float *kp = st + 16 * keys, *vp = kp + keys * HD;
    const __mmask16 rest = lanes512(HD - 16);
    for (long j = 0; j < keys; j++) {
        _mm512_storeu_ps(kp + j * HD, _mm512_loadu_ps(k + j * ldk));
        _mm512_storeu_ps(vp + j * HD, _mm512_loadu_ps(v + j * ldv));
        if (HD > 16) {
            _mm512_mask_storeu_ps(kp + j * HD + 16, rest,
                _mm512_maskz_loadu_ps(rest, k + j * ldk + 16));
            _mm512_mask_storeu_ps(vp + j * HD + 16, rest,
                _mm512_maskz_loadu_ps(rest, v + j * ldv + 16));
        }
    }
    for (long i = 0; i < queries; i += 16) {
        long valid = queries - i < 16 ? queries - i : 16;
        if (block16(q + i * ldq, ldq, valid, kp, vp, keys, HD, scale, out + i * ldo, ldo, st))
            return 1;
    }
    return 0;
}

K512 int tk_attention_head_avx512(const float *q, long ldq, const float *k, long ldk,
    const float *v, long ldv, float *out, long ldo, long queries, long keys, long hd,
    float scale, float *scratch)
{
    // The transposed form for the MoE-MAE head dims (16: XS, 18: S and XXS).
    if (hd == 18)
        return transposed512(q, ldq, k, ldk, v, ldv, out, ldo, queries, keys, 18, scale,
            scratch);
    if (hd == 16)
        return transposed512(q, ldq, k, ldk, v, ldv, out, ldo, queries, keys, 16, scale,
            scratch);
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
