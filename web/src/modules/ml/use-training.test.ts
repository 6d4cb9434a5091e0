import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MlModelVersion } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { useTraining, type TrainingApi } from './use-training';

function version(over: Partial<MlModelVersion> = {}): MlModelVersion {
  return {
    id: '00000000-0000-4000-8000-000000000001', model: 'propensity_to_buy', version: 3, status: 'training', is_active: false, algorithm: 'gbdt',
    params: {}, seed: 1, features: [], calibration: null, data_snapshot: null, progress: { stage: 'boosting', iteration: 0, total: 100 }, error: null,
    created_by: 'admin@lyra.local', created_at: '2026-01-01T00:00:00Z', started_at: null, finished_at: null, activated_at: null, activated_by: null,
    stability: null, metrics: null, ...over,
  };
}

describe('useTraining', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts training and polls until the version is ready', async () => {
    const polls = [version({ progress: { stage: 'boosting', iteration: 50, total: 100 } }), version({ status: 'ready', progress: { stage: 'done', iteration: 100, total: 100 } })];
    const api: TrainingApi = { train: vi.fn(async () => version()), version: vi.fn(async () => polls.shift()!) };
    const onFinished = vi.fn();
    const t = useTraining({ api, intervalMs: 1000, onFinished });
    await t.start('propensity_to_buy', { params: { n_trees: 80 } });
    expect(t.phase.value).toBe('training');
    expect(api.train).toHaveBeenCalledWith('propensity_to_buy', { params: { n_trees: 80 } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.version.value?.progress.iteration).toBe(50);
    expect(t.phase.value).toBe('training');
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.phase.value).toBe('ready');
    expect(api.version).toHaveBeenCalledWith('propensity_to_buy', 3);
    expect(onFinished).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(api.version).toHaveBeenCalledTimes(2);
  });

  it('reports a failed version with its error', async () => {
    const api: TrainingApi = { train: vi.fn(async () => version()), version: vi.fn(async () => version({ status: 'failed', error: 'Not enough positives' })) };
    const t = useTraining({ api, intervalMs: 500 });
    await t.start('propensity_to_buy');
    await vi.advanceTimersByTimeAsync(500);
    expect(t.phase.value).toBe('failed');
    expect(t.error.value).toBe('Not enough positives');
  });

  it('shows a refused start as an error', async () => {
    const api: TrainingApi = { train: vi.fn(async () => Promise.reject(new ApiError({ status: 403, code: 'forbidden', message: 'Not allowed' }))), version: vi.fn() };
    const t = useTraining({ api });
    await t.start('campaign_response');
    expect(t.phase.value).toBe('error');
    expect(t.error.value).toBe('Not allowed');
  });

  it('rides out a few failed polls, then gives up', async () => {
    const api: TrainingApi = { train: vi.fn(), version: vi.fn(async () => Promise.reject(new ApiError({ status: 0, code: 'network_error', message: 'offline' }))) };
    const t = useTraining({ api, intervalMs: 100, maxFailures: 3 });
    t.follow('payment_default_risk', version({ model: 'payment_default_risk' }));
    await vi.advanceTimersByTimeAsync(200);
    expect(t.phase.value).toBe('training');
    await vi.advanceTimersByTimeAsync(200);
    expect(t.phase.value).toBe('error');
    expect(t.error.value).toBe('offline');
  });

  it('stops polling when stopped', async () => {
    const api: TrainingApi = { train: vi.fn(), version: vi.fn(async () => version()) };
    const t = useTraining({ api, intervalMs: 100 });
    t.follow('propensity_to_buy', version());
    t.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.version).not.toHaveBeenCalled();
  });
});
