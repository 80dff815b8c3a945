// The CLI's error contract: every failure is one line on stderr, "otk: ...", and an exit
// code; never a stack trace. Bad input or usage (a file, a value, an option, an output path,
// an output another run holds) exits 2; a device or driver failure exits 1 with the API's
// error name, as a computation that failed does; an exception no input should cause is a
// bug, reported in one line with exit code 3 (OTK_TRACE=1 prints its stack for a report).
using System.CommandLine;
using System.CommandLine.Parsing;
using OtKernels.Accelerators;

namespace OtKernels.Cli.Commands;

/// <summary>A computation that ran but did not succeed (exit code 1, not 2: the input was fine).</summary>
internal sealed class ComputationFailedException(string message) : Exception(message);

internal static class CliErrors
{
    public const int Failed = 1, BadInput = 2, Bug = 3;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is AcceleratorException or ComputationFailedException or OtKernels.Cluster.ShardClusterException)
        {
            return Report(e.Message, Failed);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException
                                       or InvalidOperationException or FormatException or OverflowException or NotSupportedException
                                       or System.Text.Json.JsonException)
        {
            string message = e is ArgumentException { ParamName: { } name } ? AsFlag(e.Message.Replace($" (Parameter '{name}')", ""), name) : e.Message;
            return Report(message, BadInput);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (Environment.GetEnvironmentVariable("OTK_TRACE") == "1") Console.Error.WriteLine(e);
            return Report($"internal error ({e.GetType().Name}: {e.Message}); please report it with the command line (OTK_TRACE=1 shows where).", Bug);
        }
    }

    /// <summary>A library option named in a message (EpsilonScaling) becomes the command's
    /// flag (--epsilon-scaling): every options property is spelled as its flag, kebab-cased.
    /// Argument names in lower case (a, costOf) are left as they are.</summary>
    internal static string AsFlag(string message, string parameter)
    {
        if (parameter.Length == 0 || !char.IsUpper(parameter[0]) || !parameter.All(char.IsLetterOrDigit)) return message;
        string flag = "--" + string.Concat(parameter.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
        return System.Text.RegularExpressions.Regex.IsMatch(message, $@"\b{parameter}\b")
            ? System.Text.RegularExpressions.Regex.Replace(message, $@"\b{parameter}\b", flag)
            : $"{flag}: {message}";
    }

    /// <summary>Parse errors (unknown or missing options, values that do not parse) in one
    /// line, with the command's help to look at; null when there are none. A number with a
    /// comma is refused too: the invariant parser reads "1,5" as 15, a silent wrong value
    /// for anyone who writes decimal commas.</summary>
    public static int? Usage(ParseResult parse)
    {
        var errors = parse.Errors.Select(e => Readable(e.Message)).ToList();
        foreach (OptionResult option in parse.CommandResult.Children.OfType<OptionResult>())
        {
            Type type = option.Option.ValueType;
            if (type != typeof(double) && type != typeof(float) && type != typeof(int) && type != typeof(long)) continue;
            foreach (var token in option.Tokens.Where(t => t.Value.Contains(',')))
                errors.Add($"{option.Option.Name} '{token.Value}': write numbers with a decimal point and no thousands separator");
        }
        if (errors.Count == 0) return null;
        string command = string.Join(' ', Path(parse.CommandResult.Command));
        return Report($"{string.Join("; ", errors)} (see '{command} --help').", BadInput);
    }

    private static int Report(string message, int code)
    {
        Console.Error.WriteLine($"otk: {OneLine(message)}");
        return code;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Readable(string message) => message.TrimEnd('.')
        .Replace("expected type 'System.Int32'", "an integer").Replace("expected type 'System.Int64'", "an integer")
        .Replace("expected type 'System.Double'", "a number").Replace("expected type 'System.Single'", "a number")
        .Replace("expected type 'System.Boolean'", "true or false");

    private static Stack<string> Path(Command command)
    {
        var names = new Stack<string>();
        for (Symbol? s = command; s is not null; s = s.Parents.OfType<Command>().FirstOrDefault())
            names.Push(s is RootCommand ? "otk" : s.Name);
        return names;
    }
}
