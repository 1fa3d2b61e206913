using Batch.Core.Options;

namespace Batch.Data.Extraction;

/// <summary>
/// What a read of a model's source needs: its relations as configured, the feature columns, the business time zone and
/// the conversion window.
/// </summary>
public sealed record SourceSpec(SourceOptions Source, FeatureOptions Features, TimeZoneInfo Zone, int ConversionWindowDays)
{
    public SourceTable Impressions { get; } = SourceTable.Parse(Source.Impressions.Table);
    public SourceTable Conversions { get; } = SourceTable.Parse(Source.Conversions.Table);

    /// <summary>A profile's source as the settings give it.</summary>
    public static SourceSpec Of(ModelProfile profile, BatchOptions settings)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(settings);
        return new(profile.Source, profile.Features, settings.TimeZone(), settings.ConversionWindowDays);
    }

    /// <summary>The same source read with other feature columns (production's, when they differ).</summary>
    public SourceSpec WithFeatures(FeatureOptions features) => new(Source, features, Zone, ConversionWindowDays);
}
