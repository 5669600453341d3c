import type { Task } from 'graphile-worker';
import type OpenAI from 'openai';
import type { Logger } from 'pino';
import { z } from 'zod';
import { textCostUsd, textModelPrice, type TextUsage } from '../config/model-prices.js';
import { loadConversationFacts, type ConversationFacts } from '../storage/conversation-facts.js';
import type { Db } from '../storage/database.js';
import { inLinkedTrace } from '../observability/linked-spans.js';
import { CONVERSATION_ANALYSIS_TASK } from '../storage/job-queue.js';
import {
  replaceConversationUsage,
  storedFigures,
  withConversationAnalysisLock,
  writeAnalysis,
  writeConversationCost,
  type AnalysisRecord,
} from '../storage/usage-repository.js';
import { conversationFigures, type AnalysisFigures, type CostRates } from './conversation-costs.js';
import { analysisInputHash, summariseConversation, type SummaryResult } from './conversation-summary.js';

/**
 * After every call, and once a text thread goes quiet: the summary, outcome, services, questions,
 * satisfaction and follow-up (Responses API, structured output), the conversation's cost per
 * component, and its row in the daily roll-up. Idempotent: the same input is never sent to the
 * model twice, and the roll-up moves only by what changed.
 */

export interface AnalysisDependencies {
  db: Db;
  /** Undefined without OPENAI_API_KEY: conversations are still costed and rolled up, not summarised. */
  openai: OpenAI | undefined;
  /** The text model that writes summaries. */
  model: string;
  rates: CostRates;
  log: Logger;
}

const payloadSchema = z.object({
  conversationId: z.string().uuid(),
  /** The call's trace context (W3C), when the call was traced: the analysis's trace links to it. */
  trace: z.record(z.string(), z.string()).optional(),
});

export function conversationAnalysisTasks(deps: AnalysisDependencies): Record<string, Task> {
  return {
    [CONVERSATION_ANALYSIS_TASK]: async (payload, helpers) => {
      const { conversationId, trace } = payloadSchema.parse(payload);
      const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts;
      await inLinkedTrace('conversation.analyse', trace, { 'conversation.id': conversationId, 'job.attempt': helpers.job.attempts }, () =>
        analyseConversation(deps, conversationId, { lastAttempt }),
      );
    },
  };
}

/** True when the patient said or wrote anything (a failed transcription still means they spoke). */
export function patientSpoke(facts: ConversationFacts): boolean {
  return facts.messages.some((m) => m.role === 'customer' && m.text.trim().length > 0);
}

/** No patient speech: classified here, without the model. */
function ruleAnalysis(facts: ConversationFacts): Omit<AnalysisRecord, 'inputHash' | 'error' | 'totalCostUsd'> {
  const summary =
    facts.channel === 'voice'
      ? ['The caller did not say anything.', `The call ended after ${facts.voice?.seconds ?? 0} seconds.`]
      : [`Only the spa texted in this thread (${facts.messages.length} text${facts.messages.length === 1 ? '' : 's'}).`, 'The patient has not replied.'];
  return {
    summary: summary.join('\n'),
    outcome: 'abandoned',
    outcomeSource: 'rule',
    satisfaction: null,
    satisfactionReason: null,
    services: [],
    questions: [],
    followUpNeeded: false,
  };
}

function summaryCost(model: string, usage: TextUsage[]): number {
  const { price } = textModelPrice(model);
  return usage.reduce((sum, u) => sum + textCostUsd(price, u), 0);
}

