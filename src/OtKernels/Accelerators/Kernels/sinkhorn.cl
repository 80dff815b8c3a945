/* Batched log-domain Sinkhorn, forward and reverse, one work-group per problem.
   The CPU reference is Entropic/Sinkhorn.cs (forward), Sinkhorn.Symmetric.cs (the
   self-terms of the divergence) and OtKernels.Autodiff/Entropic/Sinkhorn.Backward*.cs
   (reverse); each kernel here follows those loops step for step, in float.

   Potentials are kept in cost units; each soft-min works in base 2:
       out_o = -eps ln2 (M + log2 sum_i 2^(h_i - C(o, i) log2e / eps)),
       h_i = (potential_i / eps + log w_i) log2e,
   one exp2 per entry, streamed with a running maximum M (the online log-sum-exp of
   Milakov and Gimelshein 2018) so that nothing of size n x m is stored. Point-cloud costs
   |x_i - y_j|^2 are recomputed on the fly from points held in local memory; a dense
   shared cost is read from global memory (C for the g update, C^T for the f update, so
   that neighbouring work-items read neighbouring addresses). DIM, the point dimension,
   is a compile-time constant so that coordinate loops unroll. */
#ifndef DIM
#define DIM 1
#endif

#define STATUS_CONVERGED 0.0f
#define STATUS_MAX_ITERATIONS 1.0f
#define STATUS_DIVERGED 2.0f
#define STATS 4 /* per problem: value, marginal error, iterations, status */

DEVICE float squared_distance(LOCAL const float* p, LOCAL const float* q)
{
    float c = 0.0f;
    for (int k = 0; k < DIM; k++) { float t = p[k] - q[k]; c += t * t; }
    return c;
}

/* The cost between output index o and input index i (see the file header). */
DEVICE float cost_at(int o, int i, LOCAL const float* P, LOCAL const float* Q, GLOBAL const float* cost, int stride)
{
    return cost ? cost[(long)i * stride + o] : squared_distance(P + o * DIM, Q + i * DIM);
}

/* out[o] for o < outCount, each work-item a strided set of outputs; h in log2 units over
   inCount inputs, -inf for zero weights (skipped: they carry no mass). */
DEVICE void soft_min(LOCAL float* out, int outCount, LOCAL const float* h, int inCount,
    LOCAL const float* P, LOCAL const float* Q, GLOBAL const float* cost, int stride, float eps)
{
    float scale = LOG2E / eps;
    for (int o = LOCAL_ID(); o < outCount; o += LOCAL_SIZE())
    {
        float mx = NEG_INF, s = 0.0f;
        for (int i = 0; i < inCount; i++)
        {
            float hi = h[i];
            if (hi == NEG_INF) continue;
            float v = hi - cost_at(o, i, P, Q, cost, stride) * scale;
            if (v > mx) { s = s * EXP2(mx - v) + 1.0f; mx = v; }
            else s += EXP2(v - mx);
        }
        out[o] = -eps * LN2 * (mx + LOG2(s));
    }
}

/* h_i = (p_i / eps + logw_i) log2e, then a barrier. */
DEVICE void log2_weights(LOCAL float* h, LOCAL const float* p, LOCAL const float* logw, int count, float eps)
{
    for (int i = LOCAL_ID(); i < count; i += LOCAL_SIZE()) h[i] = (p[i] / eps + logw[i]) * LOG2E;
    BARRIER();
}

/* to = from + w (update - from) (the over-relaxed step of Sinkhorn.Relax), to = update
   exactly when w = 1 or where from is not finite; then a barrier. to may be from. */
DEVICE void advance(LOCAL float* to, LOCAL const float* from, LOCAL const float* update, int count, float w)
{
    for (int i = LOCAL_ID(); i < count; i += LOCAL_SIZE())
    {
        float old = from[i];
        to[i] = (w != 1.0f && old - old == 0.0f) ? old + w * (update[i] - old) : update[i];
    }
    BARRIER();
}

DEVICE void load_points(LOCAL float* to, GLOBAL const float* from, int count)
{
    for (int i = LOCAL_ID(); i < count * DIM; i += LOCAL_SIZE()) to[i] = from[i];
}

