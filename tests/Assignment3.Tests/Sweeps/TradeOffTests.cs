using System.Text.Json;
using Assignment3.Core.Training;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Objectives;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Several objectives and constraints: what a config may say, what is refused, which configurations are never
/// trained, the fronts a sweep writes (the same however it ran), and the searches that find them.
/// </summary>
public sealed class TradeOffTests : IDisposable
{
    private readonly InProcessSweeps sweeps = new("a3-tradeoffs-");

    public void Dispose() => sweeps.Dispose();

    private const string TwoObjectives =
        "objectives = [ { metric = validation-accuracy, goal = max }, { metric = parameters, goal = min } ]";

    [Theory]
    [InlineData("sweep { objectives = [] }", "sweep.objectives: expected a list of one or more")]
    [InlineData(
        "sweep { objectives = [ { metric = accuracy, goal = max } ] }",
        "sweep.objectives[0].metric: 'accuracy' is not a metric; expected validation-accuracy, test-accuracy"
    )]
    [InlineData(
        "sweep { objectives = [ { metric = parameters, goal = smallest } ] }",
        "sweep.objectives[0].goal: 'smallest' is not a goal; expected max or min"
    )]
    [InlineData(
        "sweep { objectives = [ { metric = parameters, goal = min, weight = 2 } ] }",
        "sweep.objectives[0].weight: unknown key; allowed: metric, goal, reference"
    )]
    [InlineData(
        "sweep { objectives = [ { metric = parameters, goal = min }, { metric = parameters, goal = max } ] }",
        "sweep.objectives[1].metric: parameters is already objective 0"
    )]
    [InlineData(
        "sweep { objectives = [ { metric = test-accuracy, goal = max } ] }",
        "sweep.objectives[0].metric: test-accuracy is measured only with sweep.test-accuracy = true"
    )]
    [InlineData(
        "sweep { constraints = [ \"test-accuracy >= 0.3\" ] }",
        "sweep.constraints[0]: test-accuracy is measured only with sweep.test-accuracy = true"
    )]
    [InlineData(
        "sweep { constraints = [ \"parameters < 100\" ] }",
        "sweep.constraints[0]: 'parameters < 100' has no comparison"
    )]
    [InlineData(
        "sweep { constraints = [ \"flops <= 100\" ] }",
        "sweep.constraints[0]: 'flops' is not a metric or a difference of two"
    )]
    [InlineData("sweep { constraints = [ \"parameters <= lots\" ] }", "sweep.constraints[0]: 'lots' is not a number")]
    [InlineData(
        "network { hidden = [[50], [100]] }\nsweep { constraints = [ \"parameters <= 1000\" ] }",
        "sweep.constraints: none of the 2 configurations meets \"parameters <= 1000\""
    )]
    [InlineData(
        "sweep { search { trials = 4, space { width-1 = { log-uniform = [50, 100] } } }\n constraints = [ \"parameters <= 1000\" ] }",
        "sweep.constraints: no point of sweep.search.space meets \"parameters <= 1000\""
    )]
    [InlineData(
        "training { cycles = 9 }\nsweep { schedule { policy = successive-halving, eta = 3, min-budget = 1 }\n"
            + "objectives = [ { metric = seconds, goal = min } ] }",
        "sweep.objectives[0].metric: seconds depend on the machine"
    )]
    [InlineData(
        "training { cycles = 9 }\nsweep { schedule { policy = median, min-budget = 1 }\n" + TwoObjectives + " }",
        "sweep.objectives: policy median compares validation accuracy alone"
    )]
    [InlineData(
        "training { cycles = 9 }\nsweep { schedule { policy = hyperband, eta = 3, min-budget = 1 }\ntest-accuracy = true\n"
            + "objectives = [ { metric = test-accuracy, goal = max } ] }",
        "sweep.objectives[0].metric: test accuracy is measured at a trial's end"
    )]
    public void Bad_objectives_and_constraints_are_refused_naming_the_key(string text, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => SweepConfig.Parse(text, "bad.conf"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("bad.conf", e.Message);
    }

    [Fact]
    public void Constraints_read_a_metric_or_a_difference_and_their_excess_is_how_far_past_the_bound()
    {
        var overfit = ConstraintSpec.Parse("train-accuracy - validation-accuracy <= 0.08", "c");
        Assert.Equal(
            (Metric.TrainAccuracy, Metric.ValidationAccuracy, true),
            (overfit.Left, overfit.Right, overfit.AtMost)
        );
        Assert.False(overfit.KnownBeforeTraining);
        Assert.Equal(0.02, overfit.Excess(0.1), 12);

        var small = ConstraintSpec.Parse("parameters>=1e3", "c");
        Assert.Equal((Metric.Parameters, null, false, 1000.0), (small.Left, small.Right, small.AtMost, small.Bound));
        Assert.True(small.KnownBeforeTraining);
        Assert.Equal(-500, small.Excess(1500));
    }

    [Fact]
    public void Parameters_and_training_flops_come_from_the_config_alone()
    {
        var config = new TrainingConfig(); // [50, 50] with batch norm, batch 100, 2 cycles of n_s 2,250
        Assert.Equal((3072 + 3) * 50 + (50 + 3) * 50 + (50 + 1) * 10, Metric.ParametersOf(config));
        // Multiply-adds per step: forward and weight gradient of every layer, input gradient above the first.
        var perStep = 2.0 * 50 * 3072 * 100 + 3.0 * 50 * 50 * 100 + 3.0 * 10 * 50 * 100;
        Assert.Equal(perStep * 9000, Metric.TrainingFlopsOf(config));
    }

    [Fact]
    public void A_grid_never_plans_configurations_that_break_a_constraint_known_before_training_and_says_how_many()
    {
        var sweep = SweepConfig.Parse(
            """
            network { hidden = [[4], [8], [64]] }
            training { lambda = [1e-4, 1e-3] }
            sweep { constraints = [ "parameters <= 50000" ] }
            """,
            "constrained.conf"
        );

        var plan = SweepPlanner.FirstStage(sweep);

        Assert.Equal(4, plan.Count);
        Assert.All(plan.Trials(), t => Assert.True(Metric.ParametersOf(t.Config) <= 50000));
        Assert.Equal(
            "stage coarse: 2 of 6 configurations break \"parameters <= 50000\" (sweep.constraints): skipped, never trained",
            Assert.Single(plan.Warnings)
        );
    }

    [Fact]
    public async Task A_grid_sweep_writes_its_front_of_feasible_trials_and_an_infeasible_trial_is_never_the_best()
    {
        // The fake trainer's accuracy peaks at lambda 1e-3 (0.521; 0.511 at the others) and does not depend on the width.
        var sweep = SweepConfig.Parse(
            $$"""
            name = front
            network { hidden = [[4], [16]] }
            training { lambda = [1e-4, 1e-3, 1e-2], step-size = 5, cycles = 1, batch-size = 10 }
            sweep {
              {{TwoObjectives}}
              constraints = [ "validation-accuracy >= 0.515" ]
            }
            """,
            "front.conf"
        );

        var folder = await sweeps.Run(sweep, slots: 2, InProcessSweeps.Scrambled(3));

        var rows = SweepFiles.Trials(folder);
        Assert.Equal(
            ["false", "true", "false", "false", "true", "false"],
            rows.OrderBy(r => r.Trial).Select(r => r["feasible"])
        );
        var front = File.ReadAllLines(Path.Combine(folder, "pareto-coarse.csv"));
        Assert.StartsWith("trial,stage,validation-accuracy,parameters,hidden,", front[0]);
        Assert.StartsWith($"2,coarse,0.521,{(3072 + 3) * 4 + (4 + 1) * 10},[4],", Assert.Single(front.Skip(1)));
        Assert.Contains(
            "1 non-dominated of 2 trials trained to their end that meet the constraints (4 more break one)",
            File.ReadAllText(Path.Combine(folder, "pareto-coarse.md"))
        );
        Assert.Equal(["trial-2.conf"], Directory.GetFiles(Path.Combine(folder, "front")).Select(Path.GetFileName));

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var json = summary.RootElement.GetProperty("front");
        Assert.Equal(2, json.GetProperty("members")[0].GetProperty("trial").GetInt32());
        Assert.Equal(0.1, json.GetProperty("objectives")[0].GetProperty("reference").GetDouble());
        Assert.True(json.GetProperty("hypervolume").GetDouble() > 0);
        Assert.Equal(2, summary.RootElement.GetProperty("best").GetProperty("trial").GetInt32());

        var report = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.Contains("<h2 id=\"trade-offs\">Trade-offs</h2>", report);
        Assert.Equal(4, report.Split("class=\"infeasible\"").Length - 1);
        Assert.Contains("class=\"hypervolume-by-cycles\"", report);
    }

    private static SweepConfig ParetoSearch(string method) =>
        SweepConfig.Parse(
            $$"""
            name = pareto-search
            training { step-size = 5, cycles = 1, batch-size = 10 }
            sweep {
              seed = 5
              {{TwoObjectives}}
              constraints = [ "parameters <= 60000", "validation-accuracy >= 0.49" ]
              search {
                method = {{method}}, trials = 12, initial = 4, batch = 4, lag = 1
                space {
                  lambda = { log-uniform = [1e-5, 1e-1] }
                  batch-norm = [false, true]
                  width-1 = { log-uniform = [4, 64] }
                }
              }
            }
            """,
            "pareto-search.conf"
        );

    [Theory]
    [InlineData("gp")]
    [InlineData("tpe")]
    public async Task A_search_of_two_objectives_proposes_only_feasible_shapes_and_its_front_is_the_same_on_1_and_3_slots(
        string method
    )
    {
        var sweep = ParetoSearch(method);

        var one = await sweeps.Run(sweep, slots: 1);
        var three = await sweeps.Run(sweep, slots: 3, InProcessSweeps.Scrambled(7));

        SweepFiles.AssertEveryTrialOnceCompleted(one, 12);
        Assert.All(SweepFiles.Trials(one), r => Assert.True(double.Parse(r["parameters"]) <= 60000, r["parameters"]));
        var front = File.ReadAllText(Path.Combine(one, "pareto-coarse.csv"));
        Assert.True(front.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 1, front);
        Assert.Equal(front, File.ReadAllText(Path.Combine(three, "pareto-coarse.csv")));
        Assert.Equal(
            File.ReadAllText(Path.Combine(one, "search-coarse.csv")),
            File.ReadAllText(Path.Combine(three, "search-coarse.csv"))
        );
    }

    [Fact]
    public async Task Successive_halving_of_two_objectives_promotes_the_rungs_front_the_same_on_1_and_3_slots()
    {
        // 27 configurations (3 widths x 3 lambdas x 3 eta-max) of 9 cycles: 27 -> 9 -> 3 at 1, 3 and 9 cycles.
        var sweep = SweepConfig.Parse(
            $$"""
            name = pareto-sha
            network { hidden = [[4], [8], [16]] }
            training { lambda = [1e-4, 1e-3, 1e-2], eta-max = [0.05, 0.1, 0.2], step-size = 5, cycles = 9, batch-size = 10 }
            sweep {
              schedule { policy = successive-halving, eta = 3, min-budget = 1 }
              {{TwoObjectives}}
            }
            """,
            "pareto-sha.conf"
        );

        var one = await sweeps.Run(sweep, slots: 1);
        var three = await sweeps.Run(sweep, slots: 3, InProcessSweeps.Scrambled(5));

        SweepFiles.AssertEveryTrialOnceFinal(one, 27);
        Assert.Equal(SweepFiles.Rungs(one), SweepFiles.Rungs(three));
        string Statuses(string folder) =>
            string.Join(
                ",",
                SweepFiles.Trials(folder).OrderBy(r => r.Trial).Select(r => $"{r.Trial}:{r.Status}:{r["rung"]}")
            );
        Assert.Equal(Statuses(one), Statuses(three));
        Assert.Equal(
            File.ReadAllText(Path.Combine(one, "pareto-coarse.csv")),
            File.ReadAllText(Path.Combine(three, "pareto-coarse.csv"))
        );
        // The fake trainer's accuracy after 1 cycle against the parameters: every trial on that front went on.
        var plan = SweepPlanner.FirstStage(sweep).Trials().ToArray();
        var atRung = plan.Select(t =>
                (IReadOnlyList<double>)
                    [
                        1 - FakeTrialRunner.AccuracyAt(t.Config, t.Config.StepsPerCycle),
                        Math.Log10(Metric.ParametersOf(t.Config)),
                    ]
            )
            .ToArray();
        var rows = SweepFiles.Trials(one).ToDictionary(r => r.Trial);
        var front = Pareto.Front(atRung).Select(i => plan[i].Id).ToArray();
        Assert.InRange(front.Length, 1, 9);
        Assert.All(front, id => Assert.NotEqual("0", rows[id]["rung"]));
        Assert.Equal(9, rows.Values.Count(r => r["rung"] != "0"));
    }
}
