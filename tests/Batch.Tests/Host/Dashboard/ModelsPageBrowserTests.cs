using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Microsoft.Playwright;
using Xunit;

namespace Batch.Tests.Host.Dashboard;

/// <summary>The Models page in a real headless browser, against the real stack: what an operator sees and does.</summary>
[Collection(TorchGroup.Name)]
public sealed class ModelsPageBrowserTests(DashboardBrowserFixture web) : IClassFixture<DashboardBrowserFixture>
{
    private async Task<IPage> OpenAsync(string model)
    {
        var page = await web.Browser.NewPageAsync();
        var response = await page.GotoAsync($"{web.Local}/hangfire/models#model-{model}");
        Assert.Equal(200, response!.Status);
        return page;
    }

    [Fact]
    public async Task TheModelsPage_IsInTheNavigation_AndListsEachDayWithItsMetricsAndVerdict()
    {
        var page = await web.Browser.NewPageAsync();
        await page.GotoAsync($"{web.Local}/hangfire");
        await page.ClickAsync("a:text-is('Models')");
        await page.WaitForURLAsync("**/hangfire/models");

        var model = page.Locator("#model-web-list");
        var production = await model.Locator(".batch-production-version").InnerTextAsync();
        var day = model.Locator("table.batch-attempts").First; // the newest day first
        Assert.Equal("2026-10-20", (await model.Locator("h3.batch-day").First.InnerTextAsync())[..10]);
        var attempt = day.Locator("tr.batch-attempt").First;
        Assert.Equal("succeeded", await attempt.Locator(".batch-status").InnerTextAsync());
        Assert.Matches(@"^ctr AUC 0\.\d{4} vs 0\.\d{4}: [+-]0\.\d{4} \[[+-]0\.\d{4}, [+-]0\.\d{4}\] (up|down|flat)$", await attempt.Locator(".batch-judgement[data-task=ctr]").InnerTextAsync());
        Assert.Matches(@"^(well done|acceptable|see-saw|negative transfer|ctr (better|level|worse), ctcvr (better|level|worse))$", await attempt.Locator(".batch-transfer").InnerTextAsync());
        Assert.Contains(production, await attempt.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("train", await attempt.Locator("td").Nth(2).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Matches(@"^drift \(PSI\): [a-z_]+ \d\.\d{3}, [a-z_]+ \d\.\d{3}, [a-z_]+ \d\.\d{3}$", await attempt.Locator(".batch-drift").InnerTextAsync());
    }

    /// <summary>
    /// The picture README.md shows: one model's part of the Models page as an operator sees it after two nights. Written
    /// to the temporary folder; with BATCH_UPDATE_SCREENSHOTS=1, over docs/images/models-page.png.
    /// </summary>
    [Fact]
    public async Task TheModelsPage_IsPhotographedForTheReadme()
    {
        var page = await web.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await page.GotoAsync($"{web.Local}/hangfire/models");
        var model = page.Locator("#model-web-list");
        await Assertions.Expect(model.Locator(".batch-transfer").First).ToBeVisibleAsync();
        var target = Environment.GetEnvironmentVariable("BATCH_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(BatchProcess.RepositoryRoot(), "docs", "images", "models-page.png")
            : Path.Combine(Path.GetTempPath(), "batch-screenshots", "models-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);

        var png = await model.ScreenshotAsync(new LocatorScreenshotOptions { Path = target });

        Assert.Equal([0x89, 0x50, 0x4E, 0x47], png[..4]);
        Assert.Equal(png, await File.ReadAllBytesAsync(target));
        var box = await model.BoundingBoxAsync();
        Assert.True(box is { Width: >= 800, Height: >= 200 }, $"the model's part is {box?.Width} × {box?.Height}");
        Assert.Equal(2, await model.Locator("h3.batch-day").CountAsync());
    }

    [Fact]
    public async Task TheReport_OpensFromThePage_AndAllItsImagesLoad()
    {
        var page = await OpenAsync("web-list");
        var popup = await page.RunAndWaitForPopupAsync(() => page.Locator("#model-web-list a.batch-report").First.ClickAsync());
        await popup.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.StartsWith("web-list — version", await popup.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        var images = await popup.Locator("img").CountAsync();
        Assert.True(images >= 6, $"{images} images");
        var broken = await popup.EvaluateAsync<int>("() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length");
        Assert.Equal(0, broken);
    }

    [Fact]
    public async Task ReRun_AsksNamingTheDay_ThenEnqueuesANewAttemptOfTheDay_WhichRunsAndMovesProductionOnce()
    {
        var page = await OpenAsync("web-rerun");
        var asked = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            asked.Add(dialog.Message);
            // The first time the operator thinks better of it: nothing is enqueued.
            if (asked.Count == 1) await dialog.DismissAsync();
            else await dialog.AcceptAsync();
        };
        var button = page.Locator("#day-web-rerun-2026-10-20 button.js-batch-action");
        await button.ClickAsync();
        await Assertions.Expect(page.Locator("#batch-message")).ToBeHiddenAsync();
        await using (var check = web.Rig())
            Assert.Single(await check.Ledger.RunsAsync("web-rerun", PipelineRig.LastDay, CancellationToken.None));
        await button.ClickAsync();
        var message = page.Locator("#batch-message");
        await Assertions.Expect(message).ToContainTextAsync("enqueued");
        Assert.Equal(2, asked.Count);
        Assert.StartsWith("Re-run web-rerun for 2026-10-20?", asked[1], StringComparison.Ordinal);

        await using var rig = web.Rig();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        IReadOnlyList<RunRecord> runs;
        while ((runs = await rig.Ledger.RunsAsync("web-rerun", PipelineRig.LastDay, CancellationToken.None)).Count < 2 || runs[^1].Status == RunStatus.Running)
        {
            Assert.True(DateTime.UtcNow < deadline, "the re-run did not finish");
            await Task.Delay(300);
        }
        Assert.Equal([(1, RunStatus.Succeeded), (2, RunStatus.Succeeded)], runs.Select(r => (r.Attempt, r.Status)));
        Assert.Equal("hangfire", runs[^1].Trigger);
        var version = (await rig.Ledger.ReportAsync(runs[^1].Id, CancellationToken.None)).Version;
        Assert.Equal(version, await ProductionInvariants.AssertAsync(rig, web.Stack.DataSource, "web-rerun", moves: 3));
    }

    [Fact]
    public async Task RollBack_AsksForConfirmation_AndIsRecordedWithTheUser()
    {
        await using var rig = web.Rig();
        var first = (await rig.Ledger.ReportAsync((await rig.Ledger.RunsAsync("web-roll", DashboardBrowserFixture.Day1, CancellationToken.None)).Single().Id, CancellationToken.None)).Version!;
        var page = await OpenAsync("web-roll");
        string? asked = null;
        page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            await dialog.AcceptAsync();
        };
        var liveBefore = await page.Locator("#model-web-roll .batch-live").Locator("xpath=..").InnerTextAsync();
        Assert.Equal(0, await page.Locator("#forward-web-roll").CountAsync()); // production is the newest: nothing to move forward to
        await page.Locator("#rollback-web-roll").SelectOptionAsync(first);
        await page.Locator("#model-web-roll button:text-is('Roll back')").ClickAsync();

        await Assertions.Expect(page.Locator("#batch-message")).ToContainTextAsync($"production moved from");
        Assert.Contains($" to {first}?", asked, StringComparison.Ordinal);
        Assert.Contains("recorded in the ledger with your name", asked, StringComparison.Ordinal);
        Assert.DoesNotContain(first, liveBefore, StringComparison.Ordinal);
        // After the reload: the version rolled back to is live, the newer one was applied and later replaced, and the control moves forward.
        await Assertions.Expect(page.Locator("#forward-web-roll")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        Assert.Contains(first, await page.Locator("#model-web-roll .batch-live").Locator("xpath=..").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Move production forward to", await page.Locator("#model-web-roll .batch-move").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("applied, later replaced", await page.Locator("#model-web-roll").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(first, await ProductionInvariants.AssertAsync(rig, web.Stack.DataSource, "web-roll", moves: 3));
        var move = (await rig.Promotions.HistoryAsync("web-roll", CancellationToken.None))[^1];
        Assert.Equal((PromotionKind.Rollback, first), (move.Kind, move.Version));
        Assert.Equal($"local user on {Environment.MachineName} (dashboard)", move.Actor);
    }

    [Fact]
    public async Task APostFromAnotherOrigin_WithoutTheToken_IsRefused_AndChangesNothing()
    {
        await using var rig = web.Rig();
        var before = await ProductionInvariants.AssertAsync(rig, web.Stack.DataSource, "web-forge", moves: 2);
        var first = (await rig.Ledger.ReportAsync((await rig.Ledger.RunsAsync("web-forge", DashboardBrowserFixture.Day1, CancellationToken.None)).Single().Id, CancellationToken.None)).Version!;
        await using var browser = await web.Browser.NewContextAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{web.Local}/hangfire/models"); // the browser holds the dashboard's cookies

        // A page of another origin posts a form to the dashboard, as a malicious site would.
        var other = await browser.NewPageAsync();
        await other.SetContentAsync($"""
            <form method="post" action="{web.Local}/hangfire/models/rollback">
              <input name="model" value="web-forge"><input name="version" value="{first}">
            </form>
            """);
        var response = await other.RunAndWaitForResponseAsync(() => other.EvalOnSelectorAsync("form", "f => f.submit()"), r => r.Url.EndsWith("/rollback", StringComparison.Ordinal));

        Assert.Equal(403, response.Status);
        Assert.Equal(before, await ProductionInvariants.AssertAsync(rig, web.Stack.DataSource, "web-forge", moves: 2));
    }

    [Fact]
    public async Task APageOfAnotherOriginCannotFrameTheDashboard_SoNoDecoyClickReachesIt()
    {
        await using var browser = await web.Browser.NewContextAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{web.Local}/hangfire/models"); // the dashboard's cookies are the browser's
        var other = await browser.NewPageAsync();
        var framed = other.WaitForResponseAsync(r => r.Url.EndsWith("/hangfire/models", StringComparison.Ordinal));
        await other.SetContentAsync($"<iframe id=\"decoy\" src=\"{web.Local}/hangfire/models\" width=\"800\" height=\"600\"></iframe>");
        var answer = await framed;

        Assert.Equal("DENY", await answer.HeaderValueAsync("x-frame-options"));
        await Task.Delay(500);
        var frame = other.Frames.Single(f => f != other.MainFrame);
        Assert.Equal(0, await frame.Locator(".js-batch-action").CountAsync());
    }

    [Fact]
    public async Task TheDashboardsPages_KeepToTheContentSecurityPolicy()
    {
        var page = await web.Browser.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal) || m.Text.Contains("Refused to", StringComparison.Ordinal))
                violations.Add($"{page.Url}: {m.Text}");
        };
        foreach (var path in new[] { "/hangfire", "/hangfire/jobs/succeeded", "/hangfire/recurring", "/hangfire/servers", "/hangfire/models" })
        {
            await page.GotoAsync(web.Local + path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }
        // The Models page's stylesheet is a file of the dashboard: it loads and applies.
        Assert.Equal("nowrap", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('.batch-steps')).whiteSpace"));
        var report = await page.Locator("#model-web-list a.batch-report").First.GetAttributeAsync("href");
        await page.GotoAsync(web.Local + report);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // The report's own style block is allowed by its hash: its table is styled.
        Assert.NotEqual("0px", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('td')).paddingLeft"));

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public async Task ARemoteBrowser_IsRefused_WhenNoUserIsConfigured()
    {
        var page = await web.Browser.NewPageAsync();
        var statuses = new List<int>();
        page.Response += (_, r) => statuses.Add(r.Status);
        // The refusal has no body, so chromium reports the navigation as failed; the response tells the status.
        var failed = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync($"http://{DashboardBrowserFixture.OwnAddress}:{web.Port}/hangfire/models"));
        Assert.Contains("ERR_HTTP_RESPONSE_CODE_FAILURE", failed.Message, StringComparison.Ordinal);
        Assert.Equal([401], statuses);
    }
}
