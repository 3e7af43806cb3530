using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MlpRevival.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Training;

/// <summary>
/// A run's state after an epoch, in one file: what was trained and how far (JSON: config, epochs
/// done, optimizer steps, seed, data size, history, per-step losses, the settings and data pipeline
/// of the run), then the model's state dict and the optimizer's state (AdamW: step count and both
/// moment estimates per parameter; SGD: the momentum buffers), both in TorchSharp's own format.
///
/// Layout (version 2), as written by a BinaryWriter (strings UTF-8 with a 7-bit length prefix,
/// integers little-endian):
/// <code>
///   string    "MLPR-CHECKPOINT"
///   string    metadata: this record as JSON
///   int64     payload length in bytes
///   byte[32]  SHA-256 of the metadata's UTF-8 bytes followed by the payload
///   payload   the model's state dict, then the optimizer's state
/// </code>
/// Before anything is loaded the length and the checksum are checked, so a truncated file is called
/// truncated and a flipped bit anywhere after the magic (weights or metadata) is refused as damaged,
/// and the model is not touched. The file is written to a temporary name (length and checksum filled
/// in once the payload is written) and renamed over the old checkpoint only when complete, so a
/// crash mid-write leaves the previous epoch's checkpoint intact; the temporary file a killed run
/// leaves is removed by the next save or load (<see cref="AtomicFile.RemoveStaleTemps"/>).
/// </summary>
public sealed record Checkpoint(
    int Version, string Name, int EpochsDone, long Steps, long Seed, int BatchSize, int TrainImages,
    OptimizerKind Optimizer, long Parameters, IReadOnlyList<EpochMetrics> History, IReadOnlyList<float> StepLosses)
{
    const string Magic = "MLPR-CHECKPOINT";
    public const int CurrentVersion = 2;
    const int HashBytes = 32;

    /// <summary>The settings the run was trained with (compared on resume).</summary>
    public TrainConfig? Config { get; init; }

    /// <summary>The data pipeline the run was trained with, as <see cref="DataPipeline.ToString"/> prints it (compared on resume).</summary>
    public string? Pipeline { get; init; }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The magic string as BinaryWriter writes it: its length byte, then its characters.</summary>
    static readonly byte[] MagicBytes = [(byte)Magic.Length, .. Encoding.ASCII.GetBytes(Magic)];

    const string StartAfresh = "Use an intact copy, or another --checkpoint path (CheckpointPath) to start afresh.";

    internal static void Save(string path, Checkpoint meta, nn.Module model, optim.Optimizer optimizer)
    {
        if (optimizer is not OptimizerHelper helper)
            throw new NotSupportedException($"{optimizer.GetType().Name} cannot save its state.");
        var json = JsonSerializer.Serialize(meta with { Version = CurrentVersion }, Json);
        try
        {
            Write(path, json, model, helper);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the checkpoint {path} ({e.Message}); the previous checkpoint, if any, is intact.", e);
        }
    }

    /// <summary>Throws <see cref="IOException"/> ("Cannot write the checkpoint …") unless a checkpoint can be written at <paramref name="path"/>.</summary>
    public static void CheckWritable(string path) => AtomicFile.CheckWritable(path, "checkpoint");

    static void Write(string path, string json, nn.Module model, OptimizerHelper helper)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(json);
            long sealAt = stream.Position;
            writer.Write(0L);                          // length and checksum: filled in below
            writer.Write(new byte[HashBytes]);
            writer.Flush();
            long payloadStart = stream.Position;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(Encoding.UTF8.GetBytes(json));
            using (var hashing = new HashingWriteStream(stream, hash))
            using (var payload = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                model.save(payload);
                helper.save_state_dict(payload);
            }
            long length = stream.Position - payloadStart;
            stream.Position = sealAt;
            writer.Write(length);
            writer.Write(hash.GetHashAndReset());
            writer.Flush();
            stream.Position = stream.Length;
        });
    }

    /// <summary>Reads only the metadata (quick: the checksum is not checked; <see cref="Verify"/> does that).</summary>
    public static Checkpoint ReadInfo(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        return Parse(ReadHeader(reader, path), path);
    }

    /// <summary>
    /// The metadata, after checking that the file is complete and that its SHA-256 matches the one it
    /// was saved with. Throws <see cref="InvalidDataException"/> saying "truncated", "damaged" or
    /// "not a course checkpoint", and what to do.
    /// </summary>
    public static Checkpoint Verify(string path)
    {
        AtomicFile.RemoveStaleTemps(path);
        using var stream = File.OpenRead(path);
        return ReadVerified(stream, path);
    }

    internal static Checkpoint Load(string path, nn.Module model, optim.Optimizer optimizer)
    {
        AtomicFile.RemoveStaleTemps(path);
        using var stream = File.OpenRead(path);
        var meta = ReadVerified(stream, path);     // leaves the stream at the payload
        using var reader = new BinaryReader(stream, Encoding.UTF8);
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

    /// <summary>Checks length and checksum; returns the metadata with <paramref name="stream"/> at the start of the payload.</summary>
    static Checkpoint ReadVerified(FileStream stream, string path)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var json = ReadHeader(reader, path);
        var meta = Parse(json, path);
        long length;
        byte[] expected;
        try
        {
            length = reader.ReadInt64();
            expected = reader.ReadBytes(HashBytes);
            if (expected.Length < HashBytes) throw new EndOfStreamException();
        }
        catch (EndOfStreamException)
        {
            throw Truncated(path, stream.Length, "it ends inside its header");
        }
        long payloadStart = stream.Position, available = stream.Length - payloadStart;
        if (length < 0 || available > length)
            throw Damaged(path);
        if (available < length)
            throw Truncated(path, stream.Length, $"it holds {available:N0} of the {length:N0} bytes of weights and optimizer state it was saved with");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(json));
        var buffer = new byte[1 << 20];
        int n;
        while ((n = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(expected)) throw Damaged(path);
        stream.Position = payloadStart;
        return meta;
    }

    /// <summary>The magic and the metadata JSON, or an <see cref="InvalidDataException"/> saying what the file is instead.</summary>
    static string ReadHeader(BinaryReader reader, string path)
    {
        var stream = reader.BaseStream;
        var head = reader.ReadBytes(MagicBytes.Length);
        if (!head.AsSpan().SequenceEqual(MagicBytes.AsSpan(0, head.Length)))
            throw new InvalidDataException($"{path} is not a course checkpoint (written by Trainer / course train). Give another --checkpoint path.");
        if (head.Length < MagicBytes.Length) throw Truncated(path, stream.Length, "it ends inside its header");
        try
        {
            return reader.ReadString();
        }
        catch (EndOfStreamException)
        {
            throw Truncated(path, stream.Length, "it ends inside its header");
        }
    }

    static Checkpoint Parse(string json, string path)
    {
        Checkpoint meta;
        try
        {
            meta = JsonSerializer.Deserialize<Checkpoint>(json, Json) ?? throw new JsonException("empty metadata");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is damaged: its metadata is not readable ({e.Message}). {StartAfresh}", e);
        }
        if (meta.Version != CurrentVersion)
            throw new InvalidDataException(
                $"{path} is checkpoint version {meta.Version}; this course reads version {CurrentVersion} (with a checksum). " +
                "Start afresh with another --checkpoint path.");
        return meta;
    }

    static InvalidDataException Truncated(string path, long bytes, string where) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"{path} is truncated ({bytes:N0} bytes; {where}): an interrupted copy or a full disk? Nothing was loaded. {StartAfresh}"));

    static InvalidDataException Damaged(string path) =>
        new($"{path} is damaged: it does not match the length and SHA-256 checksum it was saved with (a changed bit on disk or in a copy). Nothing was loaded. {StartAfresh}");

    /// <summary>Passes writes through to <paramref name="inner"/> (left open) and into <paramref name="hash"/>.</summary>
    sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);
    }
}
