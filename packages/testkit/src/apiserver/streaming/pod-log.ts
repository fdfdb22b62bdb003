/**
 * `GET …/pods/NAME/log`: a container's log as `text/plain`, chunked, each line
 * flushed as it is written when following. Options as PodLogOptions: container,
 * follow, previous, timestamps, tailLines, limitBytes, sinceSeconds, sinceTime.
 * Validation and error texts follow the API server (ValidatePodLogOptions) and the
 * kubelet (no previous container).
 */
import type { ServerResponse } from 'node:http';
import { failureStatus, type StatusObject, sendStatus } from '../status.ts';
import type { LogEntry } from './log-book.ts';
import type { PodRef } from './pod-ref.ts';
import { chooseContainer, isStatus, queryBool, queryInt } from './query.ts';
import type { PodRuntime } from './runtime.ts';

interface LogOptions {
  container: string;
  follow: boolean;
  timestamps: boolean;
  tailLines: number | undefined;
  limitBytes: number | undefined;
  /** Only lines written at or after this time (ms since the epoch). */
  since: number | undefined;
}

export function servePodLog(runtime: PodRuntime, res: ServerResponse, url: URL, pod: PodRef): void {
  const options = parseOptions(url, pod, () => runtime.now());
  if (isStatus(options)) {
    sendStatus(res, options);
    return;
  }
  const container = runtime.container(pod, options.container);
  if (container === undefined) {
    sendStatus(
      res,
      failureStatus('BadRequest', `container ${options.container} is not valid for pod ${pod.name}`),
    );
    return;
  }
  if (queryBool(url, 'previous')) {
    sendStatus(
      res,
      failureStatus(
        'BadRequest',
        `previous terminated container ${JSON.stringify(options.container)} in pod ${JSON.stringify(pod.name)} not found`,
      ),
    );
    return;
  }

  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  let budget = options.limitBytes ?? Number.POSITIVE_INFINITY;
  /** Writes one line; false once `limitBytes` is used up. */
  const write = (entry: LogEntry): boolean => {
    const text = `${options.timestamps ? `${formatTimestamp(entry.time)} ` : ''}${entry.line}\n`;
    const bytes = Buffer.from(text);
    if (bytes.length >= budget) {
      res.write(bytes.subarray(0, budget));
      budget = 0;
      return false;
    }
    budget -= bytes.length;
    res.write(bytes);
    return true;
  };

  let backlog = container.log
    .entries()
    .filter((entry) => options.since === undefined || entry.time >= options.since);
  if (options.tailLines !== undefined)
    backlog = options.tailLines === 0 ? [] : backlog.slice(-options.tailLines);
  for (const entry of backlog) {
    if (!write(entry)) {
      res.end();
      return;
    }
  }
  if (!options.follow || container.log.ended) {
    res.end();
    return;
  }
  let stopFollowing: () => void = () => {};
  stopFollowing = container.log.follow((entry) => {
    if (entry === undefined || !write(entry)) {
      stopFollowing();
      res.end();
    }
  });
  const forget = runtime.track(pod, { close: () => stopFollowing() });
  res.on('close', () => {
    stopFollowing();
    forget();
  });
}

function parseOptions(url: URL, pod: PodRef, now: () => number): LogOptions | StatusObject {
  const tailLines = queryInt(url, 'tailLines');
  const limitBytes = queryInt(url, 'limitBytes');
  const sinceSeconds = queryInt(url, 'sinceSeconds');
  for (const value of [tailLines, limitBytes, sinceSeconds]) if (isStatus(value)) return value;
  const sinceTimeText = url.searchParams.get('sinceTime');
  const sinceTime = sinceTimeText === null ? undefined : Date.parse(sinceTimeText);
  if (sinceTime !== undefined && Number.isNaN(sinceTime)) {
    return failureStatus('BadRequest', `invalid value for sinceTime: ${JSON.stringify(sinceTimeText)}`);
  }

  const causes: { reason: string; message: string; field: string }[] = [];
  const invalid = (field: string, value: number, detail: string) =>
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${detail}`, field });
  if (typeof tailLines === 'number' && tailLines < 0)
    invalid('tailLines', tailLines, 'must be greater than or equal to 0');
  if (typeof limitBytes === 'number' && limitBytes < 1)
    invalid('limitBytes', limitBytes, 'must be greater than 0');
  if (typeof sinceSeconds === 'number' && sinceTime !== undefined) {
    causes.push({
      reason: 'FieldValueForbidden',
      message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
      field: '',
    });
  } else if (typeof sinceSeconds === 'number' && sinceSeconds < 1) {
    invalid('sinceSeconds', sinceSeconds, 'must be greater than 0');
  }
  if (causes.length > 0) {
    const list = causes.map((cause) =>
      cause.field === '' ? cause.message : `${cause.field}: ${cause.message}`,
    );
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return failureStatus('Invalid', `PodLogOptions ${JSON.stringify(pod.name)} is invalid: ${summary}`, {
      name: pod.name,
      kind: 'PodLogOptions',
      causes,
    });
  }

  const container = chooseContainer(pod, url.searchParams.get('container'));
  if (isStatus(container)) return container;
  return {
    container,
    follow: queryBool(url, 'follow'),
    timestamps: queryBool(url, 'timestamps'),
    tailLines: typeof tailLines === 'number' ? tailLines : undefined,
    limitBytes: typeof limitBytes === 'number' ? limitBytes : undefined,
    since: typeof sinceSeconds === 'number' ? now() - sinceSeconds * 1000 : sinceTime,
  };
}

/** The kubelet's RFC3339NanoFixed: nine fractional digits, UTC. */
export function formatTimestamp(time: number): string {
  return new Date(time).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
