using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Training;

/// <summary>
/// Where the student's token states come from during training: a frozen backbone whose states were computed once
/// (<see cref="TokenStates"/>, heads-only), or a backbone trained with LoRA (<see cref="LoraEncoder"/>).
/// </summary>
public interface ITokenEncoder
{
    int Dim { get; }

    /// <summary>Trainable parameters of the encoder itself (none when frozen).</summary>
    IEnumerable<Parameter> Parameters { get; }

    EncodedTexts Encode(IReadOnlyList<string> texts, bool training);

    /// <summary>Back-propagates dL/d(states) into the encoder's parameters.</summary>
    void Backward(EncodedTexts encoded, Tensor dStates);

    /// <summary>Called before each training step, so that randomness (dropout) can follow the step number and a resumed run repeats it exactly.</summary>
    void BeginStep(int step)
    {
    }
}