/* log w into local memory, -inf for zero weights; returns sum w over the group. */
DEVICE float load_log_weights(LOCAL float* logw, GLOBAL const float* w, int count, LOCAL float* red)
{
    float mass = 0.0f;
    for (int i = LOCAL_ID(); i < count; i += LOCAL_SIZE())
    {
        float wi = w[i];
        logw[i] = wi > 0.0f ? LOG(wi) : NEG_INF;
        mass += wi;
    }
    return group_sum(mass, red);
}

/* max |C| over all pairs, where epsilon scaling starts (GroundCost.MaxCost). */
DEVICE float max_cost(int n, int m, LOCAL const float* X, LOCAL const float* Y, GLOBAL const float* cost, LOCAL float* red)
{
    float mx = 0.0f;
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE())
        for (int i = 0; i < n; i++) mx = FMAX(mx, FABS(cost_at(j, i, Y, X, cost, m)));
    return group_max(mx, red);
}

/* sum_i a_i |1 - exp((f_i - fNext_i) / eps)| over a_i > 0 (Sinkhorn.RowMarginalError). */
DEVICE float row_marginal_error(LOCAL const float* logA, LOCAL const float* f, LOCAL const float* fNext, int n, float eps, LOCAL float* red)
{
    float e = 0.0f;
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE())
        if (logA[i] != NEG_INF) e += EXP(logA[i]) * FABS(1.0f - EXP2((f[i] - fNext[i]) / eps * LOG2E));
    return group_sum(e, red);
}

DEVICE float weighted_sum(LOCAL const float* logw, LOCAL const float* p, int count, LOCAL float* red)
{
    float s = 0.0f;
    for (int i = LOCAL_ID(); i < count; i += LOCAL_SIZE())
        if (logw[i] != NEG_INF) s += EXP(logw[i]) * p[i];
    return group_sum(s, red);
}

/* One problem: a [n], b [m] in global memory; points X [n, DIM], Y [m, DIM] in local
   memory, or a dense cost (C [n, m] and C^T [m, n]) in global memory; work holds the
   floats SinkhornKernels.SolveWork counts (keep the two in step). Writes f, g (unless
   symmetric), stats and, if tape is not null, (f_t, g_t) after every iteration t.
   Plain mode is Sinkhorn.SolveOne: f = softmin(g), g = softmin(f), over-relaxed by omega
   except before a check. Symmetric mode (Y = X, b = a) is Sinkhorn.SolveSymmetric, the
   averaged update f = (f + softmin(f)) / 2 of the divergence's self-terms.
   Control flow is uniform and every barrier is unconditional: the loop commits an
   iteration by swapping double buffers instead of branching around its second half, and
   quantities needed only some iterations (the marginal error) are computed on all of
   them. Conditional barriers, though legal for uniform conditions, make PoCL's
   work-group compiler replicate code exponentially. */
