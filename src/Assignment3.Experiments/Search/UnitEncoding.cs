namespace Assignment3.Experiments.Search;

/// <summary>A point as the model-based methods (GP, TPE) read it, shared by them and owned by neither.</summary>
public static class UnitEncoding
{
    /// <summary>A point as a model reads it: numeric dimensions at their position in [0, 1], categorical ones as the choice's index.</summary>
    public static double[] Encode(SearchSpace space, IReadOnlyList<double> point) =>
        space
            .Dimensions.Select((d, i) => d.Kind == DimensionKind.Categorical ? point[i] : d.ToUnit(point[i]))
            .ToArray();
}
