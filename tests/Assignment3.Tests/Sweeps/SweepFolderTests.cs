using Assignment3.Storage;

namespace Assignment3.Tests.Sweeps;

public class SweepFolderTests
{
    private static TrialRow Row(
        int id,
        string lambda,
        string bn,
        string status,
        double? accuracy,
        int? divergedAt = null,
        string? etaMax = null,
        int? replicate = null
    ) =>
        new(
            id,
            "coarse",
            [
                ("lambda", lambda),
                ("batch-norm", bn),
                .. etaMax is null ? Array.Empty<(string, string)>() : [("eta-max", etaMax)],
                .. replicate is { } r ? [("replicate", $"{r}")] : Array.Empty<(string, string)>(),
            ],
            1,
            Enum.Parse<Assignment3.Experiments.Sweeps.TrialPhase>(status, ignoreCase: true),
            accuracy,
            null,
            accuracy,
            divergedAt is null ? 1.2 : double.PositiveInfinity,
            divergedAt,
            1.0,
            "n",
            1,
            status == "failed" ? "boom" : null
        );

    [Fact]
    public void The_pivot_shows_the_best_value_per_cell_and_names_trials_that_diverged_or_failed()
    {
        TrialRow[] rows =
        [
            Row(1, "1E-05", "false", "completed", 0.51),
            Row(2, "1E-05", "true", "diverged", null, divergedAt: 37),
            Row(3, "0.1", "false", "failed", null),
            Row(4, "0.1", "true", "queued", null),
            Row(5, "1E-05", "false", "completed", 0.53, etaMax: "0.2"),
        ];

        var (header, table) = SweepFolder.Pivot(rows, "lambda", "batch-norm", "validation-accuracy");

        Assert.Equal(["lambda", "batch-norm=false", "batch-norm=true"], header);
        Assert.Equal(["1.00e-05", "0.530", "diverged"], table[0]);
        Assert.Equal(["0.100", "failed", ""], table[1]);
    }

    [Fact]
    public void With_replicates_a_cell_is_the_best_configurations_mean_and_standard_deviation_and_the_best_is_by_mean()
    {
        TrialRow[] rows =
        [
            // eta-max 0.1: 0.50, 0.52, 0.54 (mean 0.52); eta-max 0.2: 0.56, 0.46, 0.47 (the best single trial, a worse mean)
            Row(1, "1E-05", "false", "completed", 0.50, etaMax: "0.1", replicate: 1),
            Row(2, "1E-05", "false", "completed", 0.52, etaMax: "0.1", replicate: 2),
            Row(3, "1E-05", "false", "completed", 0.54, etaMax: "0.1", replicate: 3),
            Row(4, "1E-05", "false", "completed", 0.56, etaMax: "0.2", replicate: 1),
            Row(5, "1E-05", "false", "completed", 0.46, etaMax: "0.2", replicate: 2),
            Row(6, "1E-05", "false", "completed", 0.47, etaMax: "0.2", replicate: 3),
        ];

        var (_, table) = SweepFolder.Pivot(rows, "lambda", "batch-norm", "validation-accuracy");

        Assert.Equal(["1.00e-05", "0.520 ± 0.0200 (n=3)"], table[0]);
        // The CSV keeps full precision: the exact mean and sample standard deviation, the stored label.
        var (_, exact) = SweepFolder.Pivot(rows, "lambda", "batch-norm", "validation-accuracy", exact: true);
        double[] values = [0.50, 0.52, 0.54];
        var mean = values.Average();
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / 2);
        Assert.Equal(["1E-05", $"{mean:R} ± {sd:R} (n=3)"], exact[0]);
        var best = Assignment3.Storage.Report.ReportData.BestConfiguration(rows)!;
        Assert.Equal((1, 3), (best.First.Trial, best.Count));
        Assert.Equal(0.52, best.Mean, 12);
    }

    [Fact]
    public void Trials_csv_records_the_step_and_cost_of_a_diverged_trial_and_the_error_of_a_failed_one()
    {
        var folder = Directory.CreateTempSubdirectory("a3-folder-").FullName;
        try
        {
            SweepFolder.WriteTrials(
                folder,
                [
                    Row(2, "1E-05", "true", "diverged", null, divergedAt: 37) with
                    {
                        OrderSeed = 9,
                        Group = 2,
                    },
                    Row(3, "0.1", "false", "failed", null),
                ],
                testAccuracy: false
            );

            var lines = File.ReadAllLines(Path.Combine(folder, "trials.csv"));
            Assert.Equal(
                "trial,stage,lambda,batch-norm,seed,dataOrderSeed,status,validationAccuracy,trainAccuracy,finalCost,"
                    + "divergedAtStep,seconds,group,node,attempts,error",
                lines[0]
            );
            Assert.Equal("2,coarse,1E-05,true,1,9,diverged,,,Infinity,37,1,2,n,1,", lines[1]);
            Assert.EndsWith(",failed,,,1.2,,1,,n,1,boom", lines[2]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