DEVICE void solve(LOCAL const float* X, LOCAL const float* Y, GLOBAL const float* cost, GLOBAL const float* costT,
    GLOBAL const float* a, GLOBAL const float* b, int n, int m, int symmetric,
    float eps, float scaling, int maxIterations, float tolerance, int checkEvery, int unrolled, float omega,
    GLOBAL float* fOut, GLOBAL float* gOut, GLOBAL float* stats, GLOBAL float* tape, LOCAL float* work)
{
    LOCAL float* f = work;
    LOCAL float* fNew = f + n;
    LOCAL float* fNext = fNew + n;
    LOCAL float* logA = fNext + n;
    LOCAL float* g = logA + n;
    LOCAL float* gNew = g + m;
    LOCAL float* gNext = gNew + m;
    LOCAL float* logB = gNext + m;
    LOCAL float* h = logB + m;
    LOCAL float* red = h + (n > m ? n : m);
    float mass = load_log_weights(logA, a, n, red);
    load_log_weights(logB, b, m, red);
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE()) f[i] = 0.0f;
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE()) { g[j] = 0.0f; gNext[j] = 0.0f; }
    BARRIER();
    /* The f update's input: g and b, or in symmetric mode f and a over the same points. */
    int inner = symmetric ? n : m, gCount = symmetric ? 0 : m;
    LOCAL const float* Q = symmetric ? X : Y;
    LOCAL const float* logQ = symmetric ? logA : logB;
    float stageStep = symmetric ? 0.5f : 1.0f;

    int consistent = symmetric; /* does g equal softmin(f)? (always true of a self-term's check) */
    float start = max_cost(n, inner, X, Q, cost, red);
    for (float e = start; scaling > 0.0f && e > eps; e *= scaling)
    {
        log2_weights(h, symmetric ? f : g, logQ, inner, e);
        soft_min(fNext, n, h, inner, X, Q, costT, n, e);
        BARRIER();
        advance(f, f, fNext, n, stageStep);
        log2_weights(h, f, logA, n, e);
        soft_min(g, gCount, h, n, Y, X, cost, m, e);
        BARRIER();
        consistent = 1;
    }

    float error = OTK_NAN, status = STATUS_MAX_ITERATIONS;
    int iteration = 0, done = 0;
    while (!done)
    {
        log2_weights(h, symmetric ? f : g, logQ, inner, eps);
        soft_min(fNext, n, h, inner, X, Q, costT, n, eps);
        BARRIER();
        float e = row_marginal_error(logA, f, fNext, n, eps, red);
        if (consistent && (iteration == maxIterations || iteration % checkEvery == 0))
        {
            error = e;
            if (!(e <= 3.0e38f)) { status = STATUS_DIVERGED; done = 1; }
            else if ((!unrolled || iteration == maxIterations) && e <= tolerance * mass) { status = STATUS_CONVERGED; done = 1; }
        }
        done = done || iteration == maxIterations;
        /* Over-relaxed steps, except before a check (see Sinkhorn.SolveOne). */
        int relaxed = !symmetric && omega != 1.0f && !unrolled && (iteration + 1) % checkEvery != 0 && iteration + 1 != maxIterations;
        float w = symmetric ? 0.5f : relaxed ? omega : 1.0f;
        advance(fNew, f, fNext, n, w);
        log2_weights(h, fNew, logA, n, eps);
        soft_min(gNext, gCount, h, n, Y, X, cost, m, eps);
        BARRIER();
        advance(gNew, g, gNext, gCount, w);
        if (!done)
        {
            LOCAL float* t = f; f = fNew; fNew = t;
            t = g; g = gNew; gNew = t;
            if (tape)
            {
                GLOBAL float* taped = tape + (long)iteration * (n + m);
                for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE()) taped[i] = f[i];
                for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE()) taped[n + j] = g[j];
            }
            consistent = !relaxed;
            iteration++;
        }
    }

    float sumA = weighted_sum(logA, f, n, red), sumB = weighted_sum(logB, g, m, red);
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE()) fOut[i] = f[i];
    if (!symmetric) for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE()) gOut[j] = g[j];
    if (LOCAL_ID() == 0)
    {
        stats[0] = symmetric ? 2.0f * sumA : sumA + sumB;
        stats[1] = error; stats[2] = (float)iteration; stats[3] = status;
    }
}

/* Point clouds x [B, n, DIM], y [B, m, DIM], weights a [B, n], b [B, m] (b at a's mass). */
KERNEL void sinkhorn_clouds(GLOBAL const float* x, GLOBAL const float* y, GLOBAL const float* a, GLOBAL const float* b,
    int n, int m, float eps, float scaling, int maxIterations, float tolerance, int checkEvery, int unrolled, float omega,
    GLOBAL float* f, GLOBAL float* g, GLOBAL float* stats, GLOBAL float* tape LOCAL_SCRATCH_PARAM)
{
    LOCAL_SCRATCH_DECL
    long k = GROUP_ID();
    LOCAL float* X = scratch;
    LOCAL float* Y = X + n * DIM;
    load_points(X, x + k * n * DIM, n);
    load_points(Y, y + k * m * DIM, m);
    BARRIER();
    solve(X, Y, 0, 0, a + k * n, b + k * m, n, m, 0, eps, scaling, maxIterations, tolerance, checkEvery, unrolled, omega,
        f + k * n, g + k * m, stats + k * STATS, tape ? tape + k * (long)maxIterations * (n + m) : 0, Y + m * DIM);
}

