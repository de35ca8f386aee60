import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger: pretty lines on a terminal, JSON otherwise. */
export function createLogger(params: { level: string; pretty?: boolean; name?: string }): Logger {
  const pretty = params.pretty ?? Boolean(process.stdout.isTTY);
  return pino({
    name: params.name ?? 'caravan',
    level: params.level,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } } : {}),
  });
}
