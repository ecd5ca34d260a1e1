using Assignment3.Experiments.Sweeps;

namespace Assignment3.Tests.Sweeps;

public static class SweepConfigs
{
    /// <summary>3 lambdas x BN on/off, then a refinement of the best one into 3 lambdas with 2 cycles.</summary>
    public static SweepConfig Small(double trialTimeout = 1800, int maxAttempts = 3) =>
        SweepConfig.Parse(
            $$"""
            name = small
            network { hidden = [4], batch-norm = [false, true] }
            training { lambda = [1e-4, 1e-3, 1e-2], step-size = 5, cycles = 1, batch-size = 10 }
            sweep {
              seed = 3
              trial-timeout = {{trialTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
              max-attempts = {{maxAttempts}}
              table { rows = lambda, columns = batch-norm, cell = validation-accuracy }
              stages = [
                {
                  name = fine
                  from = coarse
                  top = 1
                  refine { lambda { count = 3, span = 0.5 } }
                  training { cycles = 2 }
                }
              ]
            }
            """,
            "small.conf"
        );

    /// <summary>
    /// 27 configurations (9 lambdas x 3 eta_max) of 9 cycles, scheduled by <paramref name="schedule"/>
    /// (successive halving with eta 3 from 1 cycle by default: 27 -> 9 -> 3 at 1, 3 and 9 cycles), each
    /// trained <paramref name="replicates"/> times.
    /// </summary>
    public static SweepConfig EarlyStopping(
        string schedule = "policy = successive-halving, eta = 3, min-budget = 1",
        int replicates = 1
    ) =>
        SweepConfig.Parse(
            $$"""
            name = early
            network { hidden = [4], batch-norm = true }
            training {
              lambda = { log-grid = [1e-5, 1e-1], count = 9 }
              eta-max = [0.05, 0.1, 0.2]
              step-size = 5
              cycles = 9
              batch-size = 10
              points-per-cycle = 2
            }
            sweep {
              seed = 3
              replicates = {{replicates}}
              schedule { {{schedule}} }
              table { rows = lambda, columns = eta-max, cell = validation-accuracy }
            }
            """,
            "early.conf"
        );

    /// <summary>
    /// A search over lambda, eta-max and batch norm (alpha with it) for the fake trainer, whose accuracy
    /// peaks at lambda 1e-3, eta-max 0.1, batch norm on: 16 trials, 4 initial, rounds of 4.
    /// </summary>
    public static SweepConfig Search(
        string method = "gp",
        int trials = 16,
        int batch = 4,
        int lag = 1,
        string extra = "",
        int initial = 4,
        string schedule = "policy = grid",
        int cycles = 1,
        string? stages = null,
        string sweepExtra = ""
    ) =>
        SweepConfig.Parse(
            $$"""
            name = search
            network { hidden = [4] }
            training { step-size = 5, cycles = {{cycles}}, batch-size = 10 }
            sweep {
              seed = 3
              schedule { {{schedule}} }
              {{(stages is null ? "" : $"stages = {stages}")}}
              {{sweepExtra}}
              search {
                method = {{method}}
                trials = {{trials}}
                initial = {{initial}}
                batch = {{batch}}
                lag = {{lag}}
                space {
                  lambda = { log-uniform = [1e-5, 1e-1] }
                  eta-max = { log-uniform = [1e-3, 1] }
                  batch-norm = [false, true]
                  batch-norm-alpha = { uniform = [0.5, 0.99] }
                }
                {{extra}}
              }
            }
            """,
            "search.conf"
        );
}