/* Sinkhorn divergences S = OT(a, b) - OT(a, a)/2 - OT(b, b)/2: work-group 3k + t solves
   pair k's term t (0 cross, 1 source self-term, 2 target self-term); stats [B, 3, STATS]. */
KERNEL void sinkhorn_divergence_clouds(GLOBAL const float* x, GLOBAL const float* y, GLOBAL const float* a, GLOBAL const float* b,
    int n, int m, float eps, float scaling, int maxIterations, float tolerance, int checkEvery, float omega,
    GLOBAL float* f, GLOBAL float* g, GLOBAL float* fSelfA, GLOBAL float* fSelfB, GLOBAL float* stats LOCAL_SCRATCH_PARAM)
{
    LOCAL_SCRATCH_DECL
    long k = GROUP_ID() / 3;
    int term = (int)(GROUP_ID() % 3);
    /* Term 0 solves (x, y, a, b); term 1 the symmetric (x, x, a, a); term 2 (y, y, b, b). */
    int rows = term == 2 ? m : n, cols = term == 0 ? m : rows;
    GLOBAL const float* source = term == 2 ? y + k * m * DIM : x + k * n * DIM;
    GLOBAL const float* wRows = term == 2 ? b + k * m : a + k * n;
    LOCAL float* X = scratch;
    LOCAL float* Y = term == 0 ? X + n * DIM : X;
    load_points(X, source, rows);
    if (term == 0) load_points(Y, y + k * m * DIM, m);
    BARRIER();
    GLOBAL float* fOut = term == 0 ? f + k * n : term == 1 ? fSelfA + k * n : fSelfB + k * m;
    solve(X, Y, 0, 0, wRows, term == 0 ? b + k * m : wRows, rows, cols, term != 0, eps, scaling, maxIterations, tolerance, checkEvery, 0, omega,
        fOut, g + k * m, stats + (3 * k + term) * STATS, 0, Y + cols * DIM);
}

/* Histograms on one support with a shared dense cost C [n, m] (and C^T [m, n]): problem k
   is a + k aStride (aStride 0: one source against many targets) against b [k]. */
KERNEL void sinkhorn_dense(GLOBAL const float* cost, GLOBAL const float* costT,
    GLOBAL const float* a, int aStride, GLOBAL const float* b,
    int n, int m, float eps, float scaling, int maxIterations, float tolerance, int checkEvery, int unrolled, float omega,
    GLOBAL float* f, GLOBAL float* g, GLOBAL float* stats, GLOBAL float* tape LOCAL_SCRATCH_PARAM)
{
    LOCAL_SCRATCH_DECL
    long k = GROUP_ID();
    solve(scratch, scratch, cost, costT, a + k * aStride, b + k * m, n, m, 0, eps, scaling, maxIterations, tolerance, checkEvery,
        unrolled, omega, f + k * n, g + k * m, stats + k * STATS, tape ? tape + k * (long)maxIterations * (n + m) : 0, scratch);
}

/* ---- Reverse passes ------------------------------------------------------------------ */

/* The position gradient of one point o of either side at convergence: with P_oj the plan
   between o and the other side's points q_j, dV/dp_o = 2 go (p_o sum_j P_oj - sum_j P_oj q_j)
   (the same form for x and y, since dC/dx = -dC/dy). h are the log2 scaled potentials plus
   log-weights of each side, so P_oj = 2^(hOwn_o + hOther_j - C log2e / eps). */
DEVICE void envelope_position_gradient(int o, LOCAL const float* hOwn, LOCAL const float* hOther, int otherCount,
    LOCAL const float* P, LOCAL const float* Q, float scale, float go, GLOBAL float* out)
{
    float mass = 0.0f, moment[DIM];
    for (int c = 0; c < DIM; c++) moment[c] = 0.0f;
    if (hOwn[o] != NEG_INF)
        for (int j = 0; j < otherCount; j++)
        {
            float p = EXP2(hOwn[o] + hOther[j] - squared_distance(P + o * DIM, Q + j * DIM) * scale);
            mass += p;
            for (int c = 0; c < DIM; c++) moment[c] += p * Q[j * DIM + c];
        }
    for (int c = 0; c < DIM; c++) out[c] = 2.0f * go * (P[o * DIM + c] * mass - moment[c]);
}

