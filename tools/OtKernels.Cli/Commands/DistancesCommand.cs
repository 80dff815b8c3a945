// otk distances: the distances between all pairs of items of an embedding (an .npy array
// [n, d] of vectors, or [n, points, dimension] of point clouds), for kNN, clustering or
// coresets. The pairs i < j are cut into square tiles of the n x n matrix (DistanceTiles),
// each a shard of a resumable job computed locally or on a cluster's silos; the output is
// i,j,value rows in tile order, and on request the square symmetric matrix as .npy.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using OtKernels.Cluster;
using OtKernels.Data;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class DistancesCommand
{
    /// <summary>The largest n whose n x n float64 matrix fits one .npy this project writes and reads.</summary>
    private const int MaxSquare = 16383;

    public static Command Create()
    {
        var embedding = new Option<FileInfo>("--embedding") { Description = ".npy array: [n, d] vectors (euclidean), or [n, points, dimension] point clouds of equally weighted points.", Required = true };
        var metric = new Option<string>("--metric") { Description = "euclidean (|e_i - e_j|), w2 (exact W2^2 between the point clouds) or sinkhorn (the Sinkhorn divergence, squared Euclidean cost).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Output CSV: i,j,value for every pair i < j, in tile order.", Required = true };
        var square = new Option<FileInfo?>("--square") { Description = $"Also write the symmetric n x n matrix (zero diagonal) as float64 .npy (n up to {MaxSquare})." };
        var epsilon = new Option<double?>("--epsilon") { Description = "sinkhorn (required): eps, absolute, in the unit of the squared coordinates." };
        var scaling = new Option<double>("--epsilon-scaling") { Description = "sinkhorn: epsilon-scaling factor in (0, 1); 0 = off.", DefaultValueFactory = _ => 0 };
        var tolerance = new Option<double>("--tolerance") { Description = "sinkhorn: L1 marginal error at which to stop.", DefaultValueFactory = _ => 1e-6 };
        var iterations = new Option<int>("--max-iterations") { Description = "sinkhorn: iteration limit.", DefaultValueFactory = _ => 1000 };
        var tile = new Option<int>("--tile") { Description = "Items per side of a tile, a shard of the job (default: by metric, a few seconds of work)." };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cluster = new ClusterOptions();
        var command = new Command("distances", "Distances between all pairs of items of an embedding, in resumable tiles, locally or on a cluster.")
            { embedding, metric, output, square, epsilon, scaling, tolerance, iterations, tile, threads };
        cluster.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            AllPairsMetric chosen = OptionChoice.Of(parse.GetValue(metric)!, "--metric",
                ("euclidean", AllPairsMetric.Euclidean), ("w2", AllPairsMetric.W2), ("sinkhorn", AllPairsMetric.Sinkhorn));
            var settings = new Settings(chosen, parse.GetValue(epsilon), parse.GetValue(scaling), parse.GetValue(tolerance), parse.GetValue(iterations), parse.GetValue(tile), parse.GetValue(threads));
            return Run(parse.GetValue(embedding)!, settings, parse.GetValue(output)!, parse.GetValue(square), () => cluster.Connect(parse, "distances"));
        }));
        return command;
    }

    private sealed record Settings(AllPairsMetric Metric, double? Epsilon, double EpsilonScaling, double Tolerance, int MaxIterations, int Tile, int Threads);

    /// <summary>Items per tile side when --tile is not given: a tile is a few seconds of one
    /// core's work (measured in docs/SCALE.md), so an interrupted job loses little.</summary>
    private static int DefaultTile(AllPairsMetric metric) => metric switch
    {
        AllPairsMetric.Euclidean => 1024,
        AllPairsMetric.W2 => 256,
        _ => 64,
    };

    private static int Run(FileInfo embeddingFile, Settings settings, FileInfo output, FileInfo? square, Func<ShardCluster?> connect)
    {
        if (settings.Threads < 1) throw new ArgumentException($"--threads {settings.Threads}: need at least 1.");
        if (settings.Tile < 0) throw new ArgumentException($"--tile {settings.Tile}: must be positive (0: the metric's default).");
        if (settings.Metric == AllPairsMetric.Sinkhorn)
        {
            if (settings.Epsilon is not { } eps) throw new ArgumentException("--metric sinkhorn needs --epsilon (absolute, in the unit of the squared coordinates).");
            if (!(eps > 0 && double.IsFinite(eps))) throw new ArgumentException($"--epsilon {eps}: must be positive and finite.");
            if (!(settings.EpsilonScaling >= 0 && settings.EpsilonScaling < 1)) throw new ArgumentException($"--epsilon-scaling {settings.EpsilonScaling}: must be 0 (off) or in (0, 1).");
            if (!(settings.Tolerance > 0)) throw new ArgumentException($"--tolerance {settings.Tolerance}: must be positive.");
            if (settings.MaxIterations < 1) throw new ArgumentException($"--max-iterations {settings.MaxIterations}: must be at least 1.");
        }
        AtomicFile.CheckTarget(output.FullName);
        if (square is not null) AtomicFile.CheckTarget(square.FullName);
        (double[] items, AllPairsDistance distance, int n) = Read(embeddingFile, settings);
        if (square is not null && n > MaxSquare)
            throw new ArgumentException($"--square: {n} items make a {n} x {n} matrix, beyond the {MaxSquare} x {MaxSquare} one .npy file here holds; use the CSV.");
        var tiles = new DistanceTiles(n, settings.Tile > 0 ? settings.Tile : DefaultTile(settings.Metric));

        // The items as read (their bytes and count), not the file again.
        string fingerprint = $"items-sha256={Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(items.AsSpan())))}\nitems={n} x {distance.Points} x {distance.Dimension}\n"
            + $"metric={distance.Column}\nepsilon={Csv.Format(distance.Epsilon)}\nepsilon-scaling={Csv.Format(distance.EpsilonScaling)}\ntolerance={Csv.Format(distance.Tolerance)}\nmax-iterations={distance.MaxIterations}\ntile={tiles.TileSize}";
        var job = new ShardedJob(output.FullName, $"i,j,{distance.Column}", tiles.PairsPerTile, fingerprint);
        using var cluster = new ClusterConnection(connect());
        var tileOf = new Dictionary<int, int>();
        for (int t = 0, start = 0; t < tiles.PairsPerTile.Count; start += tiles.PairsPerTile[t++]) tileOf[start] = t;
        string jobId = ShardedRun.JobId("distances", job);

        async Task<ShardOutput> ComputeShard(int start, int length, CancellationToken cancellationToken)
        {
            int t = tileOf[start];
            (int rowStart, int rowCount, int columnStart, int columnCount) = tiles.Tile(t);
            ReadOnlyMemory<double> rows = items.AsMemory(rowStart * distance.ItemLength, rowCount * distance.ItemLength);
            ReadOnlyMemory<double> columns = items.AsMemory(columnStart * distance.ItemLength, columnCount * distance.ItemLength);
            (double[] values, int notProven) = cluster.Value is null
                ? distance.Tile(rows, rowStart, columns, columnStart, settings.Threads)
                : await SolveOnCluster(cluster.Value, jobId, DistancesWork.Create(t, distance, rowStart, rows.ToArray(), columnStart, columns.ToArray()), length, cancellationToken);
            return new ShardOutput(tiles.PairsOf(t).Select((p, k) => $"{p.I},{p.J},{Csv.Format(values[k])}").ToArray(), notProven);
        }

        var clock = Stopwatch.StartNew();
        int notProven = ShardedRun.Run(job, ComputeShard, tiles.Pairs, "distances", cluster.Value);
        if (square is not null) WriteSquare(output.FullName, n, square.FullName);
        Console.WriteLine(ShardedRun.Summary(job, tiles.Pairs, clock.Elapsed.TotalSeconds, $"{settings.Threads} thread(s)", cluster.Value,
            output.FullName + (square is null ? "" : $" and {square.FullName}")));
        if (notProven == 0) return 0;
        Console.Error.WriteLine(settings.Metric == AllPairsMetric.W2
            ? $"distances: {notProven} pairs stopped at the pivot limit (not proven optimal)."
            : $"distances: {notProven} pairs did not reach --tolerance {settings.Tolerance} in --max-iterations {settings.MaxIterations}.");
        return 1;
    }

    private static async Task<(double[], int)> SolveOnCluster(ShardCluster cluster, string jobId, DistancesWork work, int pairs, CancellationToken cancellationToken)
    {
        DistancesReply reply = await cluster.SolveDistancesAsync(jobId, work, cancellationToken);
        if (reply.Values.Length != pairs)
            throw new InvalidDataException($"shard {work.Shard}: silo {reply.Silo} returned {reply.Values.Length} values for {pairs} pairs.");
        return (reply.Values, reply.NotProven);
    }

    /// <summary>The items and the distance their shape implies; every coordinate finite.</summary>
    private static (double[] Items, AllPairsDistance Distance, int Count) Read(FileInfo file, Settings settings)
    {
        if (!file.Exists) throw new FileNotFoundException($"--embedding {file.FullName}: no such file.");
        (double[] data, int[] shape) = Npy.ReadDoubles(file.FullName);
        string shown = $"[{string.Join(", ", shape)}]";
        if (shape.Length < 2 || shape.Length > 3 || shape.Any(s => s < 1))
            throw new InvalidDataException($"--embedding {file.FullName}: shape {shown}; need [n, d] or [n, points, dimension] with every size at least 1.");
        if (settings.Metric != AllPairsMetric.Euclidean && shape.Length != 3)
            throw new InvalidDataException($"--embedding {file.FullName}: shape {shown}; --metric {settings.Metric.ToString().ToLowerInvariant()} compares point clouds and needs [n, points, dimension] (a vector of d numbers is [n, 1, d]).");
        if (shape[0] < 2) throw new InvalidDataException($"--embedding {file.FullName}: {shape[0]} item; need at least 2 for a pair.");
        int n = shape[0], itemLength = data.Length / n;
        for (int k = 0; k < data.Length; k++)
            if (!double.IsFinite(data[k]))
                throw new InvalidDataException($"--embedding {file.FullName}: item {k / itemLength} has a coordinate that is {data[k]} (number {k % itemLength} of the item).");
        var distance = shape.Length == 3 && settings.Metric != AllPairsMetric.Euclidean
            ? new AllPairsDistance(settings.Metric, shape[1], shape[2])
            : new AllPairsDistance(settings.Metric, 1, itemLength);
        return (data, distance with { Epsilon = settings.Epsilon ?? distance.Epsilon, EpsilonScaling = settings.EpsilonScaling, Tolerance = settings.Tolerance, MaxIterations = settings.MaxIterations }, n);
    }

    /// <summary>The CSV's pairs as the symmetric n x n matrix with a zero diagonal, written atomically.</summary>
    private static void WriteSquare(string csv, int n, string path)
    {
        var matrix = new double[(long)n * n];
        using (var reader = new StreamReader(csv))
        {
            reader.ReadLine(); // the header
            while (reader.ReadLine() is { } line)
            {
                string[] cells = line.Split(',');
                int i = int.Parse(cells[0], CultureInfo.InvariantCulture), j = int.Parse(cells[1], CultureInfo.InvariantCulture);
                double value = double.Parse(cells[2], CultureInfo.InvariantCulture);
                matrix[(long)i * n + j] = matrix[(long)j * n + i] = value;
            }
        }
        Npy.Write(path, matrix, n, n);
    }
}
