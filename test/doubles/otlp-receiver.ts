/**
 * A local OTLP/HTTP trace receiver, written from the OTLP specification
 * (opentelemetry-proto: collector/trace/v1 ExportTraceServiceRequest, trace/v1 Span,
 * common/v1 KeyValue/AnyValue; the OTLP/HTTP binding for `application/x-protobuf` and
 * `application/json`, where trace and span ids are hex strings in JSON). It decodes both
 * encodings into one plain shape for assertions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

export type AttributeValue = string | number | boolean | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, AttributeValue>;
  links: { traceId: string; spanId: string }[];
  events: string[];
  statusCode: number;
}

const scalar = (id: number, type: string, rule?: string) => ({ id, type, ...(rule ? { rule } : {}) });

/** The messages of opentelemetry-proto that a trace export carries, field numbers as in the spec. */
const otlpTypes = protobuf.Root.fromJSON({
  nested: {
    ExportTraceServiceRequest: { fields: { resourceSpans: scalar(1, 'ResourceSpans', 'repeated') } },
    ResourceSpans: { fields: { resource: scalar(1, 'Resource'), scopeSpans: scalar(2, 'ScopeSpans', 'repeated'), schemaUrl: scalar(3, 'string') } },
    Resource: { fields: { attributes: scalar(1, 'KeyValue', 'repeated'), droppedAttributesCount: scalar(2, 'uint32') } },
    ScopeSpans: { fields: { scope: scalar(1, 'InstrumentationScope'), spans: scalar(2, 'Span', 'repeated'), schemaUrl: scalar(3, 'string') } },
    InstrumentationScope: { fields: { name: scalar(1, 'string'), version: scalar(2, 'string') } },
    Span: {
      fields: {
        traceId: scalar(1, 'bytes'),
        spanId: scalar(2, 'bytes'),
        traceState: scalar(3, 'string'),
        parentSpanId: scalar(4, 'bytes'),
        name: scalar(5, 'string'),
        kind: scalar(6, 'int32'),
        startTimeUnixNano: scalar(7, 'fixed64'),
        endTimeUnixNano: scalar(8, 'fixed64'),
        attributes: scalar(9, 'KeyValue', 'repeated'),
        droppedAttributesCount: scalar(10, 'uint32'),
        events: scalar(11, 'Event', 'repeated'),
        droppedEventsCount: scalar(12, 'uint32'),
        links: scalar(13, 'Link', 'repeated'),
        droppedLinksCount: scalar(14, 'uint32'),
        status: scalar(15, 'Status'),
        flags: scalar(16, 'fixed32'),
      },
    },
    Event: { fields: { timeUnixNano: scalar(1, 'fixed64'), name: scalar(2, 'string'), attributes: scalar(3, 'KeyValue', 'repeated') } },
    Link: { fields: { traceId: scalar(1, 'bytes'), spanId: scalar(2, 'bytes'), traceState: scalar(3, 'string'), attributes: scalar(4, 'KeyValue', 'repeated') } },
    Status: { fields: { message: scalar(2, 'string'), code: scalar(3, 'int32') } },
    KeyValue: { fields: { key: scalar(1, 'string'), value: scalar(2, 'AnyValue') } },
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: scalar(1, 'string'),
        boolValue: scalar(2, 'bool'),
        intValue: scalar(3, 'int64'),
        doubleValue: scalar(4, 'double'),
        arrayValue: scalar(5, 'ArrayValue'),
        kvlistValue: scalar(6, 'KeyValueList'),
        bytesValue: scalar(7, 'bytes'),
      },
    },
    ArrayValue: { fields: { values: scalar(1, 'AnyValue', 'repeated') } },
    KeyValueList: { fields: { values: scalar(1, 'KeyValue', 'repeated') } },
  },
});
const ExportTraceServiceRequest = otlpTypes.lookupType('ExportTraceServiceRequest');

interface WireKeyValue {
  key: string;
  value?: { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number };
}
interface WireSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: WireKeyValue[];
  links?: { traceId: string; spanId: string }[];
  events?: { name: string }[];
  status?: { code?: number };
}
interface WireRequest {
  resourceSpans?: { scopeSpans?: { spans?: WireSpan[] }[] }[];
}

function attributeValue(value: WireKeyValue['value']): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return null;
}

function plainSpans(request: WireRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((r) =>
    (r.scopeSpans ?? []).flatMap((s) =>
      (s.spans ?? []).map((span) => ({
        traceId: span.traceId ?? '',
        spanId: span.spanId ?? '',
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind ?? 0,
        attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, attributeValue(a.value)])),
        links: (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
        events: (span.events ?? []).map((e) => e.name),
        statusCode: span.status?.code ?? 0,
      })),
    ),
  );
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Content types of the exports received. */
  readonly contentTypes: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    // The handler needs the receiver, which needs the listening server's port.
    const created: { receiver?: OtlpReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const type = String(request.headers['content-type'] ?? '');
        if (request.method !== 'POST' || request.url !== '/v1/traces') return void response.writeHead(404).end();
        try {
          created.receiver?.receive(type, body);
        } catch {
          return void response.writeHead(400).end();
        }
        // An empty ExportTraceServiceResponse: full success.
        if (type.startsWith('application/json')) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.alloc(0));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    created.receiver = new OtlpReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return created.receiver;
  }

  private receive(contentType: string, body: Buffer): void {
    this.contentTypes.push(contentType);
    if (contentType.startsWith('application/json')) {
      this.spans.push(...plainSpans(JSON.parse(body.toString('utf8')) as WireRequest));
      return;
    }
    const decoded = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String });
    // Ids are bytes on the wire: shown as hex, as in OTLP/JSON.
    const hex = (base64: unknown) => (typeof base64 === 'string' ? Buffer.from(base64, 'base64').toString('hex') : '');
    const request = decoded as WireRequest;
    for (const r of request.resourceSpans ?? [])
      for (const s of r.scopeSpans ?? [])
        for (const span of s.spans ?? []) {
          span.traceId = hex(span.traceId);
          span.spanId = hex(span.spanId);
          span.parentSpanId = hex(span.parentSpanId);
          for (const link of span.links ?? []) Object.assign(link, { traceId: hex(link.traceId), spanId: hex(link.spanId) });
        }
    this.spans.push(...plainSpans(request));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
