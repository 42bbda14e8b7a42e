/** The bench: settings, the run loop, topology verification, Markdown rendering and machine facts, each in a file of its own. */
export * from './settings';
export * from './result-types';
export { runBench, synthOnce } from './run-loop';
export type { TemplateAnalysis } from './run-loop';
export { verifyTopology } from './topology-check';
export { judgeTargets, renderMarkdown, renderTable, writeResults } from './markdown';
export { checkSameAwsCdkLib } from './machine';
