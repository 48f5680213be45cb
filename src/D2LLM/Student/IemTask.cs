namespace D2LLM.Student;

/// <summary>Which IEM branch scores a batch: symmetric (NLI/STS, task 0) or asymmetric (IR, task 1).</summary>
public enum IemTask
{
    Symmetric = 0,
    Asymmetric = 1,
}
