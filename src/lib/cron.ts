import { schedule } from "node-cron";

export interface CronTask {
  /** Stops firing; a job already running finishes. */
  stop(): Promise<void>;
}

/**
 * Runs `job` on a cron expression. The one importer of node-cron's scheduler: drills and app jobs take a
 * CronSchedule, so their unit tests capture the job and call it directly instead of waiting for a minute.
 */
export type CronSchedule = (expression: string, job: () => void, name: string) => CronTask;

export const nodeCron: CronSchedule = (expression, job, name) => {
  const task = schedule(expression, job, { name });
  return {
    stop: async () => {
      await task.destroy();
    },
  };
};
