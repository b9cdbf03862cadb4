// Owns GET /metrics: Prometheus text from the server's own prom-client registry.
import type { Request, Response } from 'express';
import { renderMetrics } from '../metrics/metrics.js';
import type { Services } from '../http/services.js';

export function metricsRoutes(s: Services) {
  return {
    async metrics(_req: Request, res: Response) {
      const m = await renderMetrics(s.metrics);
      res.type(m.contentType).send(m.body);
    },
  };
}
