// GLPK (Debian package libglpk40) as an independent exact LP oracle for the transportation
// problem. The floating-point simplex finds a basis; glp_exact then re-solves from it in
// rational arithmetic, so the optimum it reports is exact for the double inputs as given.
using System.Runtime.InteropServices;

namespace OtKernels.Tests.Oracles;

internal static partial class Glpk
{
    private const string Library = "libglpk.so.40";
    private const int Minimize = 1, Fixed = 5, LowerBounded = 2, Off = 0, OptimalStatus = 5;

    [LibraryImport(Library)] private static partial IntPtr glp_create_prob();
    [LibraryImport(Library)] private static partial void glp_delete_prob(IntPtr lp);
    [LibraryImport(Library)] private static partial void glp_set_obj_dir(IntPtr lp, int dir);
    [LibraryImport(Library)] private static partial int glp_add_rows(IntPtr lp, int count);
    [LibraryImport(Library)] private static partial int glp_add_cols(IntPtr lp, int count);
    [LibraryImport(Library)] private static partial void glp_set_row_bnds(IntPtr lp, int i, int type, double lb, double ub);
    [LibraryImport(Library)] private static partial void glp_set_col_bnds(IntPtr lp, int j, int type, double lb, double ub);
    [LibraryImport(Library)] private static partial void glp_set_obj_coef(IntPtr lp, int j, double coef);
    [LibraryImport(Library)] private static partial void glp_load_matrix(IntPtr lp, int ne, int[] ia, int[] ja, double[] ar);
    [LibraryImport(Library)] private static partial int glp_term_out(int flag);
    [LibraryImport(Library)] private static partial int glp_simplex(IntPtr lp, IntPtr parm);
    [LibraryImport(Library)] private static partial int glp_exact(IntPtr lp, IntPtr parm);
    [LibraryImport(Library)] private static partial int glp_get_status(IntPtr lp);
    [LibraryImport(Library)] private static partial double glp_get_obj_val(IntPtr lp);

    private static readonly Lock s_gate = new(); // glp_term_out is global state

    /// <summary>The exact optimum of min &lt;P, C&gt; with P 1 = a, P^T 1 = b, P &gt;= 0.</summary>
    public static double SolveTransport(double[] a, double[] b, double[] cost)
    {
        int n = a.Length, m = b.Length;
        lock (s_gate)
        {
            glp_term_out(Off);
            IntPtr lp = glp_create_prob();
            try
            {
                glp_set_obj_dir(lp, Minimize);
                glp_add_rows(lp, n + m);
                glp_add_cols(lp, n * m);
                for (int i = 0; i < n; i++) glp_set_row_bnds(lp, i + 1, Fixed, a[i], a[i]);
                for (int j = 0; j < m; j++) glp_set_row_bnds(lp, n + j + 1, Fixed, b[j], b[j]);
                int ne = 2 * n * m;
                var ia = new int[ne + 1];
                var ja = new int[ne + 1];
                var ar = new double[ne + 1];
                int k = 1;
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < m; j++)
                    {
                        int col = i * m + j + 1;
                        glp_set_col_bnds(lp, col, LowerBounded, 0, 0);
                        glp_set_obj_coef(lp, col, cost[i * m + j]);
                        ia[k] = i + 1; ja[k] = col; ar[k++] = 1;
                        ia[k] = n + j + 1; ja[k] = col; ar[k++] = 1;
                    }
                }
                glp_load_matrix(lp, ne, ia, ja, ar);
                int rc = glp_simplex(lp, IntPtr.Zero);
                if (rc != 0) throw new InvalidOperationException($"glp_simplex returned {rc}.");
                rc = glp_exact(lp, IntPtr.Zero);
                if (rc != 0) throw new InvalidOperationException($"glp_exact returned {rc}.");
                int status = glp_get_status(lp);
                if (status != OptimalStatus) throw new InvalidOperationException($"GLPK status {status}, not optimal.");
                return glp_get_obj_val(lp);
            }
            finally
            {
                glp_delete_prob(lp);
            }
        }
    }
}
