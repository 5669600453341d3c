import { z } from 'zod';
import { ToolError, type Tool, type ToolContext } from './tool.js';

export const DEFAULT_TOOL_TIMEOUT_MS = 8_000;

export type ToolOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: string; message: string } };

export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** The receptionist's tools by name: JSON Schema for the model, validated and time-boxed execution. */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(tools: Tool[] = []) {
    for (const tool of tools) this.add(tool);
  }

  add(tool: Tool): this {
    if (this.tools.has(tool.name)) throw new Error(`tool ${tool.name} is registered twice`);
    this.tools.set(tool.name, tool);
    return this;
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** The tool only looks things up (an unknown tool does nothing at all, so it counts as one). */
  isReadOnly(name: string): boolean {
    const tool = this.tools.get(name);
    return tool === undefined || tool.readOnly === true;
  }

  /** The tools' definitions for the model, less those named in `without`. */
  definitions(without: readonly string[] = []): ToolDefinition[] {
    return [...this.tools.values()].filter((tool) => !without.includes(tool.name)).map((tool) => {
      const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.schema, { io: 'input' }) as Record<string, unknown>;
      return { name: tool.name, description: tool.description, parameters };
    });
  }

  /** A tool call's arguments as they may be recorded: secret ones (a one-time code) masked. */
  recordableArguments(name: string, args: unknown): unknown {
    const secret = this.tools.get(name)?.secretArguments;
    if (!secret?.length || typeof args !== 'object' || args === null || Array.isArray(args)) return secret?.length ? '[redacted]' : args;
    return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, secret.includes(key) ? '[redacted]' : value]));
  }

  /** Never throws: every failure becomes a structured error the model can explain to the caller. */
  async execute(name: string, argumentsJson: string, context: ToolContext): Promise<ToolOutcome> {
    const tool = this.tools.get(name);
    if (!tool) return { ok: false, error: { code: 'UNKNOWN_TOOL', message: `There is no tool called ${name}.` } };
    let raw: unknown;
    try {
      raw = argumentsJson.trim() === '' ? {} : JSON.parse(argumentsJson);
    } catch {
      return { ok: false, error: { code: 'INVALID_ARGUMENTS', message: 'The arguments were not valid JSON.' } };
    }
    const args = tool.schema.safeParse(raw);
    if (!args.success) {
      const issue = args.error.issues[0];
      return {
        ok: false,
        error: {
          code: 'INVALID_ARGUMENTS',
          message: `${issue?.path.join('.') || 'arguments'}: ${issue?.message ?? 'invalid'}`,
        },
      };
    }
    const timeoutMs = tool.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        tool.execute(args.data, context),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ToolError('TIMEOUT', `${name} took longer than ${timeoutMs} ms.`)), timeoutMs);
        }),
      ]);
      return { ok: true, result };
    } catch (error) {
      if (error instanceof ToolError) return { ok: false, error: { code: error.code, message: error.message } };
      context.log.error({ err: error, tool: name }, 'tool failed');
      return { ok: false, error: { code: 'TOOL_FAILED', message: 'The system could not complete that just now.' } };
    } finally {
      clearTimeout(timer);
    }
  }
}
