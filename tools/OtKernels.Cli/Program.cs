// otk: every capability of the engine reachable from a shell. Each subcommand lives in
// Commands/ and returns a process exit code: 0 success, 1 a failed computation, 2 bad input
// or usage (CliErrors.ExitCodes); every error is one line on stderr, never a stack trace.
using System.CommandLine;
using System.Globalization;
using OtKernels.Cli.Commands;

// Numbers in and out are invariant (1.5, never 1,5), whatever the host's locale: output is
// read by scripts, and a locale must not change what an option's value means.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var root = new RootCommand("OtKernels: optimal transport from the command line.");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(EmdCommand.Create());
root.Subcommands.Add(SinkhornCommand.Create());
root.Subcommands.Add(SlicedCommand.Create());
root.Subcommands.Add(GwCommand.Create());
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(W2Command.Create());
root.Subcommands.Add(DistancesCommand.Create());
root.Subcommands.Add(ClusterCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(GpuCommand.Create());
root.Subcommands.Add(BarycenterCommand.Create());
root.Subcommands.Add(InterpolateCommand.Create());
root.Subcommands.Add(DweCommand.Create());
root.Subcommands.Add(LossesCommand.Create());
root.Subcommands.Add(EmbedCommand.Create());
root.Subcommands.Add(DmlCommand.Create());
ParseResult parse = root.Parse(args);
if (CliErrors.Usage(parse) is int usage) return usage;
return CliErrors.Run(() => parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
