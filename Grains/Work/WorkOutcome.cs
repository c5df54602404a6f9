namespace Grains.Work;

public enum WorkOutcome
{
    Completed,
    Failed,
    Retrying,
    Cancelled,
}
