// Two weighted sets of three points in the plane, written as .npy files in a directory of the
// test's own: the input of the commands that take --a --b --x --y (sinkhorn, sliced).
using OtKernels.IO;

namespace OtKernels.Cli.Tests;

internal sealed class PointProblemFiles : IDisposable
{
    private readonly string _dir;

    public PointProblemFiles(string name)
    {
        _dir = Directory.CreateTempSubdirectory($"otk-{name}-").FullName;
        Npy.Write(File("a.npy"), A, 3);
        Npy.Write(File("b.npy"), B, 3);
        Npy.Write(File("x.npy"), X, 3, 2);
        Npy.Write(File("y.npy"), Y, 3, 2);
    }

    public double[] A { get; } = [0.2, 0.3, 0.5];
    public double[] B { get; } = [0.5, 0.25, 0.25];
    public double[] X { get; } = [0, 0, 1, 0, 0.5, 0.5];
    public double[] Y { get; } = [0, 1, 1, 1, 0.2, 0.7];

    /// <summary>--a, --b, --x, --y with the files.</summary>
    public string[] Inputs => ["--a", File("a.npy"), "--b", File("b.npy"), "--x", File("x.npy"), "--y", File("y.npy")];

    /// <summary>A path in the directory.</summary>
    public string File(string name) => Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
