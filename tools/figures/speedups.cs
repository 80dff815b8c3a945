#:package ScottPlot@5.1.59
#:property PublishAot=false
#:property ManagePackageVersionsCentrally=false
// The bar chart at the top of docs/PERFORMANCE.md: otk's speed-up over POT on each task, the
// medians of the runs recorded in that file's sections (the rows cited beside each bar), not
// new measurements. Run from the repository root after a section's numbers change:
//     dotnet run tools/figures/speedups.cs
// Needs a TTF font (Debian: fonts-dejavu-core); writes docs/figures/speedups-vs-pot.svg.
using ScottPlot;

(string Task, double Speedup)[] rows =
[
    ("Exact W2², MNIST, 784 bins, 1 thread vs 1", 3.7),        // sparse multiscale section, "the start's setup": 3.61x, 3.66x, 3.68x
    ("Exact W2², MNIST, vs POT on nonzero pixels", 2.3),       // same runs: 2.31x, 2.32x, 2.40x
    ("Exact W2², 64 x 64 grids, 1 thread vs 1", 86.2),         // same section: 86.2x, 86.4x, 50.0x, median
    // The rows below: the roofline section (issue 23), its last runs on the 2-core AVX2 host.
    ("Sinkhorn, MNIST pairs, eps = 1e-3, 1 thread", 47.6),     // 48.3x (fourth session), 46.8x (fifth): midpoint
    ("Sinkhorn, 16-point clouds, 1 thread vs 1", 113.2),       // the third session's run (the last one-thread run)
    ("Sinkhorn, 16-point clouds, 2 threads vs 1", 165.0),      // 168.7x (fourth session), 161.3x (fifth): midpoint
    ("Convolutional barycenter, 1,000 digits, 2 threads vs 1", 30.0), // 28.6x, 31.3x warm (sixth session): midpoint
    ("Bregman barycenter, 1,000 digits, 2 threads vs 1", 27.8),       // 26.8x, 28.8x warm (same runs): midpoint
    ("Bregman barycenter, over-relaxed (omega 1.75)", 93.9),          // 94.5x, 93.3x warm (same runs): midpoint
];

Fonts.Default = "DejaVu Sans";
var plot = new Plot();
var bars = rows.Select((r, i) => new Bar { Position = rows.Length - 1 - i, Value = r.Speedup, Label = $"{r.Speedup:0.#}x",
    FillColor = Colors.SteelBlue }).ToList();
var barPlot = plot.Add.Bars(bars);
barPlot.Horizontal = true;
barPlot.ValueLabelStyle.FontSize = 14;
plot.Axes.Left.SetTicks(Enumerable.Range(0, rows.Length).Select(i => (double)i).ToArray(),
    rows.Select(r => r.Task).Reverse().ToArray());
plot.Axes.Left.TickLabelStyle.FontSize = 14;
plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
plot.Axes.Bottom.Label.Text = "speed-up over POT (times faster, same inputs, same command)";
plot.Axes.Bottom.Label.FontSize = 14;
plot.Title("otk against POT 0.8.2 (docs/PERFORMANCE.md)", size: 16);
plot.Axes.SetLimits(0, 190, -0.6, rows.Length - 0.4);
Directory.CreateDirectory("docs/figures");
plot.SaveSvg("docs/figures/speedups-vs-pot.svg", 1000, 460);
Console.WriteLine("docs/figures/speedups-vs-pot.svg");