/* At convergence (envelope theorem; Sinkhorn.Backward.cs): for upstream gradients
   gradOut [B] of the values, dV/da = f - mean f, dV/db = g - mean g,
   dV/dx_i = 2 sum_j P_ij (x_i - y_j), dV/dy_j = -2 sum_i P_ij (x_i - y_j),
   P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps). Problems k with gradOut[k] = 0 still write
   zeros. */
KERNEL void sinkhorn_clouds_backward(GLOBAL const float* x, GLOBAL const float* y, GLOBAL const float* a, GLOBAL const float* b,
    GLOBAL const float* f, GLOBAL const float* g, int n, int m, float eps, GLOBAL const float* gradOut,
    GLOBAL float* gradA, GLOBAL float* gradB, GLOBAL float* gradX, GLOBAL float* gradY LOCAL_SCRATCH_PARAM)
{
    LOCAL_SCRATCH_DECL
    long k = GROUP_ID();
    float go = gradOut[k], scale = LOG2E / eps;
    LOCAL float* X = scratch;
    LOCAL float* Y = X + n * DIM;
    LOCAL float* hA = Y + m * DIM;
    LOCAL float* hB = hA + n;
    LOCAL float* red = hB + m;
    load_points(X, x + k * n * DIM, n);
    load_points(Y, y + k * m * DIM, m);
    float meanF = 0.0f, meanG = 0.0f;
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE())
    {
        float ai = a[k * n + i], fi = f[k * n + i];
        hA[i] = ai > 0.0f ? (fi / eps + LOG(ai)) * LOG2E : NEG_INF;
        meanF += fi;
    }
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE())
    {
        float bj = b[k * m + j], gj = g[k * m + j];
        hB[j] = bj > 0.0f ? (gj / eps + LOG(bj)) * LOG2E : NEG_INF;
        meanG += gj;
    }
    meanF = group_sum(meanF, red) / n;
    meanG = group_sum(meanG, red) / m;
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE())
    {
        gradA[k * n + i] = go * (f[k * n + i] - meanF);
        envelope_position_gradient(i, hA, hB, m, X, Y, scale, go, gradX + (k * n + i) * DIM);
    }
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE())
    {
        gradB[k * m + j] = go * (g[k * m + j] - meanG);
        envelope_position_gradient(j, hB, hA, n, Y, X, scale, go, gradY + (k * m + j) * DIM);
    }
}

/* The exact gradient of L unrolled iterations (Sinkhorn.Backward.Unrolled.cs), sweeping
   the taped iterates t = L-1 .. 0 of tape [B, L, n + m]; steps per problem from the
   forward's stats. With E_ij = exp((f_i + g_j - C_ij)/eps) of step t and E'_ij the same
   with g_{t-1}: the g update gives f-bar_i -= a_i sum_j E_ij g-bar_j and a-bar_i -= eps of
   that sum; the f update gives g-bar_{t-1, j} = -b_j sum_i E'_ij f-bar_i and b-bar_j -= eps
   of that sum; positions collect both terms' dC/dx = 2 (x_i - y_j). */
