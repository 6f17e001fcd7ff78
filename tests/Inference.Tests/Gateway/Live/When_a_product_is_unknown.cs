using System.Net;

namespace Inference.Tests.Gateway.Live;

[Category("Integration")]
public sealed class When_a_product_is_unknown
{
    HttpClient Client => LivePipeline.Client;

    [Test]
    public async Task Should_answer_404_with_a_problem_for_its_state()
    {
        var answer = await Http.GetAsync(Client, $"v1/products/{Guid.NewGuid()}");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.NotFound), answer.ToString());
        Assert.That(answer.Header("Content-Type"), Does.StartWith("application/problem+json"));
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("knows no product"));
    }

    [Test]
    public async Task Should_answer_404_with_a_problem_for_its_record()
    {
        var answer = await Http.GetAsync(Client, $"v1/products/{Guid.NewGuid()}/record");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.NotFound), answer.ToString());
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("holds no record"));
    }

    [Test]
    public async Task Should_answer_400_for_an_id_that_is_not_a_guid()
    {
        var answer = await Http.GetAsync(Client, "v1/products/walmart-42");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), answer.ToString());
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("not a GUID"));
    }
}
