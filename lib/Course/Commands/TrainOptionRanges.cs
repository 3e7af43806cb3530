using System.Globalization;
using MlpRevival.Training;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// The valid range of every number `course train` takes, checked before anything runs, with one
/// line per problem that names the option, what it got and what to give instead (TrainConfig.Validate
/// stays the library's own check, in its property names). The bounds are the real ones: 32-bit
/// floats in the optimizer (TrainConfig.MaxFloat, MaxLearningRate), whole images per class for the
/// class-balanced subsets, the processors of this machine for --threads.
/// </summary>
static class TrainOptionRanges
{
    static string Show(double x) => x.ToString("G", CultureInfo.InvariantCulture);
    static string Show2(double x) => x.ToString("G2", CultureInfo.InvariantCulture);

    static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }

    /// <summary>Throws <see cref="ArgumentException"/> for the first option of <paramref name="run"/> out of its range.</summary>
    public static void Check(TrainConfig run)
    {
        Require(run.Epochs >= 1, $"--epochs {run.Epochs}: give at least 1.");
        Require(run.BatchSize >= 1, $"--batch {run.BatchSize}: give a batch size of at least 1 (a batch larger than the training set takes the whole set).");
        double maxLr = run.MaxLearningRate;
        Require(run.LearningRate > 0 && run.LearningRate <= maxLr,
            $"--lr {Show(run.LearningRate)}: give a learning rate above 0 and at most {Show2(maxLr)} ({run.Optimizer}'s step must fit a 32-bit float); the default is 0.001.");
        Require(run.WeightDecay >= 0 && run.WeightDecay <= TrainConfig.MaxFloat,
            $"--wd {Show(run.WeightDecay)}: give a weight decay from 0 to {Show2(TrainConfig.MaxFloat)} (a 32-bit float); the default is 0.05.");
        Require(run.WarmupEpochs >= 0 && run.WarmupEpochs <= run.Epochs,
            $"--warmup {Show(run.WarmupEpochs)}: give between 0 and --epochs ({run.Epochs}) warmup epochs.");
        Require(run.LabelSmoothing >= 0 && run.LabelSmoothing < 1,
            $"--label-smoothing {Show(run.LabelSmoothing)}: give a value from 0 up to, not including, 1.");
        Require(run.ClipGradNorm is null or > 0 and <= TrainConfig.MaxFloat,
            $"--clip {Show(run.ClipGradNorm ?? 0)}: give a gradient-norm limit above 0 and at most {Show2(TrainConfig.MaxFloat)} (a 32-bit float), or leave it out.");
        Require(run.MaxSteps is null or >= 1, $"--max-steps {run.MaxSteps}: give at least 1, or leave it out to train whole epochs.");
    }

    /// <summary>--threads: 1 to the processors this machine has (libtorch starts every thread asked for; 100,000 of them hang the run).</summary>
    public static void CheckThreads(int threads) =>
        Require(threads >= 1 && threads <= Environment.ProcessorCount,
            $"--threads {threads}: give between 1 and {Environment.ProcessorCount} (the processors this machine has; more only slow training down).");

    /// <summary>
    /// --samples / --test-samples: a class-balanced subset takes the same whole number of images from
    /// every class, so a multiple of the class count, from one image per class up to all images of the
    /// smallest class in each.
    /// </summary>
    public static string? SubsetProblem(string option, int samples, int classes, long smallestClass)
    {
        long max = classes * smallestClass;
        if (samples >= classes && samples <= max && samples % classes == 0) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{option} {samples}: give a multiple of {classes} from {classes} to {max:N0} (the same number of images from each of the {classes} classes; the smallest class here has {smallestClass:N0}).");
    }
}