KERNEL void sinkhorn_clouds_backward_unrolled(GLOBAL const float* x, GLOBAL const float* y, GLOBAL const float* a, GLOBAL const float* b,
    GLOBAL const float* tape, GLOBAL const float* stats, int maxIterations, int n, int m, float eps, GLOBAL const float* gradOut,
    GLOBAL float* gradA, GLOBAL float* gradB, GLOBAL float* gradX, GLOBAL float* gradY LOCAL_SCRATCH_PARAM)
{
    LOCAL_SCRATCH_DECL
    long k = GROUP_ID();
    int steps = (int)stats[k * STATS + 2];
    float go = gradOut[k], scale = LOG2E / eps;
    GLOBAL const float* taped = tape + k * (long)maxIterations * (n + m);
    LOCAL float* X = scratch;
    LOCAL float* Y = X + n * DIM;
    LOCAL float* A = Y + m * DIM;
    LOCAL float* B = A + n;
    LOCAL float* F = B + m;         /* f_t */
    LOCAL float* G = F + n;         /* g_t */
    LOCAL float* GB = G + m;        /* g_{t-1} */
    LOCAL float* fBar = GB + m;
    LOCAL float* gBar = fBar + n;
    LOCAL float* gBarPrev = gBar + m;
    LOCAL float* dA = gBarPrev + m;
    LOCAL float* dB = dA + n;
    LOCAL float* red = dB + m;
    load_points(X, x + k * n * DIM, n);
    load_points(Y, y + k * m * DIM, m);
    GLOBAL const float* last = taped + (long)(steps - 1) * (n + m);
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE())
    {
        A[i] = a[k * n + i];
        fBar[i] = go * A[i];
        dA[i] = go * last[i];
        for (int c = 0; c < DIM; c++) gradX[(k * n + i) * DIM + c] = 0.0f;
    }
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE())
    {
        B[j] = b[k * m + j];
        gBar[j] = go * B[j];
        dB[j] = go * last[n + j];
        for (int c = 0; c < DIM; c++) gradY[(k * m + j) * DIM + c] = 0.0f;
    }
    for (int t = steps - 1; t >= 0; t--)
    {
        GLOBAL const float* now = taped + (long)t * (n + m);
        for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE()) F[i] = now[i];
        for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE())
        {
            G[j] = now[n + j];
            GB[j] = t > 0 ? now[n + j - (n + m)] : 0.0f;
        }
        BARRIER();
        /* Rows: the g update's adjoint, then the f update's position term. */
        for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE())
        {
            float s = 0.0f, acc[DIM];
            for (int c = 0; c < DIM; c++) acc[c] = 0.0f;
            for (int j = 0; j < m; j++)
            {
                float w = EXP2((F[i] + G[j] - squared_distance(X + i * DIM, Y + j * DIM)) * scale) * gBar[j];
                s += w;
                for (int c = 0; c < DIM; c++) acc[c] += w * (X[i * DIM + c] - Y[j * DIM + c]);
            }
            float fb = fBar[i] - A[i] * s;
            fBar[i] = fb;
            dA[i] -= eps * s;
            float acc2[DIM];
            for (int c = 0; c < DIM; c++) acc2[c] = 0.0f;
            if (fb != 0.0f)
                for (int j = 0; j < m; j++)
                    if (B[j] > 0.0f)
                    {
                        float w = B[j] * EXP2((F[i] + GB[j] - squared_distance(X + i * DIM, Y + j * DIM)) * scale);
                        for (int c = 0; c < DIM; c++) acc2[c] += w * (X[i * DIM + c] - Y[j * DIM + c]);
                    }
            for (int c = 0; c < DIM; c++)
                gradX[(k * n + i) * DIM + c] += 2.0f * ((A[i] > 0.0f ? A[i] * acc[c] : 0.0f) + fb * acc2[c]);
        }
        BARRIER();
        /* Columns: the f update's adjoint, and both position terms for y. */
        for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE())
        {
            float s = 0.0f, acc1[DIM], acc2[DIM];
            for (int c = 0; c < DIM; c++) { acc1[c] = 0.0f; acc2[c] = 0.0f; }
            for (int i = 0; i < n; i++)
            {
                float c2 = squared_distance(X + i * DIM, Y + j * DIM);
                if (A[i] > 0.0f)
                {
                    float w = A[i] * EXP2((F[i] + G[j] - c2) * scale);
                    for (int c = 0; c < DIM; c++) acc1[c] += w * (X[i * DIM + c] - Y[j * DIM + c]);
                }
                if (fBar[i] != 0.0f)
                {
                    float w = EXP2((F[i] + GB[j] - c2) * scale) * fBar[i];
                    s += w;
                    for (int c = 0; c < DIM; c++) acc2[c] += w * (X[i * DIM + c] - Y[j * DIM + c]);
                }
            }
            gBarPrev[j] = -B[j] * s;
            dB[j] -= eps * s;
            for (int c = 0; c < DIM; c++)
                gradY[(k * m + j) * DIM + c] -= 2.0f * (gBar[j] * acc1[c] + (B[j] > 0.0f ? B[j] * acc2[c] : 0.0f));
        }
        BARRIER();
        for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE()) gBar[j] = gBarPrev[j];
        for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE()) fBar[i] = 0.0f;
        BARRIER();
    }
    float meanA = 0.0f, meanB = 0.0f;
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE()) meanA += dA[i];
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE()) meanB += dB[j];
    meanA = group_sum(meanA, red) / n;
    meanB = group_sum(meanB, red) / m;
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE()) gradA[k * n + i] = dA[i] - meanA;
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE()) gradB[k * m + j] = dB[j] - meanB;
}

