namespace MlpRevival.Data;

public static partial class Cifar10
{
    /// <summary>
    /// What a notebook trains and tests on: class-balanced subsets of CIFAR-10 in
    /// <paramref name="folder"/> (verified, and downloaded first if missing: <see cref="Ensure"/>) —
    /// <paramref name="trainPerClass"/> training and <paramref name="testPerClass"/> test images of
    /// every class, chosen as <see cref="ImageSet.Subset"/> chooses them with <paramref name="seed"/>:
    /// the same images, in the same order, for the same arguments. The full splits are released as
    /// soon as the subsets are cut.
    /// </summary>
    public static (ImageSet Train, ImageSet Test) LoadBalanced(string? folder, int trainPerClass, int testPerClass, long seed)
    {
        var verified = Ensure(folder);
        return (Balanced(verified, Cifar10Split.Train, trainPerClass, seed), Balanced(verified, Cifar10Split.Test, testPerClass, seed));
    }

    /// <summary>
    /// One split's class-balanced subset, as <see cref="LoadBalanced(string?, int, int, long)"/> cuts
    /// it: for a second subset of another size (a smaller training budget, say) from the same seed.
    /// </summary>
    public static ImageSet LoadBalanced(string? folder, Cifar10Split split, int perClass, long seed) =>
        Balanced(Ensure(folder), split, perClass, seed);

    static ImageSet Balanced(string verifiedFolder, Cifar10Split split, int perClass, long seed)
    {
        using var full = Load(verifiedFolder, split);
        return full.Subset(perClass, seed);
    }
}
