// A string option read as one of a few named values, with the one error message every command
// gives for a value it does not know: the option, the value, and the values it takes.
namespace OtKernels.Cli.Commands;

internal static class OptionChoice
{
    /// <summary>The value among the named choices, or an error naming the option and listing them.</summary>
    public static T Of<T>(string value, string option, params (string Name, T Value)[] choices) =>
        choices.FirstOrDefault(c => c.Name == value) is { Name: not null } found ? found.Value
            : throw new ArgumentException($"{option} {value}: use {string.Join(", ", choices.Select(c => c.Name))}.");
}
