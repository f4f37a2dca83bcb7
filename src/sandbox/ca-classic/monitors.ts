import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CaClassicContext } from './context';
import type { EntityDoc } from './entities';
import { CaClassicError, badRequest, messageForStatus, parseBody } from './errors';
import { findSearch, success } from './searches';
import {
  dayOf,
  isDay,
  newEntityId,
  searchTimestamp,
  type DifferenceRecord,
  type SearchRecord,
} from './store';
import { API_USER_ID, userById } from './users';
import type { MonitoredSearchUpdatedData } from './webhooks';

/**
 * Monitored searches (docs/providers/ca-classic-sandbox.md, "Monitoring"): the monitor state of a search,
 * its start and stop, the differences of a day, and what a monitoring run finds (`monitorChange`, played
 * by the control route), which updates the search and sends `monitored_search_updated`.
 */

const monitorsSchema = z
  .object({ is_monitored: z.boolean(), monitored_by: z.number().int().positive().optional() })
  .strict();

export const monitorChangeSchema = z
  .object({
    new: z.number().int().min(0).max(50).default(0),
    updated: z.number().int().min(0).default(0),
    removed: z.number().int().min(0).default(0),
    suspended: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.new + b.updated + b.removed > 0 || b.suspended !== undefined, {
    error: 'name some new, updated or removed entities, or suspended',
  });

/** What `POST /_sandbox/ca-classic/searches/{id}/monitor-change` accepts, for typed control clients. */
export type MonitorChangeBody = z.input<typeof monitorChangeSchema>;

/** `content` of `GET` and `PATCH /searches/{id}/monitors` (the fields sit directly in `content`). */
export function renderMonitors(s: SearchRecord): Record<string, unknown> {
  return {
    search_id: s.id,
    ref: s.ref,
    is_monitored: s.isMonitored,
    // The reference's sample is malformed (`{ { … } }`); one object, or `[]` before monitoring ever started.
    monitors:
      s.monitor === undefined
        ? []
        : {
            monitored_by: s.monitor.monitoredBy,
            updated_at: s.monitor.updatedAt,
            created_at: s.monitor.createdAt,
          },
  };
}

function differenceOf(record: DifferenceRecord): Record<string, unknown> {
  const { date: _date, ...rest } = record;
  return structuredClone(rest);
}

/** A monitoring run found something: the search shows the latest results and the event is sent. */
export function monitorChange(
  ctx: CaClassicContext,
  s: SearchRecord,
  change: z.output<typeof monitorChangeSchema>,
): MonitoredSearchUpdatedData {
  if (!s.isMonitored) {
    throw new CaClassicError(409, `Search ${s.id} is not monitored: a monitoring run never updates it`);
  }
  if (change.updated + change.removed > s.hits.length) {
    throw badRequest(`updated and removed together may name at most the ${s.hits.length} hits of the search`);
  }
  const now = new Date();
  const day = dayOf(now);
  const removed = change.removed === 0 ? [] : s.hits.splice(s.hits.length - change.removed, change.removed);
  const updated = s.hits.slice(0, change.updated);
  const differences: DifferenceRecord[] = removed.map((h) => ({
    date: day,
    action: 'removed',
    name: h.doc.name,
    entity_id: h.doc.id,
    listing_types: [...h.doc.types],
    sources: [...h.doc.sources],
  }));
  for (const hit of updated) {
    const addedTypes = hit.doc.types.includes('adverse-media') ? [] : ['adverse-media'];
    const addedSources = ['sandbox-monitoring-update'].filter((x) => !hit.doc.sources.includes(x));
    hit.doc.types.push(...addedTypes);
    hit.doc.sources.push(...addedSources);
    hit.doc.last_updated_utc = now.toISOString().slice(0, 19) + 'Z';
    // A changed entity is no longer whitelisted: it needs a fresh look.
    hit.isWhitelisted = false;
    if (hit.matchStatus !== undefined) hit.matchStatus = 'potential_match';
    if (s.clientRef !== undefined) ctx.store.setWhitelisted(s.clientRef, hit.doc.id, false);
    differences.push({
      date: day,
      action: 'updated',
      name: hit.doc.name,
      entity_id: hit.doc.id,
      changes: {
        listing_types: { removed: [], added: addedTypes },
        sources: { removed: [], added: addedSources },
      },
    });
  }
  const added = Array.from({ length: change.new }, (_, i) => {
    const doc: EntityDoc = {
      id: newEntityId(),
      entity_type: s.termKind === 'object' ? 'person' : 'company',
      name: s.searchTerm,
      aka: [],
      associates: [],
      fields: [
        {
          name: 'Reason',
          value: `Added by a sandbox monitoring run (${i + 1})`,
          source: 'sandbox-monitoring-list',
        },
      ],
      media: [],
      sources: ['sandbox-monitoring-list'],
      types: ['warning'],
      last_updated_utc: now.toISOString().slice(0, 19) + 'Z',
    };
    differences.push({
      date: day,
      action: 'added',
      name: doc.name,
      entity_id: doc.id,
      listing_types: [...doc.types],
      sources: [...doc.sources],
    });
    return { doc, matchTypes: ['name_exact'], score: 1, isWhitelisted: false };
  });
  s.hits.push(...added);
  s.totalHits = Math.max(0, s.totalHits + added.length - removed.length);
  if (added.length + updated.length > 0) s.matchStatus = 'potential_match';
  if (change.suspended !== undefined) s.isSuspended = change.suspended;
  s.differences.push(...differences);
  s.updatedAt = searchTimestamp(now);
  s.updatedMs = now.getTime();
  const data: MonitoredSearchUpdatedData = {
    search_id: s.id,
    updated: updated.map((h) => h.doc.id),
    new: added.map((h) => h.doc.id),
    removed: removed.map((h) => h.doc.id),
    is_suspended: s.isSuspended,
  };
  ctx.webhooks.raise({ event: 'monitored_search_updated', data });
  return data;
}

export function registerMonitorRoutes(app: FastifyInstance, ctx: CaClassicContext): void {
  app.get<{ Params: { id: string } }>('/searches/:id/monitors', (request) =>
    success(renderMonitors(findSearch(ctx, request.params.id))),
  );

  app.patch<{ Params: { id: string } }>('/searches/:id/monitors', (request) => {
    const search = findSearch(ctx, request.params.id);
    const body = parseBody(monitorsSchema, request.body);
    if (body.monitored_by !== undefined && !userById(body.monitored_by)) {
      throw badRequest('monitored_by is not a user of this account');
    }
    const now = searchTimestamp();
    if (search.monitor === undefined) {
      // Stopping a search never monitored leaves it without a monitor.
      if (body.is_monitored) {
        search.monitor = { monitoredBy: body.monitored_by ?? API_USER_ID, createdAt: now, updatedAt: now };
      }
    } else if (search.isMonitored !== body.is_monitored || body.monitored_by !== undefined) {
      search.monitor.updatedAt = now;
      if (body.monitored_by !== undefined) search.monitor.monitoredBy = body.monitored_by;
    }
    search.isMonitored = body.is_monitored;
    return success(renderMonitors(search));
  });

  const differences = (spelling: 'monitors' | 'monitor') =>
    app.get<{ Params: { id: string } }>(`/searches/:id/${spelling}/differences`, (request) => {
      const served = ctx.settings.differencesRoute;
      if (served !== 'both' && served !== spelling) throw new CaClassicError(404, messageForStatus(404));
      const search = findSearch(ctx, request.params.id);
      const raw = (request.query as Record<string, unknown>).date;
      let date = dayOf();
      if (raw !== undefined && raw !== '') {
        if (!isDay(raw)) throw badRequest('date must be a date as yyyy-mm-dd');
        date = raw;
      }
      return success(search.differences.filter((d) => d.date === date).map(differenceOf));
    });
  differences('monitors');
  differences('monitor');
}
