using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlpRevival.Tests.Notebooks.Format;

/// <summary>
/// The rules of the nbformat 4.5 JSON schema (jupyter/nbformat, nbformat.v4.5.schema.json), written
/// out by hand from the schema: required and allowed keys per cell and output type, cell id pattern,
/// multiline strings, execution counts, tags. Independent of the runner's own writer.
/// </summary>
static class NbformatValidator
{
    static readonly Regex CellId = new("^[a-zA-Z0-9-_]+$");

    public static List<string> Problems(string json)
    {
        var problems = new List<string>();
        var root = JsonNode.Parse(json) as JsonObject;
        if (root is null) return ["top level is not an object"];
        Keys(root, "notebook", required: ["metadata", "nbformat_minor", "nbformat", "cells"], allowed: ["metadata", "nbformat_minor", "nbformat", "cells"], problems);
        if (Int(root["nbformat"]) != 4) problems.Add("nbformat must be 4");
        if (Int(root["nbformat_minor"]) is not >= 5) problems.Add("nbformat_minor must be >= 5");
        if (root["metadata"] is not JsonObject metadata) { problems.Add("metadata must be an object"); return problems; }
        if (metadata["kernelspec"] is JsonObject ks && (Str(ks["name"]) is null || Str(ks["display_name"]) is null))
            problems.Add("kernelspec needs name and display_name");
        if (metadata["language_info"] is JsonObject li && Str(li["name"]) is null) problems.Add("language_info needs name");
        if (root["cells"] is not JsonArray cells) { problems.Add("cells must be an array"); return problems; }

        var ids = new HashSet<string>();
        for (int i = 0; i < cells.Count; i++)
        {
            var where = $"cell {i + 1}";
            if (cells[i] is not JsonObject cell) { problems.Add($"{where}: not an object"); continue; }
            var id = Str(cell["id"]);
            if (id is null || id.Length is < 1 or > 64 || !CellId.IsMatch(id)) problems.Add($"{where}: bad id '{id}'");
            else if (!ids.Add(id)) problems.Add($"{where}: duplicate id {id}");
            if (cell["metadata"] is not JsonObject cellMetadata) { problems.Add($"{where}: metadata must be an object"); continue; }
            Tags(cellMetadata, where, problems);
            MultilineString(cell["source"], $"{where} source", problems);
            switch (Str(cell["cell_type"]))
            {
                case "markdown" or "raw":
                    Keys(cell, where, required: ["id", "cell_type", "metadata", "source"], allowed: ["id", "cell_type", "metadata", "source", "attachments"], problems);
                    break;
                case "code":
                    Keys(cell, where, required: ["id", "cell_type", "metadata", "source", "outputs", "execution_count"],
                        allowed: ["id", "cell_type", "metadata", "source", "outputs", "execution_count"], problems);
                    ExecutionCount(cell["execution_count"], where, problems);
                    if (cellMetadata["execution"] is JsonNode execution)
                    {
                        if (execution is not JsonObject e || e.Any(kv => Str(kv.Value) is null)) problems.Add($"{where}: metadata.execution values must be strings");
                    }
                    if (cell["outputs"] is not JsonArray outputs) { problems.Add($"{where}: outputs must be an array"); break; }
                    for (int o = 0; o < outputs.Count; o++) Output(outputs[o], $"{where} output {o + 1}", problems);
                    break;
                default:
                    problems.Add($"{where}: unknown cell_type");
                    break;
            }
        }
        return problems;
    }

    static void Output(JsonNode? node, string where, List<string> problems)
    {
        if (node is not JsonObject output) { problems.Add($"{where}: not an object"); return; }
        switch (Str(output["output_type"]))
        {
            case "execute_result":
                Keys(output, where, ["output_type", "data", "metadata", "execution_count"], ["output_type", "data", "metadata", "execution_count"], problems);
                ExecutionCount(output["execution_count"], where, problems);
                MimeBundle(output["data"], where, problems);
                if (output["metadata"] is not JsonObject) problems.Add($"{where}: metadata must be an object");
                break;
            case "display_data":
                Keys(output, where, ["output_type", "data", "metadata"], ["output_type", "data", "metadata"], problems);
                MimeBundle(output["data"], where, problems);
                if (output["metadata"] is not JsonObject) problems.Add($"{where}: metadata must be an object");
                break;
            case "stream":
                Keys(output, where, ["output_type", "name", "text"], ["output_type", "name", "text"], problems);
                if (Str(output["name"]) is null) problems.Add($"{where}: stream name must be a string");
                MultilineString(output["text"], where, problems);
                break;
            case "error":
                Keys(output, where, ["output_type", "ename", "evalue", "traceback"], ["output_type", "ename", "evalue", "traceback"], problems);
                if (Str(output["ename"]) is null || Str(output["evalue"]) is null) problems.Add($"{where}: ename/evalue must be strings");
                if (output["traceback"] is not JsonArray tb || tb.Any(t => Str(t) is null)) problems.Add($"{where}: traceback must be an array of strings");
                break;
            default:
                problems.Add($"{where}: unknown output_type");
                break;
        }
    }

    static void MimeBundle(JsonNode? node, string where, List<string> problems)
    {
        if (node is not JsonObject bundle) { problems.Add($"{where}: data must be an object"); return; }
        foreach (var (mime, value) in bundle)
        {
            if (Regex.IsMatch(mime, @"^application/(.*\+)?json$")) continue;
            MultilineString(value, $"{where} {mime}", problems);
        }
    }

    static void MultilineString(JsonNode? node, string where, List<string> problems)
    {
        if (Str(node) is not null) return;
        if (node is JsonArray lines && lines.All(l => Str(l) is not null)) return;
        problems.Add($"{where}: must be a string or an array of strings");
    }

    static void ExecutionCount(JsonNode? node, string where, List<string> problems)
    {
        if (node is null) return;
        if (Int(node) is not >= 0) problems.Add($"{where}: execution_count must be null or an integer >= 0");
    }

    static void Tags(JsonObject metadata, string where, List<string> problems)
    {
        if (metadata["tags"] is not JsonNode tags) return;
        if (tags is not JsonArray array || array.Any(t => Str(t) is null || Str(t)!.Contains(',')))
            problems.Add($"{where}: tags must be strings without commas");
        else if (array.Select(t => Str(t)).Distinct().Count() != array.Count) problems.Add($"{where}: tags must be unique");
    }

    static void Keys(JsonObject obj, string where, string[] required, string[] allowed, List<string> problems)
    {
        foreach (var key in required) if (!obj.ContainsKey(key)) problems.Add($"{where}: missing '{key}'");
        foreach (var (key, _) in obj) if (!allowed.Contains(key)) problems.Add($"{where}: unexpected '{key}'");
    }

    static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    static int? Int(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i) ? i : null;
}
