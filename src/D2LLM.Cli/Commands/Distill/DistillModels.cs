using System.CommandLine;
using D2LLM.Models;

namespace D2LLM.Cli.Commands.Distill;

/// <summary>The models <c>distill</c>'s flags name: the teacher, the pseudo-query generator (none: the teacher) and the student's backbone.</summary>
internal sealed class DistillModels : IDisposable
{
    private DistillModels(IDecoder teacher, IDecoder? generator, IBackbone backbone) => (Teacher, Generator, Backbone) = (teacher, generator, backbone);

    public IDecoder Teacher { get; }
    public IDecoder? Generator { get; }
    public IBackbone Backbone { get; }

    public static DistillModels Load(DistillFlags flags, ParseResult r)
    {
        var teacher = flags.Device.LoadDecoder(r, r.GetValue(flags.Teacher)!);
        IDecoder? generator = null;
        try
        {
            generator = r.GetValue(flags.Generator) is { } generatorDir ? flags.Device.LoadDecoder(r, generatorDir) : null;
            return new DistillModels(teacher, generator, flags.Device.Load(r, r.GetValue(flags.Backbone)!, new ModelLoadOptions { Layers = r.GetValue(flags.BackboneLayers) }));
        }
        catch
        {
            generator?.Dispose();
            teacher.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Backbone.Dispose();
        Generator?.Dispose();
        Teacher.Dispose();
    }
}
