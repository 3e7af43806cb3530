using System.Text.Json;
using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Execution;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Grading;

/// <summary>
/// The grader's child process: it runs one submission's notebook, one cell at a time, as the
/// grader sends the cells. The protocol is one JSON object per line:
/// <code>
/// worker → grader  {"type":"ready"}
/// grader → worker  {"type":"cell","number":7,"token":"…","cell":{…code cell…}}
/// worker → grader  {"type":"result","number":7,"token":"…","outputs":[…],"execution":{…},"failure":null|{…}}
/// grader → worker  {"type":"done"}
/// </code>
/// Cells arrive just in time, so the code of a cell the submission has not reached (hidden tests
/// included) is nowhere in the process yet; each cell carries a fresh random token that only the
/// grader and this loop know, so a line the submission forges on the real stdout is ignored.
/// Student code sees an empty standard input and a captured console.
/// </summary>
public static class Worker
{
    public const string ReadyMessage = "ready";

    public static async Task<int> RunAsync(string notebookDirectory, string notebookName, TimeSpan cellTimeout, TimeSpan wallTime)
    {
        // The grader enforces the wall time; this is the backstop should the grader itself be gone.
        var watchdog = new Thread(() => { Thread.Sleep(wallTime + TimeSpan.FromMinutes(1)); Environment.Exit(3); }) { IsBackground = true };
        watchdog.Start();

        // Take the real standard streams before any cell runs, then hide them from cells.
        var protocolIn = new StreamReader(Console.OpenStandardInput());
        var protocolOut = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true, NewLine = "\n" };
        Console.SetIn(TextReader.Null);
        ConsoleCapture.Install();

        var session = new NotebookSession(notebookDirectory, notebookName, new RunOptions
        {
            CellTimeout = cellTimeout,
            TimeoutConsequence = "so the grader abandoned it and went on with the next cell (course grade --cell-timeout sets the limit)",
        });
        await session.StartAsync();
        await protocolOut.WriteLineAsync(new JsonObject { ["type"] = ReadyMessage }.ToJsonString());

        while (await protocolIn.ReadLineAsync() is { } line)
        {
            var message = JsonNode.Parse(line) as JsonObject;
            var type = message?["type"]?.GetValue<string>();
            if (type == "done") break;
            if (type != "cell" || message!["cell"] is not JsonObject json) continue;

            var number = message["number"]!.GetValue<int>();
            var token = message["token"]!.GetValue<string>();
            json["outputs"] = new JsonArray();
            var cell = new NotebookCell(json);
            var failure = await session.RunCellAsync(cell, number);
            var result = new JsonObject
            {
                ["type"] = "result",
                ["number"] = number,
                ["token"] = token,
                ["outputs"] = cell.Outputs.DeepClone(),
                ["execution"] = cell.Metadata["execution"]?.DeepClone(),
                ["failure"] = failure is null ? null : new JsonObject
                {
                    ["kind"] = failure.Kind.ToString(),
                    ["line"] = failure.Line,
                    ["message"] = failure.Message,
                },
            };
            await protocolOut.WriteLineAsync(result.ToJsonString(Compact));
        }
        // A cell that timed out may still be running on a thread no one can stop.
        await protocolOut.FlushAsync();
        Environment.Exit(0);
        return 0;
    }

    static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };
}
