import { dirname } from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/**
 * History <-> proto3 JSON (the format `temporal workflow show --output json` and the SDK's
 * `historyToJSON` write), for the replay fixtures in test/fixtures/histories.
 *
 * Why not `historyToJSON`/`historyFromJSON` from @temporalio/common: in this install @grpc/proto-loader
 * pins protobufjs 7 at the top of node_modules, so @temporalio/common and @temporalio/proto each get
 * their own copy of protobufjs 8, and common's protojson refuses proto's reflection types
 * ("type must be a Type"). Using the protojson of the copy @temporalio/proto itself loaded avoids the
 * mismatch; the output is the same JSON.
 */
type History = proto.temporal.api.history.v1.History;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved at run time from @temporalio/proto's own dependencies
const protojson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [dirname(require.resolve('@temporalio/proto'))] }),
) as ProtoJson;

const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJson(history: proto.temporal.api.history.v1.IHistory): string {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  return JSON.stringify(protojson.toJson(historyType, message), null, 2);
}

/** A recorded history, parsed; unknown fields (a newer server's) are ignored. */
export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (history === null || typeof history !== 'object') throw new TypeError('not a history');
  return history as History;
}

/**
 * What a history was recorded for, read from its first event (WorkflowExecutionStarted): the workflow
 * type a replay must run it on, and its workflow ID (absent in exports of servers older than 1.24).
 */
export function startOf(history: proto.temporal.api.history.v1.IHistory): {
  workflowType: string;
  workflowId: string | undefined;
} {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const workflowType = started?.workflowType?.name;
  if (workflowType === undefined || workflowType === null || workflowType === '') {
    throw new TypeError('the first event is not a WorkflowExecutionStarted with a workflow type');
  }
  return { workflowType, workflowId: started?.workflowId ?? undefined };
}
