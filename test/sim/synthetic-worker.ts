// Runs runSynthetic(workerData.seed) inside a worker thread and posts the result back, to show the hash does not depend on the thread.
import { parentPort, workerData } from 'node:worker_threads';
import { runSynthetic } from './synthetic.ts';

const { seed } = workerData as { seed: number };
parentPort?.postMessage(runSynthetic(seed));
