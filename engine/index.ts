/** Caravan engine: training, fine-tuning and serving of assistant language models (transport-free). */
export { createEngine, defaultBaseCheckpointPath } from './createEngine.ts';
export type { Engine, EngineDeps, ChatOptions, ChatReturnType, EngineFinetuneParameters, EngineStatus } from './createEngine.ts';
export { finetune, assistantKeys } from './finetune/finetune.ts';
export type { FinetuneDeps, FinetuneParameters, FinetuneReturnType } from './finetune/finetune.ts';
export type { DatasetInput, Passage } from './finetune/parseDatasets.ts';
export type { TrainingProgress } from './train/runTraining.ts';
export { createFsCheckpointStore } from './checkpoint/store.ts';
export { decodeCheckpoint } from './checkpoint/format.ts';
export type { CheckpointStore } from './checkpoint/store.ts';
export { selectBackend, backendOrder } from './backend/selectBackend.ts';
export type { SelectBackendReturnType } from './backend/selectBackend.ts';
export type { ChatMessage, Citation } from './serve/composeAnswer.ts';
export type { SamplingOptions } from './serve/generate.ts';
export { modelPresets, architectureFingerprint } from './model/config.ts';
export type { ModelConfig } from './model/config.ts';
export * from './errors.ts';
