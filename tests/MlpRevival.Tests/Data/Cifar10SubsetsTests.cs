using System.Security.Cryptography;
using MlpRevival.Data;

namespace MlpRevival.Tests.Data;

/// <summary>
/// The notebooks' one data call: exactly the class-balanced subsets their data cells used to cut by
/// hand (Ensure, Load both splits, Subset each with the run's seed), in the same order.
/// </summary>
public class Cifar10SubsetsTests
{
    static string SampleFolder => Repo.Path_("datasets", "cifar-10-sample");

    static void AssertSame(ImageSet expected, ImageSet actual)
    {
        Assert.Equal(expected.Images.shape, actual.Images.shape);
        Assert.True(expected.Images.equal(actual.Images).all().item<bool>(), "the same pixels, image by image");
        Assert.Equal(expected.LabelArray(), actual.LabelArray());
        Assert.Equal(expected.ClassNames, actual.ClassNames);
        Assert.Equal(expected.Source, actual.Source);
    }

    [Theory]
    [InlineData(10, 10, 0)]
    [InlineData(3, 7, 42)]
    public void The_subsets_are_those_the_data_cells_cut_by_hand(int trainPerClass, int testPerClass, long seed)
    {
        var folder = Cifar10.Ensure(SampleFolder);
        using var fullTrain = Cifar10.Load(folder, Cifar10Split.Train);
        using var fullTest = Cifar10.Load(folder, Cifar10Split.Test);
        using var expectedTrain = fullTrain.Subset(trainPerClass, seed);
        using var expectedTest = fullTest.Subset(testPerClass, seed);

        var (train, test) = Cifar10.LoadBalanced(SampleFolder, trainPerClass, testPerClass, seed);
        using (train)
        using (test)
        {
            AssertSame(expectedTrain, train);
            AssertSame(expectedTest, test);
        }
        using var trainAlone = Cifar10.LoadBalanced(SampleFolder, Cifar10Split.Train, trainPerClass, seed);
        AssertSame(expectedTrain, trainAlone);
    }

    [Fact]
    public void The_quick_profile_gets_the_same_images_as_before()
    {
        // Pinned from the data cells' code as it stood before LoadBalanced: 10 + 10 per class, seed 0.
        var (train, test) = Cifar10.LoadBalanced(SampleFolder, 10, 10, 0);
        using (train)
        using (test)
        {
            Assert.Equal(TrainDigest, Digest(train));
            Assert.Equal(TestDigest, Digest(test));
        }
    }

    [Fact]
    public void A_second_training_subset_of_another_size_comes_from_the_same_seeded_order()
    {
        using var larger = Cifar10.LoadBalanced(SampleFolder, Cifar10Split.Train, 20, seed: 5);
        using var smaller = Cifar10.LoadBalanced(SampleFolder, Cifar10Split.Train, 10, seed: 5);
        using var other = Cifar10.LoadBalanced(SampleFolder, Cifar10Split.Train, 10, seed: 6);
        Assert.All(smaller.ClassCounts(), n => Assert.Equal(10, n));
        Assert.False(smaller.Images.equal(other.Images).all().item<bool>(), "another seed, other images");
        // Each class's first 10 of the seeded order are among its first 20.
        var pixels = Enumerable.Range(0, larger.Count).Select(i => Convert.ToHexString(larger.Images[i].data<byte>().ToArray())).ToHashSet();
        Assert.All(Enumerable.Range(0, smaller.Count), i => Assert.Contains(Convert.ToHexString(smaller.Images[i].data<byte>().ToArray()), pixels));
    }

    [Fact]
    public void Asking_for_more_images_than_a_class_has_names_the_class()
    {
        var error = Assert.Throws<ArgumentException>(() => Cifar10.LoadBalanced(SampleFolder, 10, 1_000, 0));
        Assert.Contains("ask for at most", error.Message);
    }

    static string Digest(ImageSet set) =>
        Convert.ToHexString(SHA256.HashData([.. set.Images.data<byte>().ToArray(), .. set.LabelArray().Select(l => (byte)l)]))[..16];

    const string TrainDigest = "0B7E1C9F9A4BC558";
    const string TestDigest = "55A0D470F2264620";
}
