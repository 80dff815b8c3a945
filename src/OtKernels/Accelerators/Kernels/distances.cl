/* Pairwise squared Euclidean distances D_ij = |u_i - v_j|^2 between u [p, d] and v [q, d]
   (nearest neighbours in an embedding). Work-group (r, c) of 16 x 16 work-items computes
   the 16 x 16 tile of rows 16r.. and columns 16c.., staging 16-coordinate slices of both
   point sets in local memory (padded to 17 columns against bank conflicts). Differences,
   not |u|^2 + |v|^2 - 2 u.v: exact zeros on the diagonal and no cancellation. */
#define TILE 16

KERNEL void pairwise_squared_distances(GLOBAL const float* u, GLOBAL const float* v, int p, int q, int d, int tilesQ,
    GLOBAL float* out LOCAL_SCRATCH_PARAM)
{
    LOCAL_SCRATCH_DECL
    LOCAL float* U = scratch;
    LOCAL float* V = U + TILE * (TILE + 1);
    int row0 = (int)(GROUP_ID() / tilesQ) * TILE, col0 = (int)(GROUP_ID() % tilesQ) * TILE;
    int ty = LOCAL_ID() / TILE, tx = LOCAL_ID() % TILE;
    float sum = 0.0f;
    for (int k0 = 0; k0 < d; k0 += TILE)
    {
        int k = k0 + tx;
        U[ty * (TILE + 1) + tx] = row0 + ty < p && k < d ? u[(long)(row0 + ty) * d + k] : 0.0f;
        V[ty * (TILE + 1) + tx] = col0 + ty < q && k < d ? v[(long)(col0 + ty) * d + k] : 0.0f;
        BARRIER();
        for (int kk = 0; kk < TILE; kk++)
        {
            float t = U[ty * (TILE + 1) + kk] - V[tx * (TILE + 1) + kk];
            sum += t * t;
        }
        BARRIER();
    }
    if (row0 + ty < p && col0 + tx < q) out[(long)(row0 + ty) * q + col0 + tx] = sum;
}
