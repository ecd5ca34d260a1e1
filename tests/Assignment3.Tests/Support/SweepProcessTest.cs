using Assignment3.Tests.Data;

namespace Assignment3.Tests.Support;

/// <summary>
/// What a test of real a3 processes starts from: a small generated CIFAR-10 (60 records per batch)
/// and a folder of its own, both removed when the test ends.
/// </summary>
public abstract class SweepProcessTest(string folderPrefix) : IDisposable
{
    protected readonly FakeCifar data = new(recordsPerBatch: 60);
    protected readonly string work = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    public void Dispose()
    {
        data.Dispose();
        Directory.Delete(work, recursive: true);
        GC.SuppressFinalize(this);
    }
}
