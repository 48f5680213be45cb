using D2LLM.Data;
using Microsoft.Extensions.VectorData;

namespace D2LLM.SemanticKernel;

/// <summary>Checked documents ready to ingest: the documents, their collection's definition and their count (<see cref="DocumentIngestion.Plan"/>).</summary>
public sealed record IngestionPlan(IEnumerable<Document> Documents, VectorStoreCollectionDefinition Definition, int Count);
