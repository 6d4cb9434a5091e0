/**
 * Lines from Lyra's own work (jobs, syncs, scheduling). The level says what happened: a failed
 * run is a warning or an error, a tick that found nothing to do is debug; the process prints the
 * level with the line and drops debug lines unless LOG_LEVEL asks for them.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** `level` defaults to info. */
export type LogFn = (msg: string, extra?: Record<string, unknown>, level?: LogLevel) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** LOG_LEVEL values (pino's names) -> the lowest level printed; silent prints nothing. */
const THRESHOLD: Record<string, number> = { trace: 0, debug: 10, info: 20, warn: 30, error: 40, fatal: 50, silent: Infinity };

/** A LogFn printing `<ISO time> <LEVEL> <message> <extra as JSON>` to stdout (warn and error to stderr). */
export function consoleLog(logLevel: string, out: { log(line: string): void; error(line: string): void } = console): LogFn {
  const min = THRESHOLD[logLevel] ?? RANK.info;
  return (msg, extra, level = 'info') => {
    if (RANK[level] < min) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${msg}${extra ? ` ${JSON.stringify(extra)}` : ''}`;
    if (RANK[level] >= RANK.warn) out.error(line);
    else out.log(line);
  };
}
