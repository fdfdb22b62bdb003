/**
 * Watch: a chunked JSON stream of `{"type","object"}` lines, flushed one by one.
 * resourceVersion unset or "0" starts with the current state as ADDED events; a
 * resourceVersion resumes after it, or yields an ERROR event carrying a 410 Expired
 * Status when it has left the event window (what the real watch cache does).
 * Selectors apply to every event: an object that stops matching is sent as DELETED.
 * BOOKMARKs are sent when asked for, and the stream ends after `timeoutSeconds`.
 */
import { negotiate } from '../http.ts';
import { getString, type JsonObject, type KubeObject } from '../json.ts';
import { apiVersionOf } from '../resources.ts';
import { matches, parseSelectors } from '../selectors.ts';
import { badRequest, failureStatus, type StatusObject } from '../status.ts';
import type { StoreEvent } from '../store.ts';
import { type TableOptions, tableOptionsFrom, toTable } from '../table.ts';
import type { HandlerContext } from './context.ts';
import { requestNamespace } from './read.ts';

export interface WatchSettings {
  /** How often a BOOKMARK is sent to watchers that allow them. */
  bookmarkIntervalMs: number;
  /** Used when the request has no timeoutSeconds. */
  defaultTimeoutSeconds: number;
  /** Registers a way to end the stream when the server closes; returns the unregister function. */
  track(end: () => void): () => void;
}

type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export function handleWatch(ctx: HandlerContext, settings: WatchSettings): void {
  const query = ctx.url.searchParams;
  const conversion = negotiate(ctx.req.headers.accept, true);
  const tableOptions: TableOptions | undefined = conversion === 'Table' ? tableOptionsFrom(query) : undefined;
  const selectors = parseSelectors(ctx.type, query);
  const namespace = requestNamespace(ctx);
  const name = ctx.info.name;
  const rvParam = query.get('resourceVersion') ?? '';
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
  const timeoutParam = Number(query.get('timeoutSeconds') ?? '');
  const timeoutSeconds =
    Number.isFinite(timeoutParam) && timeoutParam > 0 ? timeoutParam : settings.defaultTimeoutSeconds;

  const inScope = (obj: KubeObject): boolean =>
    (namespace === '' || getString(obj, 'metadata', 'namespace') === namespace) &&
    (name === '' || getString(obj, 'metadata', 'name') === name) &&
    matches(ctx.type, selectors, obj);

  const res = ctx.res;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();

  let ended = false;
  let headersSent = false;
  const write = (type: WatchType, object: JsonObject | StatusObject): void => {
    if (ended) return;
    let payload: JsonObject | StatusObject = object;
    if (tableOptions !== undefined && type !== 'ERROR' && !('code' in object)) {
      const rows = type === 'BOOKMARK' ? [] : [object];
      const rv = getString(object, 'metadata', 'resourceVersion') ?? '';
      payload = toTable(
        ctx.type,
        rows,
        { ...tableOptions, noHeaders: headersSent },
        { resourceVersion: rv },
        ctx.now(),
      );
      headersSent = true;
    }
    res.write(`${JSON.stringify({ type, object: payload })}\n`);
  };

  const bookmark = (initialEventsEnd: boolean): void => {
    const metadata: JsonObject = { resourceVersion: String(ctx.store.resourceVersion) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    write('BOOKMARK', { kind: ctx.type.kind, apiVersion: apiVersionOf(ctx.type), metadata });
  };

  const onEvent = (event: StoreEvent): void => {
    if (event.resourceType !== ctx.type) return;
    const was = event.previous !== undefined && event.type !== 'ADDED' && inScope(event.previous);
    if (event.type === 'DELETED') {
      if (was) write('DELETED', event.object);
      return;
    }
    const is = inScope(event.object);
    if (is && was) write('MODIFIED', event.object);
    else if (is) write('ADDED', event.object);
    else if (was) write('DELETED', event.object);
  };

  // Subscribe first, queueing live events until the initial ones are out, so none is lost.
  let queue: StoreEvent[] | undefined = [];
  const unsubscribe = ctx.store.objects.subscribe((event) => {
    if (queue !== undefined) queue.push(event);
    else onEvent(event);
  });
  const startRv = ctx.store.resourceVersion;

  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    clearTimeout(timer);
    clearInterval(bookmarks);
    untrack();
    res.end();
  };
  const timer = setTimeout(end, timeoutSeconds * 1000);
  const bookmarks = setInterval(() => {
    if (allowBookmarks) bookmark(false);
  }, settings.bookmarkIntervalMs);
  const untrack = settings.track(end);
  ctx.req.on('close', end);
  res.on('close', end);

  const resumeFrom = rvParam === '' || rvParam === '0' || sendInitialEvents ? undefined : Number(rvParam);
  if (resumeFrom === undefined) {
    const initial = ctx.store.objects
      .list(ctx.type, namespace === '' ? undefined : namespace)
      .filter(inScope);
    for (const obj of initial) write('ADDED', obj);
    if (sendInitialEvents && allowBookmarks) bookmark(true);
  } else {
    const past = ctx.store.objects.eventsSince(Math.min(resumeFrom, startRv));
    if (past === undefined) {
      write(
        'ERROR',
        failureStatus(
          'Expired',
          `too old resource version: ${resumeFrom} (${ctx.store.objects.oldestResumable})`,
        ),
      );
      end();
      return;
    }
    for (const event of past) if (event.resourceVersion <= startRv) onEvent(event);
  }
  const pending = queue;
  queue = undefined;
  for (const event of pending) onEvent(event);
}
