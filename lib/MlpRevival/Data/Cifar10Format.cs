using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Data;

/// <summary>
/// The CIFAR-10 binary format: each file is a run of 3,073-byte records, one label byte (0–9)
/// followed by the 3,072 pixel bytes of a 32×32 image, channel-major (1,024 red, 1,024 green,
/// 1,024 blue, each row-major). So the whole file is a uint8 [N, 3073] matrix, and reading is one
/// copy from disk into a tensor followed by a slice and a reshape.
/// </summary>
internal static partial class Cifar10Format
{
    public const int RecordSize = 1 + 3 * 32 * 32;

    /// <summary>Reads the files into one ImageSet: one read per file straight into the tensor's storage.</summary>
    public static ImageSet Read(IReadOnlyList<string> files, IReadOnlyList<string> classNames, string source)
    {
        var sizes = files.Select(f => CheckedSize(f)).ToArray();
        long records = sizes.Sum() / RecordSize;
        using var scope = torch.NewDisposeScope();
        var raw = torch.empty([records, RecordSize], ScalarType.Byte);
        var storage = raw.bytes;
        long offset = 0;
        for (int i = 0; i < files.Count; i++)
        {
            ReadExactly(files[i], storage.Slice((int)offset, (int)sizes[i]));
            offset += sizes[i];
        }
        var labelBytes = raw.select(1, 0);
        var bad = labelBytes.ge(classNames.Count).nonzero();
        if (bad.shape[0] > 0)
        {
            long record = bad[0, 0].item<long>();
            var (file, index) = Locate(files, sizes, record);
            throw new DataSetException(
                $"{file}: record {index:N0} has label byte {labelBytes[record].item<byte>()}, but CIFAR-10 labels are 0–{classNames.Count - 1} " +
                $"({bad.shape[0]:N0} bad records in all). The file is corrupt or not a CIFAR-10 binary file (CIFAR-100's binary format has 2 label bytes). " +
                "Re-install the data: course data download, or course data install --from <archive|folder>.");
        }
        var labels = labelBytes.to(ScalarType.Int64);
        var images = raw.narrow(1, 1, RecordSize - 1).reshape(records, 3, 32, 32).contiguous();
        images.DetachFromDisposeScope();
        labels.DetachFromDisposeScope();
        return new ImageSet(images, labels, classNames, source);
    }

    /// <summary>Writes images and labels as CIFAR-10 binary records (atomically).</summary>
    public static void Write(string path, ImageSet set)
    {
        if (set.Channels != 3 || set.Height != 32 || set.Width != 32)
            throw new ArgumentException($"CIFAR-10 records hold 3×32×32 images, not {set.Channels}×{set.Height}×{set.Width}.");
        using var scope = torch.NewDisposeScope();
        var records = torch.cat([set.Labels.to(ScalarType.Byte).unsqueeze(1), set.Images.reshape(set.Count, RecordSize - 1)], 1).contiguous();
        AtomicFile.WriteAllBytes(path, records.bytes);
    }

    /// <summary>The file's size, after checking it can hold whole records.</summary>
    public static long CheckedSize(string file)
    {
        var size = new FileInfo(file).Length;
        if (size == 0 || size % RecordSize != 0)
            throw new DataSetException(
                $"{file} is {size:N0} bytes, which is not a whole number of CIFAR-10 records ({RecordSize:N0} bytes each: 1 label byte + 3,072 pixel bytes; " +
                $"{size / RecordSize:N0} whole records and {size % RecordSize:N0} bytes left over). The file is truncated or not from the binary version. " +
                "Re-install the data: course data download, or course data install --from <archive|folder>.");
        return size;
    }

    static void ReadExactly(string file, Span<byte> destination)
    {
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        long position = 0;
        while (position < destination.Length)
        {
            int n = RandomAccess.Read(handle, destination[(int)position..], position);
            if (n == 0) throw new DataSetException($"{file} ended after {position:N0} bytes while {destination.Length:N0} were expected: it changed while being read.");
            position += n;
        }
    }

    static (string File, long Index) Locate(IReadOnlyList<string> files, long[] sizes, long record)
    {
        for (int i = 0; i < files.Count; i++)
        {
            long n = sizes[i] / RecordSize;
            if (record < n) return (files[i], record);
            record -= n;
        }
        return (files[^1], record);
    }

    [GeneratedRegex(@"^data_batch_(\d+)\.bin$")]
    internal static partial Regex TrainFilePattern();
}
