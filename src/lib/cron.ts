import { schedule } from "node-cron";

export interface CronTask {
  /** Stops firing; a job already running finishes. */
  stop(): Promise<void>;
}

// The one importer of node-cron: callers take a CronSchedule so unit tests can call the job
// directly instead of waiting for a minute.
export type CronSchedule = (expression: string, job: () => void, name: string) => CronTask;

export const nodeCron: CronSchedule = (expression, job, name) => {
  const task = schedule(expression, job, { name });
  return {
    stop: async () => {
      await task.destroy();
    },
  };
};
