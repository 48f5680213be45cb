namespace D2LLM.Teacher;

/// <summary>Which weights teacher fine-tuning moves.</summary>
public enum TeacherTuningMode
{
    /// <summary>LoRA adapters on every projection (base weights frozen): for large teachers.</summary>
    Lora,

    /// <summary>Every layer tensor and the final norm (embedding and head frozen): for small teachers.</summary>
    Full,
}
