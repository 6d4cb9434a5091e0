import type { PredictionsService } from './predictions.service.js';
import type { RegistryService } from './registry.service.js';
import type { ScoringRun } from './scoring/scoring-run.js';
import type { TrainingRun } from './training/training-run.js';

/**
 * The ML module's services as the container composes them: the registry (models, versions, the
 * active one), training runs, batch scoring runs and single predictions. Routes, jobs and the demo
 * start-up each call the ones they need.
 */
export interface MlServices {
  registry: RegistryService;
  training: TrainingRun;
  scoring: ScoringRun;
  predictions: PredictionsService;
}
