using Batch.Core.Frames;
using Batch.Core.Options;

namespace Batch.Data.Extraction;

/// <summary>
/// What a read of a model's source needs: its relations as configured, the feature columns, the business time zone, the
/// conversion window, and the labels besides clicked and converted that the model's tasks need.
/// </summary>
public sealed record SourceSpec(SourceOptions Source, FeatureOptions Features, TimeZoneInfo Zone, int ConversionWindowDays, IReadOnlyList<ExtraLabel>? ExtraLabels = null)
{
    public SourceTable Impressions { get; } = SourceTable.Parse(Source.Impressions.Table);
    public SourceTable Conversions { get; } = SourceTable.Parse(Source.Conversions.Table);

    /// <summary>The labels read besides clicked and converted (none for the default tasks).</summary>
    public IReadOnlyList<ExtraLabel> Labels => ExtraLabels ?? [];

    /// <summary>The event relations under <see cref="SourceOptions.Events"/>, by name, parsed.</summary>
    public IReadOnlyDictionary<string, SourceTable> Events { get; } =
        Source.Events.ToDictionary(e => e.Key, e => SourceTable.Parse(e.Value.Table), StringComparer.Ordinal);

    /// <summary>An event relation's table: the conversions' or one of <see cref="Events"/>.</summary>
    public SourceTable EventTable(string name) => name == SourceOptions.ConversionsEvent ? Conversions : Events[name];

    /// <summary>A profile's source as the settings give it, with the labels its tasks need.</summary>
    public static SourceSpec Of(ModelProfile profile, BatchOptions settings)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(settings);
        return new(profile.Source, profile.Features, settings.TimeZone(), settings.ConversionWindowDays,
            LabelKeys.Extra(profile));
    }

    /// <summary>The same source read with other feature columns (production's, when they differ).</summary>
    public SourceSpec WithFeatures(FeatureOptions features) => this with { Features = features };

    /// <summary>The same source read with other further labels (a published model's tasks', when they differ).</summary>
    public SourceSpec WithLabels(IReadOnlyList<ExtraLabel> labels) => this with { ExtraLabels = labels };
}
