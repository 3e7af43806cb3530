using System.Text;
using System.Text.Json;
using MlpRevival.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Training;

/// <summary>
/// A run's state after an epoch, in one file: what was trained and how far (JSON: config, epochs
/// done, optimizer steps, seed, data size, history, per-step losses), then the model's state dict
/// and the optimizer's state (AdamW: step count and both moment estimates per parameter; SGD: the
/// momentum buffers), both in TorchSharp's own format. Written to a temporary file and renamed
/// over the old checkpoint, so a crash mid-write leaves the previous epoch's checkpoint intact.
/// </summary>
public sealed record Checkpoint(
    int Version, string Name, int EpochsDone, long Steps, long Seed, int BatchSize, int TrainImages,
    OptimizerKind Optimizer, long Parameters, IReadOnlyList<EpochMetrics> History, IReadOnlyList<float> StepLosses)
{
    const string Magic = "MLPR-CHECKPOINT";
    public const int CurrentVersion = 1;

    static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    internal static void Save(string path, Checkpoint meta, nn.Module model, optim.Optimizer optimizer)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(JsonSerializer.Serialize(meta, Json));
            model.save(writer);
            if (optimizer is not OptimizerHelper helper)
                throw new NotSupportedException($"{optimizer.GetType().Name} cannot save its state.");
            helper.save_state_dict(writer);
        });
    }

    /// <summary>Reads only the metadata (for `course train` and for checking before a resume).</summary>
    public static Checkpoint ReadInfo(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        return ReadMeta(reader, path);
    }

    internal static Checkpoint Load(string path, nn.Module model, optim.Optimizer optimizer)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var meta = ReadMeta(reader, path);
        try
        {
            model.load(reader, strict: true);
            ((OptimizerHelper)optimizer).load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            throw new InvalidDataException(
                $"{path} does not fit this model and optimizer ({e.Message}). It was written for a model with {meta.Parameters:N0} parameters " +
                $"trained with {meta.Optimizer}. Use the same model and options, or another --checkpoint path to start afresh.", e);
        }
        return meta;
    }

    static Checkpoint ReadMeta(BinaryReader reader, string path)
    {
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException($"{path} is not a course checkpoint (written by Trainer / course train).");
            var meta = JsonSerializer.Deserialize<Checkpoint>(reader.ReadString(), Json) ?? throw new InvalidDataException($"{path}: empty checkpoint metadata.");
            if (meta.Version != CurrentVersion) throw new InvalidDataException($"{path} is checkpoint version {meta.Version}; this course reads version {CurrentVersion}. Start afresh with another --checkpoint path.");
            return meta;
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or IOException)
        {
            throw new InvalidDataException($"{path} is not a readable course checkpoint ({e.Message}).", e);
        }
    }
}
