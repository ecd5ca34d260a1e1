using Assignment3.Experiments.Sweeps;

namespace Assignment3.Tests.Sweeps;

public static class SweepConfigs
{
    /// <summary>3 lambdas x BN on/off, then a refinement of the best one into 3 lambdas with 2 cycles.</summary>
    public static SweepConfig Small(double trialTimeout = 1800, int maxAttempts = 3) => SweepConfig.Parse($$"""
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
        """, "small.conf");
}
