using Batch.Core.Options;
using Batch.Data.Extraction;

namespace Batch.Tests.Support;

/// <summary>Source specs of the tests: the canonical tables (the mapping's defaults), or another mapping.</summary>
public static class Sources
{
    public static SourceSpec Canonical(FeatureOptions features, TimeZoneInfo zone, int conversionWindowDays) =>
        new(new SourceOptions(), features, zone, conversionWindowDays);
}
