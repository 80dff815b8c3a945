// Where the checkout is, found from the test assembly's folder (CallerFilePath is mapped to
// "/_/" in deterministic CI builds, so it cannot locate committed files there).
namespace OtKernels.Tests;

internal static class RepositoryFiles
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OtKernels.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No OtKernels.sln above {AppContext.BaseDirectory}.");
    }
}
