// The check every solver makes of a mass vector, public so that front ends (otk's commands,
// a user's service) refuse bad input with the solvers' own words before they rescale it.
namespace OtKernels;

/// <summary>Mass vectors (histograms) as every solver accepts them.</summary>
public static class Masses
{
    /// <summary>The total of masses that are finite and nonnegative with a positive, finite
    /// sum, as every solver requires.</summary>
    /// <param name="masses">The masses.</param>
    /// <param name="paramName">The argument the message names, with the bad index.</param>
    /// <exception cref="ArgumentException">An empty vector, an entry that is not finite or is
    /// negative (named with its index), or a sum that is zero or overflows.</exception>
    public static double Total(ReadOnlySpan<double> masses, string paramName) => ThrowHelper.ValidateMasses(masses, paramName);
}
