// The curves of a training run's history (TrainingRun, history.csv), drawn after every epoch
// into the run's directory: one SVG per figure, each a line per metric against the epoch.
using OtNet.Training;

namespace OtKernels.Cli.Pictures;

/// <summary>One figure of a history: its file in the run directory, title, y label, the
/// metrics drawn (each times Scale), and whether y is logarithmic (used only when every value
/// is positive).</summary>
internal sealed record HistoryFigure(string File, string Title, string YLabel, string[] Metrics, double Scale = 1, bool Logarithmic = false);

internal static class HistoryPlots
{
    /// <summary>Writes each figure of history into the run's directory (atomically).</summary>
    public static void Write(TrainingRun run, IReadOnlyList<EpochRecord> history, params HistoryFigure[] figures)
    {
        if (history.Count == 0) return;
        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();
        foreach (HistoryFigure figure in figures)
        {
            var series = figure.Metrics.Select(m => (Name: m.Replace('_', ' '), Values: history.Select(h => figure.Scale * h[m]).ToArray())).ToList();
            var plot = new SvgPlot(figure.Title, "epoch", figure.YLabel);
            if (figure.Logarithmic && series.All(s => s.Values.All(v => v > 0))) plot.LogarithmicY();
            foreach (var (name, values) in series) plot.Line(name, epochs, values);
            plot.Save(Path.Combine(run.Directory, figure.File));
        }
    }
}
