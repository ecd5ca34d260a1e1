using Assignment3.Core.Data;
using Assignment3.Core.Numerics;

namespace Assignment3.Tests.Data;

public class Cifar10LoaderTests
{
    [Fact]
    public void All_batches_split_holds_out_the_last_images_for_validation()
    {
        using var data = new FakeCifar(recordsPerBatch: 12);

        var splits = Cifar10Loader.Load(
            Cifar10Source.Open(data.Folder),
            new DataOptions(SplitKind.All, ValidationSize: 5)
        );

        Assert.Equal(55, splits.Train.Count);
        Assert.Equal(5, splits.Validation.Count);
        Assert.Equal(12, splits.Test.Count);
        Assert.Equal(3072, splits.Train.Dimensions);
        // The last 5 records of data_batch_5 (record indices 7..11, labels r % 10).
        Assert.Equal([7, 8, 9, 0, 1], splits.Validation.Labels);
    }

    [Fact]
    public void Batch1_split_trains_on_the_first_batch_and_validates_on_the_second()
    {
        using var data = new FakeCifar(recordsPerBatch: 12);

        var splits = Cifar10Loader.Load(
            Cifar10Source.Open(data.Folder),
            new DataOptions(SplitKind.Batch1, ValidationSize: 10_000)
        );

        Assert.Equal(12, splits.Train.Count);
        Assert.Equal(12, splits.Validation.Count);
        var raw = File.ReadAllBytes(Path.Combine(data.Folder, "data_batch_2.bin"));
        Assert.Equal(raw[0], splits.Validation.Labels[0]);
    }

    [Fact]
    public void The_archive_reads_the_same_as_the_unpacked_folder()
    {
        using var data = new FakeCifar(recordsPerBatch: 6);
        var fromFolder = Cifar10Loader.Load(Cifar10Source.Open(data.Folder), new DataOptions(SplitKind.All, 4));

        var fromArchive = Cifar10Loader.Load(Cifar10Source.Open(data.Archive()), new DataOptions(SplitKind.All, 4));

        Assert.Equal(fromFolder.Train.Pixels, fromArchive.Train.Pixels);
        Assert.Equal(fromFolder.Train.Standardizer.Scale, fromArchive.Train.Standardizer.Scale);
        Assert.Equal(fromFolder.Test.Labels, fromArchive.Test.Labels);
    }

    [Fact]
    public void Preprocessing_standardizes_with_the_training_split_statistics_only()
    {
        using var data = new FakeCifar(recordsPerBatch: 20);

        var splits = Cifar10Loader.Load(
            Cifar10Source.Open(data.Folder),
            new DataOptions(SplitKind.Batch1, ValidationSize: 20)
        );

        var rawTrain = File.ReadAllBytes(Path.Combine(data.Folder, "data_batch_1.bin"));
        var rawTest = File.ReadAllBytes(Path.Combine(data.Folder, "test_batch.bin"));
        foreach (var i in new[] { 0, 1000, 3071 })
        {
            var pixels = Enumerable.Range(0, 20).Select(r => rawTrain[r * 3073 + 1 + i] / 255.0).ToArray();
            var mean = pixels.Average();
            var std = Math.Sqrt(pixels.Select(v => (v - mean) * (v - mean)).Average());
            var trainRow = Enumerable.Range(0, 20).Select(j => (double)splits.Train.Value(i, j)).ToArray();
            Assert.Equal(0, trainRow.Average(), 1e-5);
            Assert.Equal(1, Math.Sqrt(trainRow.Select(v => v * v).Average()), 1e-4);
            // The test set is transformed with the training statistics, not its own.
            Assert.Equal((rawTest[1 + i] / 255.0 - mean) / std, splits.Test.Value(i, 0), 1e-4);
        }
    }

