using System.Net;

namespace Inference.Tests.Gateway.Live;

/// <summary>On the in-memory transport there is no broker to ask for queue depths: the pipeline view says so and shows the rest.</summary>
[Category("Integration")]
public sealed class When_the_gateway_runs_without_a_broker
{
    [Test]
    public async Task Should_say_why_there_are_no_queue_depths()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Transport:Kind"] = "InMemory",
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = LivePipeline.Database.ConnectionString,
        });
        using var client = gateway.CreateClient();

        var answer = await Http.GetAsync(client, "v1/pipeline");

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        var queues = answer.Json.GetProperty("queues");
        Assert.That(queues.GetProperty("available").GetBoolean(), Is.False);
        Assert.That(queues.GetProperty("reason").GetString(), Does.Contain("InMemory"));
        Assert.That(answer.Json.GetProperty("stages").GetArrayLength(), Is.EqualTo(9));
        Assert.That(answer.Json.GetProperty("deadLetters").GetArrayLength(), Is.EqualTo(0), "no broker, no dead-letter queues to read");
    }
}