/* ---- Barycenters (Barycenter.Bregman, on a shared dense cost) ------------------------- */

/* One Bregman step of input k (work-group k), in the log domain of Barycenter.cs:
       G_k = logBar - logKu_k          (the v projection of the previous step; 0 at first)
       F_k = eps log a_k + softmin_j(C - eps G_k)
       logKu_k = -softmin_i(C - F_k) / eps
   G [K, m], logKu [K, m] and F [K, n] live in global memory between steps. */
KERNEL void barycenter_step(GLOBAL const float* cost, GLOBAL const float* costT, GLOBAL const float* a, int n, int m, float eps, int first,
    GLOBAL const float* logBar, GLOBAL float* g, GLOBAL float* f, GLOBAL float* logKu LOCAL_SCRATCH_PARAM)
{
    LOCAL_SCRATCH_DECL
    long k = GROUP_ID();
    LOCAL float* h = scratch;                        /* max(n, m) */
    LOCAL float* out = h + (n > m ? n : m);          /* max(n, m) */
    GLOBAL float* gk = g + k * m;
    GLOBAL float* lk = logKu + k * m;
    GLOBAL float* fk = f + k * n;
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE())
    {
        float gj = first ? 0.0f : logBar[j] - lk[j];
        gk[j] = gj;
        h[j] = gj * LOG2E;
    }
    BARRIER();
    soft_min(out, n, h, m, scratch, scratch, costT, n, eps);
    BARRIER();
    for (int i = LOCAL_ID(); i < n; i += LOCAL_SIZE())
    {
        float ai = a[k * n + i];
        float fi = ai > 0.0f ? out[i] + eps * LOG(ai) : NEG_INF;
        fk[i] = fi;
        h[i] = fi == NEG_INF ? NEG_INF : fi / eps * LOG2E;
    }
    BARRIER();
    soft_min(out, m, h, n, scratch, scratch, cost, m, eps);
    BARRIER();
    for (int j = LOCAL_ID(); j < m; j += LOCAL_SIZE()) lk[j] = -out[j] / eps;
}

/* logBar_j = sum_k lambda_k logKu_kj and, when spread is not null, spread_j = std_k
   exp(G_kj + logKu_kj) (two passes, as Barycenter.SumOfStandardDeviations); one work-item
   per pixel j. */
KERNEL void barycenter_mean(GLOBAL const float* logKu, GLOBAL const float* g, GLOBAL const float* lambda, int count, int m,
    GLOBAL float* logBar, GLOBAL float* spread LOCAL_SCRATCH_PARAM)
{
    LOCAL_SCRATCH_DECL
    long j = GROUP_ID() * LOCAL_SIZE() + LOCAL_ID();
    if (j < m)
    {
        float sum = 0.0f;
        for (int k = 0; k < count; k++) sum += lambda[k] * logKu[(long)k * m + j];
        logBar[j] = sum;
        if (spread)
        {
            float mean = 0.0f, squares = 0.0f;
            for (int k = 0; k < count; k++) mean += EXP(g[(long)k * m + j] + logKu[(long)k * m + j]);
            mean /= count;
            for (int k = 0; k < count; k++)
            {
                float d = EXP(g[(long)k * m + j] + logKu[(long)k * m + j]) - mean;
                squares += d * d;
            }
            spread[j] = SQRT(squares / count);
        }
    }
}
