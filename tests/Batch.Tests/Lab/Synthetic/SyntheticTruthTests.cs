using Batch.Lab.Synthetic;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Lab.Synthetic;

public sealed class SyntheticTruthTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private long[] _ids = [];

    public async Task InitializeAsync()
    {
        await new SyntheticSeeder(stack.DataSource).SeedAsync(new DateOnly(2026, 5, 10), 1, 500, seed: 5,
            TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam"), conversionWindowDays: 2, CancellationToken.None);
        await using var command = stack.DataSource.CreateCommand("select id from impressions order by id desc limit 50");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<long>();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        _ids = [.. ids];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Read_GivesEachImpressionsProbabilities_InTheOrderAsked_WithAndWithoutTheLatentTerms()
    {
        var truth = (await new SyntheticTruth(stack.DataSource).ReadAsync(_ids, CancellationToken.None))!;
        for (var i = 0; i < _ids.Length; i += 7)
        {
            Assert.Equal(await stack.ScalarAsync<double>($"select p_click from synthetic_truth where impression_id = {_ids[i]}"), truth.Click[i]);
            Assert.Equal(await stack.ScalarAsync<double>($"select p_convert from synthetic_truth where impression_id = {_ids[i]}"), truth.Convert[i]);
            Assert.Equal(await stack.ScalarAsync<double>($"select p_click_without_latent from synthetic_truth where impression_id = {_ids[i]}"), truth.ClickWithoutLatent![i]);
            Assert.Equal(await stack.ScalarAsync<double>($"select p_convert_without_latent from synthetic_truth where impression_id = {_ids[i]}"), truth.ConvertWithoutLatent![i]);
        }
    }

    [Fact]
    public async Task Read_RowsSeededBeforeTheLatentTermsWereStored_KeepTheTruth_WithoutThatPart()
    {
        var kept = await stack.ScalarAsync<double>($"select p_click_without_latent from synthetic_truth where impression_id = {_ids[3]}");
        await using (var command = stack.DataSource.CreateCommand($"update synthetic_truth set p_click_without_latent = null where impression_id = {_ids[3]}"))
            await command.ExecuteNonQueryAsync();
        try
        {
            var truth = (await new SyntheticTruth(stack.DataSource).ReadAsync(_ids, CancellationToken.None))!;
            Assert.Equal(_ids.Length, truth.Click.Length);
            Assert.Null(truth.ClickWithoutLatent);
            Assert.Null(truth.ConvertWithoutLatent);
            // An id without any truth: none at all.
            Assert.Null(await new SyntheticTruth(stack.DataSource).ReadAsync([.. _ids, -1], CancellationToken.None));
        }
        finally
        {
            await using var restore = stack.DataSource.CreateCommand($"update synthetic_truth set p_click_without_latent = @kept where impression_id = {_ids[3]}");
            restore.Parameters.AddWithValue("kept", kept);
            await restore.ExecuteNonQueryAsync();
        }
    }
}
