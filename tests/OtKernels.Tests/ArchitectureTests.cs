// The engine's folders import one another without loops (issue 15): read from the sources'
// using directives, a folder and its Device/ subfolder counted as one (the kernels live
// beside their algorithm), and the device runtime (Accelerators/) imports nothing of the
// engine. A new `using` that closes a loop fails here with the loop named.
using System.Text.RegularExpressions;
using Xunit;

namespace OtKernels.Tests;

public partial class ArchitectureTests
{
    [Fact]
    public void EngineFolders_ImportEachOtherWithoutLoops()
    {
        Dictionary<string, HashSet<string>> imports = Imports();
        Assert.Contains("Entropic", imports.Keys);
        Assert.Contains("Accelerators", imports["Entropic"]); // the reading works: a known edge is seen
        Assert.Empty(imports["Accelerators"]);
        foreach (string start in imports.Keys)
        {
            var path = new List<string>();
            Assert.True(Acyclic(start, imports, path, []), $"import loop: {string.Join(" -> ", path)}");
        }
    }

    private static bool Acyclic(string folder, Dictionary<string, HashSet<string>> imports, List<string> path, HashSet<string> done)
    {
        if (path.Contains(folder))
        {
            path.Add(folder);
            return false;
        }
        if (!done.Add(folder)) return true;
        path.Add(folder);
        foreach (string next in imports.GetValueOrDefault(folder, []))
            if (!Acyclic(next, imports, path, done)) return false;
        path.RemoveAt(path.Count - 1);
        return true;
    }

    /// <summary>Top-level folder of src/OtKernels -> the top-level folders its files import.</summary>
    private static Dictionary<string, HashSet<string>> Imports()
    {
        string root = Path.Combine(RepositoryFiles.Root(), "src", "OtKernels");
        var imports = new Dictionary<string, HashSet<string>>();
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("bin") || relative.StartsWith("obj") || !relative.Contains(Path.DirectorySeparatorChar)) continue;
            string folder = relative.Split(Path.DirectorySeparatorChar)[0];
            HashSet<string> targets = imports.TryGetValue(folder, out var t) ? t : imports[folder] = [];
            foreach (Match m in UsingEngine().Matches(File.ReadAllText(file)))
                if (m.Groups[1].Value != folder) targets.Add(m.Groups[1].Value);
        }
        return imports;
    }

    [GeneratedRegex(@"^using OtKernels\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingEngine();
}
