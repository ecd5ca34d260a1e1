namespace Assignment3.Core.Training;

/// <summary>
/// Triangular cyclical learning rate: one cycle is 2 * StepSize update steps, rising linearly
/// from EtaMin to EtaMax over the first half and falling back over the second.
/// </summary>
public sealed record CyclicalLearningRate(double EtaMin, double EtaMax, int StepSize)
{
    public double At(long step)
    {
        var position = step % (2L * StepSize);
        var fraction =
            position <= StepSize ? (double)position / StepSize : (double)(2L * StepSize - position) / StepSize;
        return EtaMin + fraction * (EtaMax - EtaMin);
    }
}