export async function analyseConversation(
  deps: AnalysisDependencies,
  conversationId: string,
  options: { lastAttempt: boolean } = { lastAttempt: true },
): Promise<void> {
  const { db, log } = deps;
  const facts = await loadConversationFacts(db, conversationId);
  if (!facts) return;
  // A call still in progress (e.g. back with the receptionist after an unanswered transfer) is analysed when it ends.
  if (facts.channel === 'voice' && facts.status === 'active') return;
  const storedAnalysis = facts.analysed;
  const hash = analysisInputHash(facts, deps.model);

  if (hash === facts.analysisInputHash) {
    // Nothing new to read; only measured figures (e.g. Twilio's duration, arriving later) may have changed.
    await recordUsage(deps, facts, storedAnalysis);
    return;
  }
  if (!patientSpoke(facts)) {
    await recordAnalysis(deps, facts, { ...ruleAnalysis(facts), inputHash: hash, error: null }, 0);
    return;
  }
  // The cost is there even while the model is unavailable; the analysis follows.
  await recordUsage(deps, facts, storedAnalysis);
  if (!deps.openai) {
    await recordAnalysis(deps, facts, unknownAnalysis('no summary: OPENAI_API_KEY is not set', null), 0);
    return;
  }
  let result: SummaryResult;
  try {
    result = await summariseConversation(deps.openai, deps.model, facts);
  } catch (error) {
    if (!options.lastAttempt) throw error;
    log.error({ err: error, conversationId }, 'conversation not analysed: the model stayed unavailable');
    await recordAnalysis(deps, facts, unknownAnalysis(`the model was unavailable: ${error instanceof Error ? error.message : String(error)}`, null), 0);
    return;
  }
  const cost = summaryCost(deps.model, result.usage);
  if (result.kind === 'malformed') {
    log.warn({ conversationId, problem: result.problem }, 'summary model answered malformed; stored as unknown');
    await recordAnalysis(deps, facts, unknownAnalysis(`malformed model answer: ${result.problem}`, hash), cost);
    return;
  }
  const a = result.analysis;
  await recordAnalysis(
    deps,
    facts,
    {
      summary: a.summary,
      outcome: a.outcome,
      outcomeSource: 'model',
      satisfaction: a.satisfaction,
      satisfactionReason: a.satisfactionReason,
      services: a.services,
      questions: a.questions,
      followUpNeeded: a.followUpNeeded,
      inputHash: hash,
      error: null,
    },
    cost,
  );
}

/**
 * Stored when the model could not be read. A malformed answer keeps the input's hash (the same
 * input is not paid for again); an unavailable model does not, so the next run tries again.
 */
function unknownAnalysis(error: string, inputHash: string | null): Omit<AnalysisRecord, 'totalCostUsd'> {
  return {
    summary: null,
    outcome: 'unknown',
    outcomeSource: 'model',
    satisfaction: null,
    satisfactionReason: null,
    services: [],
    questions: [],
    followUpNeeded: false,
    inputHash,
    error: error.slice(0, 500),
  };
}

/** The usage row alone, with the analysis figures as stored. */
async function recordUsage(deps: AnalysisDependencies, facts: ConversationFacts, analysis: AnalysisFigures | undefined) {
  await withConversationAnalysisLock(deps.db, facts.id, async (trx) => {
    const summaryCostSoFar = Number((await storedFigures(trx, facts.id))?.cost_summary_usd ?? 0);
    const figures = conversationFigures(facts, deps.rates, summaryCostSoFar, analysis);
    await replaceConversationUsage(trx, facts.id, figures);
    // Also when the usage row stood: the end-of-call record writes the realtime cost alone here.
    await writeConversationCost(trx, facts.id, figures.cost_total_usd);
  });
}

/** The analysis and the usage row together; every summary call made is added to what earlier ones cost. */
async function recordAnalysis(
  deps: AnalysisDependencies,
  facts: ConversationFacts,
  analysis: Omit<AnalysisRecord, 'totalCostUsd'>,
  newSummaryCost: number,
) {
  await withConversationAnalysisLock(deps.db, facts.id, async (trx) => {
    const summaryCostSoFar = Number((await storedFigures(trx, facts.id))?.cost_summary_usd ?? 0);
    const figures = conversationFigures(facts, deps.rates, summaryCostSoFar + newSummaryCost, {
      satisfaction: analysis.satisfaction,
      followUpNeeded: analysis.followUpNeeded,
    });
    await replaceConversationUsage(trx, facts.id, figures);
    await writeAnalysis(trx, facts.id, { ...analysis, totalCostUsd: figures.cost_total_usd });
  });
}
