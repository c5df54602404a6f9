using Grains.Interfaces;

namespace WebFrontend.Model;

/// <summary>Body of GET /results: one page of results, newest first.</summary>
public sealed record ResultsPage(IReadOnlyList<ResultResponse> Items, int Page, int PageSize, int Total);
