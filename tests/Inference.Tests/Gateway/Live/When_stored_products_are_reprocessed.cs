using System.Net;
using System.Text.Json;
using Inference.Contracts;
using Inference.Data;
using Inference.Gateway.Reprocessing;
using Microsoft.EntityFrameworkCore;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// <c>POST /v1/reprocess</c> on the real pipeline: a stored product made by an older classifier version (its saga long expired)
/// is sent through the pipeline again and stored as its next revision, made by the classifier serving now; a product whose
/// classifier is not older is left alone; the job's progress is on <c>/v1/pipeline</c>.
/// </summary>
[Category("Integration")]
public sealed class When_stored_products_are_reprocessed
{
    const string OldClassifier = "baseline-keyword-classifier@0.0.1";
    const string NewerClassifier = "baseline-keyword-classifier@99.0.0";
    readonly string _source = $"reprocess-{Guid.NewGuid():N}"[..24];
    readonly Guid _old = Guid.NewGuid();
    readonly Guid _current = Guid.NewGuid();
    Answer _started = null!;
    JsonElement _job;
    JsonElement _record;

    HttpClient Client => LivePipeline.Client;

    [OneTimeSetUp]
    public async Task ReprocessAsync()
    {
        var options = new DbContextOptionsBuilder<ProductsDbContext>();
        ProductsDatabase.UseProvider(options, new StoreOptions { Provider = StoreProvider.Postgres, ConnectionString = LivePipeline.Database.ConnectionString });
        await using (var db = new ProductsDbContext(options.Options))
        {
            await new ProductUpsert(db).UpsertAsync([Stored(_old, OldClassifier), Stored(_current, NewerClassifier)], CancellationToken.None);
        }

        _started = await Http.PostAsync(Client, JsonSerializer.Serialize(new { stage = "classify", below = "0.0.2", source = _source, rate = 50 }), path: "v1/reprocess");
        var location = _started.Header("Location")!.TrimStart('/');
        await Http.UntilAsync(async () =>
        {
            _job = (await Http.GetAsync(Client, location)).Json;
            return _job.GetProperty("state").GetString() is "Done" or "Stopped";
        }, "the job to end");
        await Http.UntilAsync(async () =>
        {
            var record = await Http.GetAsync(Client, $"v1/products/{_old}/record");
            _record = record.Json;
            return _record.GetProperty("revision").GetInt64() == 4;
        }, "the product to be stored again");
    }

    StoreProduct Stored(Guid id, string classifier) => new(
        id, _source, $"sku-{id:N}", "Koss EQ50 3-band stereo equalizer black", "audio", 0.6, "koss", null, null,
        new Dictionary<string, string>(), [], new Dictionary<string, string> { ["classify"] = classifier, ["extract"] = "baseline-generic@0.0.1" },
        DateTimeOffset.UtcNow.AddDays(-30), Revision: 3);

    [Test]
    public void Should_start_a_job_and_say_where_to_follow_it()
    {
        Assert.That(_started.Status, Is.EqualTo(HttpStatusCode.Accepted), _started.ToString());
        Assert.That(_started.Header("Location"), Does.StartWith("/v1/reprocess/"));
        Assert.That(_job.GetProperty("state").GetString(), Is.EqualTo("Done"), _job.ToString());
    }

    [Test]
    public void Should_send_only_the_products_of_the_older_model()
    {
        Assert.That(_job.GetProperty("scanned").GetInt64(), Is.EqualTo(2));
        Assert.That(_job.GetProperty("matched").GetInt64(), Is.EqualTo(1));
        Assert.That(_job.GetProperty("sent").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public void Should_store_the_next_revision_made_by_the_classifier_serving_now()
    {
        var classify = _record.GetProperty("models").GetProperty("classify").GetString()!;
        Assert.That(classify, Is.Not.EqualTo(OldClassifier));
        Assert.That(ModelVersion.Compare(ModelVersion.Parse(classify[(classify.LastIndexOf('@') + 1)..])!, ModelVersion.Parse("0.0.2")!), Is.GreaterThanOrEqualTo(0));
        Assert.That(_record.GetProperty("revision").GetInt64(), Is.EqualTo(4), "above the stored revision 3");
        Assert.That(_record.GetProperty("text").GetString(), Is.EqualTo("Koss EQ50 3-band stereo equalizer black"));
    }

    [Test]
    public async Task Should_leave_the_product_of_a_current_model_alone()
    {
        var record = await Http.GetAsync(Client, $"v1/products/{_current}/record");
        Assert.That(record.Json.GetProperty("revision").GetInt64(), Is.EqualTo(3));
        Assert.That((await Http.GetAsync(Client, $"v1/products/{_current}")).Status, Is.EqualTo(HttpStatusCode.NotFound), "it never ran");
    }

    [Test]
    public async Task Should_show_the_job_on_the_pipeline()
    {
        var jobs = (await Http.GetAsync(Client, "v1/pipeline")).Json.GetProperty("reprocessing").EnumerateArray();
        Assert.That(jobs.Select(j => j.GetProperty("id").GetString()), Does.Contain(_job.GetProperty("id").GetString()));
    }

    [Test]
    public async Task Should_refuse_a_version_without_its_stage()
    {
        var answer = await Http.PostAsync(Client, """{"below":"1.0"}""", path: "v1/reprocess");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), answer.ToString());
        Assert.That(answer.ErrorsFor("below"), Has.Length.EqualTo(1));
    }
}
