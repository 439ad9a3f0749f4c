// Recommendations: engines (popularity, content similarity, item-kNN, EASE) and their offline evaluation.
export { evaluate, type EvaluationReport, type MetricRow } from './engines/evaluate.ts';
export { readItemsFile, readRatingsFile } from './recommendations.evaluation.ts';
