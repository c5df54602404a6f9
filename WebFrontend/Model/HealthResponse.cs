namespace WebFrontend.Model;

public sealed record HealthResponse(string Status, int Silos);
