using System.Text;

namespace MlpRevival.Notebooks.Execution;

/// <summary>
/// Console.Out / Console.Error replacement: text written while a cell runs becomes that cell's
/// stdout/stderr stream output; anything else goes to the original console.
/// </summary>
public sealed class ConsoleCapture : TextWriter
{
    static readonly object installGate = new();
    static bool installed;

    readonly TextWriter original;
    readonly string stream;

    ConsoleCapture(TextWriter original, string stream)
    {
        this.original = original;
        this.stream = stream;
    }

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Installs the capture once per process.</summary>
    public static void Install()
    {
        lock (installGate)
        {
            if (installed) return;
            Console.SetOut(new ConsoleCapture(Console.Out, "stdout"));
            Console.SetError(new ConsoleCapture(Console.Error, "stderr"));
            installed = true;
        }
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        var cell = CellContext.Current;
        if (cell is null) original.Write(value);
        else cell.WriteStream(stream, value.Replace("\r\n", "\n"));
    }

    public override void WriteLine(string? value) => Write((value ?? "") + "\n");

    public override void WriteLine() => Write("\n");

    public override void Flush()
    {
        if (CellContext.Current is null) original.Flush();
    }
}