    [Fact]
    public void A_gathered_batch_holds_each_images_standardized_values_whatever_the_vector_width()
    {
        using var data = new FakeCifar(recordsPerBatch: 20);
        var train = Cifar10Loader
            .Load(Cifar10Source.Open(data.Folder), new DataOptions(SplitKind.Batch1, ValidationSize: 20))
            .Train;
        var x = new Mat<float>(3072, 3);
        var labels = new byte[3];

        train.Gather([7, 0, 19], x, labels);

        Assert.Equal([train.Labels[7], train.Labels[0], train.Labels[19]], labels);
        foreach (var (column, image) in new[] { (0, 7), (1, 0), (2, 19) })
            for (var i = 0; i < 3072; i++)
                Assert.Equal(
                    MathF.FusedMultiplyAdd(
                        train.Pixels[image * 3072 + i],
                        train.Standardizer.Scale[i],
                        train.Standardizer.Offset[i]
                    ),
                    x[i, column]
                );
    }

    [Fact]
    public void A_missing_batch_file_is_named()
    {
        using var data = new FakeCifar();
        File.Delete(Path.Combine(data.Folder, "data_batch_3.bin"));

        var e = Assert.Throws<DataException>(() =>
            Cifar10Loader.Load(Cifar10Source.Open(data.Folder), new DataOptions())
        );

        Assert.Contains("data_batch_3.bin", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void A_size_that_is_not_a_multiple_of_the_record_size_is_reported_with_the_file()
    {
        using var data = new FakeCifar();
        var path = Path.Combine(data.Folder, "data_batch_2.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^100]);

        var e = Assert.Throws<DataException>(() =>
            Cifar10Loader.Load(Cifar10Source.Open(data.Folder), new DataOptions(SplitKind.All, 5))
        );

        Assert.Contains(path, e.Message);
        Assert.Contains("not a multiple of the record size 3,073", e.Message);
    }

    [Fact]
    public void A_label_outside_0_to_9_is_reported_with_the_record()
    {
        using var data = new FakeCifar();
        var path = Path.Combine(data.Folder, "test_batch.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[3 * 3073] = 12;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<DataException>(() =>
            Cifar10Loader.Load(Cifar10Source.Open(data.Folder), new DataOptions(SplitKind.All, 5))
        );

        Assert.Contains("test_batch.bin: record 3 has label 12", e.Message);
    }

    [Fact]
    public void A_truncated_archive_is_reported_as_such()
    {
        using var data = new FakeCifar();
        var archive = data.Archive();
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<DataException>(() =>
            Cifar10Loader.Load(Cifar10Source.Open(archive), new DataOptions(SplitKind.All, 5))
        );

        Assert.Contains(archive, e.Message);
        Assert.Contains("truncated or corrupt", e.Message);
    }

    [Fact]
    public void A_validation_size_that_leaves_no_training_data_is_refused()
    {
        using var data = new FakeCifar(recordsPerBatch: 2);

        var e = Assert.Throws<DataException>(() =>
            Cifar10Loader.Load(Cifar10Source.Open(data.Folder), new DataOptions(SplitKind.All, 10))
        );

        Assert.Contains("validation size 10 leaves no training images", e.Message);
    }

    [Fact]
    public void A_folder_of_symbolic_links_to_the_batches_is_read_with_the_targets_sizes()
    {
        using var data = new FakeCifar(recordsPerBatch: 12);
        var links = Directory.CreateTempSubdirectory("a3-links-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(data.Folder, "*.bin"))
                File.CreateSymbolicLink(Path.Combine(links, Path.GetFileName(file)), file);

            var splits = Cifar10Loader.Load(
                Cifar10Source.Open(links),
                new DataOptions(SplitKind.All, ValidationSize: 5)
            );

            Assert.Equal(55, splits.Train.Count);
        }
        finally
        {
            Directory.Delete(links, recursive: true);
        }
    }

    [Fact]
    public void A_truncated_batch_is_named_before_any_split_arithmetic()
    {
        using var data = new FakeCifar(recordsPerBatch: 12);
        var third = Path.Combine(data.Folder, "data_batch_3.bin");
        File.WriteAllBytes(third, File.ReadAllBytes(third)[..5000]);

        var e = Assert.Throws<DataException>(() =>
            Cifar10Loader.Load(Cifar10Source.Open(data.Folder), new DataOptions(SplitKind.All, ValidationSize: 59))
        );

        Assert.StartsWith($"{third}: size 5,000 bytes is not a multiple of the record size", e.Message);
    }
}
