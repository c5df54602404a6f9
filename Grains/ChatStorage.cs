namespace Grains;

/// <summary>Grain storage provider names, bound to a real store by the silo's configuration.</summary>
public static class ChatStorage
{
    public const string Results = "results";
}
